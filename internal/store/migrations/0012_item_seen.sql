-- An undated item is dated by its first fetch, and retention prunes it 90
-- days later. A feed that still lists it then had it stored, matched and
-- mailed again as new. seen_at records the last poll that found an undated
-- item still listed, and pruning keeps it while that is recent.
ALTER TABLE items ADD COLUMN seen_at TEXT NOT NULL DEFAULT '';
