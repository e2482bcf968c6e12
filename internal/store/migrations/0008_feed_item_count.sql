-- Each feed keeps the number of its stored items, so that `feeds list`, the
-- admin page and every metrics scrape read one row per feed instead of
-- counting a million items (docs/performance.md, "Growth").
--
-- SaveFetches, the only writer of items, adds a feed's new items in the
-- statement that saves the feed's state; deletions of any kind (retention,
-- a removed feed's cascade, tests) go through the trigger, which costs a
-- little on the rare deletes instead of on every insert.
ALTER TABLE feeds ADD COLUMN item_count INTEGER NOT NULL DEFAULT 0;
UPDATE feeds SET item_count = (SELECT count(*) FROM items WHERE items.feed_id = feeds.id);
CREATE TRIGGER items_count_delete AFTER DELETE ON items BEGIN
    UPDATE feeds SET item_count = item_count - 1 WHERE id = old.feed_id;
END;
