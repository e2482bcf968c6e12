-- SaveFetches indexes new items for search itself, once per transaction
-- and after its other writes, with the plain text the rules matched. The
-- trigger indexed each row inside its INSERT, and FTS5 turned the pending
-- terms into a new segment at the end of every later statement of the
-- transaction: one small segment per feed, merged again and again (about
-- half of what storing a new item cost; docs/performance.md, "Polling").
-- Whatever inserts into items must now index the new rows itself.
DROP TRIGGER items_fts_insert;

-- No query looks items up by canonical link or by publication date alone
-- (the query-plan test, queryplan_test.go, checks every query's index);
-- pruning finds old items through items_fetched. Each index cost about a
-- sixth of an item's insert.
DROP INDEX items_canonical_link;
DROP INDEX items_published;
