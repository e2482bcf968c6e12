-- migrate: foreign_keys off
-- The operations layer: API keys, the activity log of changes made on the
-- admin pages, the API and the command line, and each feed's recent polls.

-- API keys are stored as the SHA-256 of the key: the key itself is shown
-- once, when it is made. A revoked key keeps its row (and name) so the
-- activity log still says whose it was.
CREATE TABLE api_keys (
	id           INTEGER PRIMARY KEY,
	name         TEXT NOT NULL UNIQUE,
	hash         TEXT NOT NULL UNIQUE,
	read_only    INTEGER NOT NULL DEFAULT 0,
	created_at   TEXT NOT NULL,
	last_used_at TEXT NOT NULL DEFAULT '',
	revoked_at   TEXT NOT NULL DEFAULT ''
);

CREATE TABLE activity (
	id      INTEGER PRIMARY KEY,
	at      TEXT NOT NULL,
	actor   TEXT NOT NULL, -- "cli", "admin:NAME", "api:KEY"
	action  TEXT NOT NULL, -- "feed.add", "subscriber.erase", ...
	subject TEXT NOT NULL, -- what it was done to: a URL, an address, a delivery id
	detail  TEXT NOT NULL DEFAULT ''
);

-- A few recent polls per feed, for its page: kept short by the writer.
CREATE TABLE feed_polls (
	id          INTEGER PRIMARY KEY,
	feed_id     INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
	at          TEXT NOT NULL,
	outcome     TEXT NOT NULL,
	duration_ms INTEGER NOT NULL,
	new_items   INTEGER NOT NULL,
	matches     INTEGER NOT NULL,
	error       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX feed_polls_feed ON feed_polls (feed_id, id);

-- Feeds added on the admin pages or the API keep where they came from
-- (origin 'web' or 'api'): the poller does not trust them to reach private
-- addresses. SQLite cannot change a CHECK constraint, so the table is
-- rebuilt (https://sqlite.org/lang_altertable.html).
DROP TRIGGER items_count_delete;
CREATE TABLE feeds_new (
    id              INTEGER PRIMARY KEY,
    url             TEXT    NOT NULL UNIQUE,
    title           TEXT    NOT NULL DEFAULT '',
    origin          TEXT    NOT NULL DEFAULT 'db' CHECK (origin IN ('config', 'db', 'web', 'api')),
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
    created_at      TEXT    NOT NULL,
    item_count      INTEGER NOT NULL DEFAULT 0,
    refresh_hint_s  INTEGER NOT NULL DEFAULT 0
);
INSERT INTO feeds_new (id, url, title, origin, enabled, interval_s, username, password, etag, last_modified, body_hash,
        next_poll_at, last_poll_at, last_success_at, last_error_at, last_error, error_count, redirect_url, redirect_count,
        created_at, item_count, refresh_hint_s)
    SELECT id, url, title, origin, enabled, interval_s, username, password, etag, last_modified, body_hash,
        next_poll_at, last_poll_at, last_success_at, last_error_at, last_error, error_count, redirect_url, redirect_count,
        created_at, item_count, refresh_hint_s FROM feeds;
DROP TABLE feeds;
ALTER TABLE feeds_new RENAME TO feeds;
CREATE INDEX feeds_due ON feeds (enabled, next_poll_at);
CREATE TRIGGER items_count_delete AFTER DELETE ON items BEGIN
    UPDATE feeds SET item_count = item_count - 1 WHERE id = old.feed_id;
END;
