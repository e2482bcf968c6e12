-- A feed's own refresh hint (<ttl>, <sy:updatePeriod>), in seconds, kept
-- from the last document parsed: a 304 or an unchanged body is not parsed,
-- and without it such polls fell back to the configured interval, so a
-- feed that asked for an hour was polled every 30 minutes after its first
-- unchanged answer.
ALTER TABLE feeds ADD COLUMN refresh_hint_s INTEGER NOT NULL DEFAULT 0;
