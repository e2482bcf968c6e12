-- migrate: foreign_keys off
-- Each subscription chooses when, how often and how much it receives, and
-- the record of what was mailed moves from "topic digest × subscriber" to
-- "subscription × range of matches" (docs/mail.md, "Exactly once").

-- frequency '' follows the topic's own schedule (its cron spec in the
-- topics file); 'daily' and 'weekly' deliver at deliver_at minutes after
-- midnight (and on weekday, 0 = Sunday) in the subscriber's zone.
-- cursor_seq is the newest match of the topic that this subscription has
-- been given (or skipped, for best_only); next_at is the next scheduled
-- delivery in UTC, '' while it has to be worked out (a new or changed
-- subscription) and for instant ones.
ALTER TABLE subscriptions ADD COLUMN frequency TEXT NOT NULL DEFAULT ''
    CHECK (frequency IN ('', 'instant', 'daily', 'weekly'));
ALTER TABLE subscriptions ADD COLUMN deliver_at INTEGER NOT NULL DEFAULT 420;
ALTER TABLE subscriptions ADD COLUMN weekday INTEGER NOT NULL DEFAULT 1;
ALTER TABLE subscriptions ADD COLUMN best_only INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subscriptions ADD COLUMN cursor_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subscriptions ADD COLUMN next_at TEXT NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN last_sent_at TEXT NOT NULL DEFAULT '';

-- An existing subscription continues where its topic's digests were: from
-- the last digest it was given, or the topic's last complete one (which it
-- was not active for). A subscriber still waiting for an incomplete digest
-- gets its range in the next mail.
UPDATE subscriptions SET
    cursor_seq = max(
        coalesce((SELECT max(g.to_seq) FROM digests g JOIN deliveries d ON d.digest_id = g.id
            WHERE g.topic_id = subscriptions.topic_id AND d.subscriber_id = subscriptions.subscriber_id), 0),
        coalesce((SELECT max(g.to_seq) FROM digests g
            WHERE g.topic_id = subscriptions.topic_id AND g.completed_at != ''), 0)),
    last_sent_at = coalesce((SELECT max(d.created_at) FROM digests g JOIN deliveries d ON d.digest_id = g.id
            WHERE g.topic_id = subscriptions.topic_id AND d.subscriber_id = subscriptions.subscriber_id), '');

-- paused_until: no mail until then (matches wait). combine: subscriptions
-- due together share one mail. feed_key: part of the signed link to the
-- topic feeds of a non-public topic; a new key revokes the old links.
-- lang: the language whose report heads a story, when a story has one.
ALTER TABLE subscribers ADD COLUMN paused_until TEXT NOT NULL DEFAULT '';
ALTER TABLE subscribers ADD COLUMN combine INTEGER NOT NULL DEFAULT 1;
ALTER TABLE subscribers ADD COLUMN feed_key TEXT NOT NULL DEFAULT '';
ALTER TABLE subscribers ADD COLUMN lang TEXT NOT NULL DEFAULT '';

-- A digest row is now one topic's section of the mails that carried a
-- range of its matches, shared by every subscription that was given the
-- same range, and its archive copy. Rows are made when first needed and
-- complete at once.
ALTER TABLE digests ADD COLUMN best_only INTEGER NOT NULL DEFAULT 0;
DROP INDEX digests_incomplete;
DROP INDEX digests_range;
UPDATE digests SET completed_at = created_at WHERE completed_at = '';
CREATE UNIQUE INDEX digests_section ON digests (topic_id, from_seq, to_seq, best_only) WHERE to_seq > from_seq;

-- A delivery is one mail to one subscriber; delivery_sections says which
-- digest sections (topic ranges) it carries: one, or one per topic when a
-- subscriber's subscriptions share a mail.
CREATE TABLE deliveries_new (
    id              INTEGER PRIMARY KEY,
    kind            TEXT    NOT NULL DEFAULT 'digest' CHECK (kind IN ('digest', 'alert')),
    subscriber_id   INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    email           TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL,
    last_error      TEXT    NOT NULL DEFAULT '',
    message_id      TEXT    NOT NULL,
    message         BLOB    NOT NULL,
    created_at      TEXT    NOT NULL,
    sent_at         TEXT    NOT NULL DEFAULT ''
);
INSERT INTO deliveries_new (id, subscriber_id, email, status, attempts, next_attempt_at, last_error, message_id, message, created_at, sent_at)
    SELECT id, subscriber_id, email, status, attempts, next_attempt_at, last_error, message_id, message, created_at, sent_at FROM deliveries;

CREATE TABLE delivery_sections (
    delivery_id INTEGER NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    digest_id   INTEGER NOT NULL REFERENCES digests (id) ON DELETE CASCADE,
    PRIMARY KEY (delivery_id, digest_id)
) WITHOUT ROWID;
CREATE INDEX delivery_sections_digest ON delivery_sections (digest_id);
INSERT INTO delivery_sections (delivery_id, digest_id) SELECT id, digest_id FROM deliveries;

DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_subscriber ON deliveries (subscriber_id, kind, created_at);
