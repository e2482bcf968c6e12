-- A digest's row is now recorded before its deliveries, which are queued a
-- chunk of subscribers per transaction so that building one does not hold
-- every rendered message in memory. completed_at is set once every
-- subscriber's delivery is queued. Until then the digest is incomplete: the
-- next build resumes it for the subscribers still without a delivery
-- instead of starting the next period (docs/mail.md, "Exactly once").
--
-- Digests recorded earlier were queued whole in one transaction, so they
-- are complete. An empty created_at never occurs, but marking such a row
-- incomplete would mail an old digest to today's subscribers.
ALTER TABLE digests ADD COLUMN completed_at TEXT NOT NULL DEFAULT '';
UPDATE digests SET completed_at = coalesce(nullif(created_at, ''), '1970-01-01T00:00:00.000Z');
CREATE INDEX digests_incomplete ON digests (topic_id) WHERE completed_at = '';
