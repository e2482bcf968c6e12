-- migrate: foreign_keys off
-- A digest's range used to be unique per topic and start (UNIQUE (topic_id,
-- from_seq)). A "nothing new" note covers an empty range (X, X], and when
-- nothing at all matched during its period the next digest starts at X
-- too: the constraint refused it, and the topic's digests stopped. Starts
-- stay unique for ranges that hold matches; that two builders do not both
-- record the same period is checked where a digest is recorded (its period
-- must begin where the topic's last one ended).
CREATE TABLE digests_new (
    id           INTEGER PRIMARY KEY,
    topic_id     TEXT    NOT NULL,
    from_seq     INTEGER NOT NULL,
    to_seq       INTEGER NOT NULL,
    period_start TEXT    NOT NULL,
    period_end   TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    item_count   INTEGER NOT NULL,
    subject      TEXT    NOT NULL DEFAULT '',
    html         TEXT    NOT NULL DEFAULT '',
    text         TEXT    NOT NULL DEFAULT '',
    completed_at TEXT    NOT NULL DEFAULT ''
);
INSERT INTO digests_new (id, topic_id, from_seq, to_seq, period_start, period_end, created_at, item_count, subject, html, text, completed_at)
    SELECT id, topic_id, from_seq, to_seq, period_start, period_end, created_at, item_count, subject, html, text, completed_at FROM digests;
DROP TABLE digests;
ALTER TABLE digests_new RENAME TO digests;
CREATE INDEX digests_topic ON digests (topic_id, to_seq);
CREATE INDEX digests_incomplete ON digests (topic_id) WHERE completed_at = '';
CREATE UNIQUE INDEX digests_range ON digests (topic_id, from_seq) WHERE to_seq > from_seq;
