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
