-- Full-text search over items' titles and summaries, and the indexes the
-- growth benchmark and the query-plan test (queryplan_test.go) showed were
-- missing.
--
-- The index is contentless (it keeps no copy of the text) with
-- contentless_delete, so that a pruned item is deleted by its rowid alone.
-- Retention deletes as many items as polling adds, and the alternatives
-- measured worse (docs/performance.md, "Profiles"): an external-content
-- index records deletions as markers that only merges into the oldest
-- segment remove, so it grew 6x in 200 simulated days while the items
-- stayed level; with secure-delete it stayed level but pruning took half
-- the CPU of a polling soak (~2.7 ms per deleted item). Snippets and
-- highlights are therefore made in Go from the items table (search.go).
--
-- The summary is stored as sanitised HTML; html_text, a Go function the
-- store registers (search.go), gives the plain text that is indexed, so
-- that tag and attribute names are not found. A program without it (the
-- sqlite3 shell) can read and delete items but not insert them.
--
-- unicode61 folds case in every script (Cyrillic included) and
-- remove_diacritics 2 folds Latin diacritics ("café" is "cafe").
CREATE VIRTUAL TABLE items_fts USING fts5 (
    title, summary,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN
    INSERT INTO items_fts (rowid, title, summary) VALUES (new.id, new.title, html_text(new.summary));
END;

CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN
    DELETE FROM items_fts WHERE rowid = old.id;
END;

CREATE TRIGGER items_fts_update AFTER UPDATE OF title, summary ON items BEGIN
    DELETE FROM items_fts WHERE rowid = old.id;
    INSERT INTO items_fts (rowid, title, summary) VALUES (new.id, new.title, html_text(new.summary));
END;

-- Index the items stored before this migration.
INSERT INTO items_fts (rowid, title, summary) SELECT id, title, html_text(summary) FROM items;

-- A digest reads one topic's matches in a range of seq (MatchedItems);
-- (topic_id, matched_at) cannot serve a range of seq, so without this the
-- digest walked every match the topic ever had.
CREATE INDEX matches_topic_seq ON matches (topic_id, seq);

-- The admin page's matches per day (DailyMatches) asks for a time range
-- across topics; with topic_id it answers from the index alone.
CREATE INDEX matches_time ON matches (matched_at, topic_id);

-- The rule editor's preview (RecentItems) reads the newest fetched items.
CREATE INDEX items_fetched ON items (fetched_at);

-- Erasing a subscriber cascades to their deliveries; without an index the
-- cascade reads the whole outbox.
CREATE INDEX deliveries_subscriber ON deliveries (subscriber_id);

-- Emptying old sent messages (PruneSentMessages) asks for the sent
-- deliveries that still carry a body; rows leave this index once emptied,
-- so each run reads only what it changes, not the whole sent history.
CREATE INDEX deliveries_unpruned ON deliveries (status, sent_at) WHERE status = 'sent' AND length(message) > 0;
