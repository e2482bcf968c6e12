-- A story is the matches of one topic that report one event, across
-- outlets and languages (internal/story). story is the item id of the
-- story's first report; 0 while the match has not been placed in one yet
-- (the dispatcher places new matches before it plans mails).
ALTER TABLE matches ADD COLUMN story INTEGER NOT NULL DEFAULT 0;
CREATE INDEX matches_unplaced ON matches (topic_id, seq) WHERE story = 0;
CREATE INDEX matches_story ON matches (topic_id, story, seq);
