-- What the last parsed document of a feed listed, entry by entry: a
-- fingerprint of the entry's bytes and the stored item it became (16 bytes
-- each, little-endian). A changed feed mostly repeats entries it listed
-- before; a poll that finds their fingerprints here parses only the others
-- (docs/performance.md, "Steady state").
ALTER TABLE feeds ADD COLUMN entry_prints BLOB NOT NULL DEFAULT x'';
