-- An item matched a topic. The id is a sequence that only grows (AUTOINCREMENT
-- never reuses a value), and rows are numbered in commit order because SQLite
-- has one writer; digests cover a range of it, so no match can fall between
-- two digests however the clocks and transactions interleave.
CREATE TABLE matches (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id    INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
    topic_id   TEXT    NOT NULL,
    score      REAL    NOT NULL,
    terms      TEXT    NOT NULL DEFAULT '[]', -- JSON array of the terms that fired
    matched_at TEXT    NOT NULL,
    UNIQUE (topic_id, item_id)
);
CREATE INDEX matches_item ON matches (item_id);
CREATE INDEX matches_topic_time ON matches (topic_id, matched_at);
