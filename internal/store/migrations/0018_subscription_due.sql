-- The dispatcher runs every minute and asks which subscriptions are due and
-- which are still to be placed. Without these indexes each question read
-- every subscription to find the few that are: about 26 ms a minute at
-- 10,000 subscribers, 16% of the CPU of a day's mail (docs/performance.md,
-- "A day of mail"). Each is partial, so it holds only the rows it finds.

-- Scheduled subscriptions by their next delivery time (DueDigests).
CREATE INDEX subscriptions_due ON subscriptions (next_at, subscriber_id)
    WHERE status = 'active' AND frequency != 'instant' AND next_at != '';
-- Instant subscriptions, which are due when their topic has new matches
-- (DueAlerts).
CREATE INDEX subscriptions_instant ON subscriptions (subscriber_id)
    WHERE status = 'active' AND frequency = 'instant';
-- Subscriptions whose cursor or next delivery time is still to be worked
-- out (UnplacedSubscriptions).
CREATE INDEX subscriptions_unplaced ON subscriptions (subscriber_id, topic_id)
    WHERE status = 'active' AND (cursor_seq < 0 OR (next_at = '' AND frequency != 'instant'));
