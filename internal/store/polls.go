package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// pollsKept is how many recent polls each feed keeps for its page.
const pollsKept = 20

// Poll is one poll of one feed, as its page shows it.
type Poll struct {
	FeedID   int64
	At       time.Time
	Outcome  string
	Duration time.Duration
	New      int
	Matches  int
	Error    string
}

// RecordPolls stores polls in one transaction and drops each feed's polls
// beyond the latest pollsKept.
func (s *Store) RecordPolls(ctx context.Context, polls []Poll) error {
	if len(polls) == 0 {
		return nil
	}
	type row struct {
		Feed     int64  `json:"f"`
		At       string `json:"a"`
		Outcome  string `json:"o"`
		Duration int64  `json:"d"`
		New      int    `json:"n"`
		Matches  int    `json:"m"`
		Error    string `json:"e"`
	}
	rows := make([]row, len(polls))
	feeds := make([]int64, 0, len(polls))
	for i, p := range polls {
		rows[i] = row{p.FeedID, ts(p.At), p.Outcome, p.Duration.Milliseconds(), p.New, p.Matches, p.Error}
		feeds = append(feeds, p.FeedID)
	}
	rowsJSON, err := json.Marshal(rows)
	if err != nil {
		return fmt.Errorf("record polls: %w", err)
	}
	feedsJSON, err := json.Marshal(feeds)
	if err != nil {
		return fmt.Errorf("record polls: %w", err)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record polls: %w", err)
	}
	defer tx.Rollback()
	// Two statements for the whole batch, however many feeds it holds: the
	// history must not add to a poll's per-feed cost (TestSteadyStatePoll).
	if _, err := tx.ExecContext(ctx, `INSERT INTO feed_polls (feed_id, at, outcome, duration_ms, new_items, matches, error)
		SELECT j.value ->> 'f', j.value ->> 'a', j.value ->> 'o', j.value ->> 'd', j.value ->> 'n', j.value ->> 'm', j.value ->> 'e'
		FROM json_each(?) AS j WHERE EXISTS (SELECT 1 FROM feeds WHERE id = j.value ->> 'f')`, string(rowsJSON)); err != nil {
		return fmt.Errorf("record polls: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM feed_polls WHERE id IN (
		SELECT p.id FROM feed_polls AS p WHERE p.feed_id IN (SELECT value FROM json_each(?1)) AND p.id <= (
			SELECT q.id FROM feed_polls AS q WHERE q.feed_id = p.feed_id ORDER BY q.id DESC LIMIT 1 OFFSET ?2))`,
		string(feedsJSON), pollsKept); err != nil {
		return fmt.Errorf("trim polls: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record polls: %w", err)
	}
	return nil
}

// Polls returns a feed's recent polls, newest first.
func (s *Store) Polls(ctx context.Context, feedID int64) ([]Poll, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT feed_id, at, outcome, duration_ms, new_items, matches, error FROM feed_polls
		WHERE feed_id = ? ORDER BY id DESC`, feedID)
	if err != nil {
		return nil, fmt.Errorf("polls of feed %d: %w", feedID, err)
	}
	defer rows.Close()
	var out []Poll
	for rows.Next() {
		var p Poll
		var at string
		var ms int64
		if err := rows.Scan(&p.FeedID, &at, &p.Outcome, &ms, &p.New, &p.Matches, &p.Error); err != nil {
			return nil, fmt.Errorf("scan poll: %w", err)
		}
		p.At, p.Duration = parseTS(at), time.Duration(ms)*time.Millisecond
		out = append(out, p)
	}
	return out, rows.Err()
}
