-- Readers and editors judge items; the judgments become labelled items the
-- rules are measured on and rule changes are proposed from.

-- The words of the text that a match's terms found ("spokesman" for the
-- term "spokes*"), as readers are shown them. Matches made before this
-- have none; their terms are shown instead.
ALTER TABLE matches ADD COLUMN words TEXT NOT NULL DEFAULT '[]'; -- JSON array

-- An item judged for a topic, with its text as it was judged: labels
-- outlive the items retention prunes, and an imported item was never
-- stored. key is "item:<id>" for a stored item, else the imported file's id.
CREATE TABLE labelled_items (
    id         INTEGER PRIMARY KEY,
    topic_id   TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    item_id    INTEGER REFERENCES items (id) ON DELETE SET NULL,
    title      TEXT    NOT NULL DEFAULT '',
    summary    TEXT    NOT NULL DEFAULT '',
    content    TEXT    NOT NULL DEFAULT '',
    link       TEXT    NOT NULL DEFAULT '',
    created_at TEXT    NOT NULL,
    UNIQUE (topic_id, key)
);
CREATE INDEX labelled_items_item ON labelled_items (item_id);

-- One judgment of a labelled item. reader is a keyed one-way hash (HMAC
-- under the server secret) of a reader's address, never the address; it
-- makes one judgment per reader and item and the daily cap possible.
-- subscriber_id only lets erasing the subscriber clear reader (the
-- trigger below): the database cannot compute the hash itself.
CREATE TABLE judgments (
    id            INTEGER PRIMARY KEY,
    labelled_id   INTEGER NOT NULL REFERENCES labelled_items (id) ON DELETE CASCADE,
    relevant      INTEGER NOT NULL,
    source        TEXT    NOT NULL CHECK (source IN ('reader', 'editor', 'import')),
    reader        TEXT,
    subscriber_id INTEGER REFERENCES subscribers (id) ON DELETE SET NULL,
    note          TEXT    NOT NULL DEFAULT '',
    created_at    TEXT    NOT NULL
);
CREATE UNIQUE INDEX judgments_one_per_reader ON judgments (labelled_id, reader) WHERE reader IS NOT NULL;
CREATE UNIQUE INDEX judgments_one_per_source ON judgments (labelled_id, source) WHERE source != 'reader';
CREATE INDEX judgments_reader_time ON judgments (reader, created_at) WHERE reader IS NOT NULL;
CREATE INDEX judgments_subscriber ON judgments (subscriber_id) WHERE subscriber_id IS NOT NULL;

-- "Missed something?": a URL a reader (or an anonymous visitor of the
-- archive) says belongs in a topic. item_id is the stored item with that
-- canonical link when there was one.
CREATE TABLE missed_reports (
    id            INTEGER PRIMARY KEY,
    topic_id      TEXT    NOT NULL,
    url           TEXT    NOT NULL,
    note          TEXT    NOT NULL DEFAULT '',
    item_id       INTEGER REFERENCES items (id) ON DELETE SET NULL,
    reader        TEXT,
    subscriber_id INTEGER REFERENCES subscribers (id) ON DELETE SET NULL,
    created_at    TEXT    NOT NULL,
    resolved_at   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX missed_reports_topic ON missed_reports (topic_id, id);
CREATE INDEX missed_reports_item ON missed_reports (item_id);
CREATE INDEX missed_reports_reader_time ON missed_reports (reader, created_at) WHERE reader IS NOT NULL;
CREATE INDEX missed_reports_subscriber ON missed_reports (subscriber_id) WHERE subscriber_id IS NOT NULL;

-- Erasing a subscriber keeps their judgments and reports but nothing that
-- leads back to them: the hash of their address goes with the row.
CREATE TRIGGER subscribers_erase_reader BEFORE DELETE ON subscribers BEGIN
    UPDATE judgments SET reader = NULL, subscriber_id = NULL WHERE subscriber_id = OLD.id;
    UPDATE missed_reports SET reader = NULL, subscriber_id = NULL WHERE subscriber_id = OLD.id;
END;
