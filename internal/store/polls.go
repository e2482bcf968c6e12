package store

import (
	"context"
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
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record polls: %w", err)
	}
	defer tx.Rollback()
	insert, err := tx.PrepareContext(ctx, `INSERT INTO feed_polls (feed_id, at, outcome, duration_ms, new_items, matches, error)
		SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS (SELECT 1 FROM feeds WHERE id = ?1)`)
	if err != nil {
		return fmt.Errorf("record polls: %w", err)
	}
	defer insert.Close()
	trim, err := tx.PrepareContext(ctx, `DELETE FROM feed_polls WHERE feed_id = ?1 AND id <= (
		SELECT id FROM feed_polls WHERE feed_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)`)
	if err != nil {
		return fmt.Errorf("record polls: %w", err)
	}
	defer trim.Close()
	trimmed := map[int64]bool{}
	for _, p := range polls {
		if _, err := insert.ExecContext(ctx, p.FeedID, ts(p.At), p.Outcome, p.Duration.Milliseconds(), p.New, p.Matches, p.Error); err != nil {
			return fmt.Errorf("record poll of feed %d: %w", p.FeedID, err)
		}
	}
	for _, p := range polls {
		if trimmed[p.FeedID] {
			continue
		}
		trimmed[p.FeedID] = true
		if _, err := trim.ExecContext(ctx, p.FeedID, pollsKept); err != nil {
			return fmt.Errorf("trim polls of feed %d: %w", p.FeedID, err)
		}
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
