-- Feeds with their fetch state, and the items they carried.
-- Times are UTC text of a fixed width (2006-01-02T15:04:05.000Z), so that
-- they sort as strings and stay readable in the sqlite3 shell.
CREATE TABLE feeds (
    id              INTEGER PRIMARY KEY,
    url             TEXT    NOT NULL UNIQUE,
    title           TEXT    NOT NULL DEFAULT '',
    origin          TEXT    NOT NULL DEFAULT 'db' CHECK (origin IN ('config', 'db')),
    enabled         INTEGER NOT NULL DEFAULT 1,
    interval_s      INTEGER NOT NULL DEFAULT 0,
    username        TEXT    NOT NULL DEFAULT '',
    password        TEXT    NOT NULL DEFAULT '',
    etag            TEXT    NOT NULL DEFAULT '',
    last_modified   TEXT    NOT NULL DEFAULT '',
    body_hash       TEXT    NOT NULL DEFAULT '',
    next_poll_at    TEXT    NOT NULL DEFAULT '',
    last_poll_at    TEXT    NOT NULL DEFAULT '',
    last_success_at TEXT    NOT NULL DEFAULT '',
    last_error_at   TEXT    NOT NULL DEFAULT '',
    last_error      TEXT    NOT NULL DEFAULT '',
    error_count     INTEGER NOT NULL DEFAULT 0,
    redirect_url    TEXT    NOT NULL DEFAULT '',
    redirect_count  INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT    NOT NULL
);
CREATE INDEX feeds_due ON feeds (enabled, next_poll_at);

CREATE TABLE items (
    id             INTEGER PRIMARY KEY,
    feed_id        INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    key            TEXT    NOT NULL, -- GUID, else canonical link, else content hash
    guid           TEXT    NOT NULL DEFAULT '',
    link           TEXT    NOT NULL DEFAULT '',
    canonical_link TEXT    NOT NULL DEFAULT '',
    title          TEXT    NOT NULL DEFAULT '',
    summary        TEXT    NOT NULL DEFAULT '',
    content        TEXT    NOT NULL DEFAULT '',
    author         TEXT    NOT NULL DEFAULT '',
    published_at   TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL DEFAULT '',
    date_missing   INTEGER NOT NULL DEFAULT 0,
    fetched_at     TEXT    NOT NULL,
    UNIQUE (feed_id, key)
);
CREATE INDEX items_published ON items (published_at);
CREATE INDEX items_canonical_link ON items (canonical_link);
