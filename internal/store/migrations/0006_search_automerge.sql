-- FTS5 merges a level's segments once automerge of them exist (default 4).
-- Polling adds one segment per batch, and merging every 4 rewrote each
-- indexed term about twice as often as merging every 8: storing a new item
-- costs 13% less with 8 (BenchmarkSaveFetches; docs/performance.md,
-- "Polling"). A search may read about a third more segments; the growth
-- benchmark measures searches at a million items (docs/performance.md).
INSERT INTO items_fts (items_fts, rank) VALUES ('automerge', 8);
