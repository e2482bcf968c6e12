package store

import (
	"context"
	"fmt"

	"github.com/feedwatch/feedwatch/internal/model"
)

// Rematch applies new rules' verdicts to stored items in one transaction.
// matches[i] holds item ids[i]'s matches among topics. A new match is added
// (and so enters the topic's next digest); a match the rules still make
// takes their score and terms, and one they no longer make is removed, both
// only while no digest has covered it, so the archive and the record of
// what was sent stay as they were.
func (s *Store) Rematch(ctx context.Context, topics []string, ids []int64, matches [][]model.Match) (added, removed int, err error) {
	if len(ids) != len(matches) {
		return 0, 0, fmt.Errorf("rematch: %d items but %d match lists", len(ids), len(matches))
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("rematch: %w", err)
	}
	defer tx.Rollback()
	covered := map[string]int64{}
	for _, t := range topics {
		var seq int64
		if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(to_seq), 0) FROM digests WHERE topic_id = ? AND "+mailed, t).Scan(&seq); err != nil {
			return 0, 0, fmt.Errorf("rematch: %w", err)
		}
		covered[t] = seq
	}
	now := ts(s.now())
	for i, id := range ids {
		hit := map[string]bool{}
		for _, m := range matches[i] {
			hit[m.TopicID] = true
			terms, words := matchJSON(m)
			// A match no digest has carried yet takes the new rules' score,
			// terms and words: the next digest orders and cuts by them.
			if _, err := tx.ExecContext(ctx, `UPDATE matches SET score = ?, terms = ?, words = ? WHERE item_id = ? AND topic_id = ? AND seq > ?`,
				m.Score, terms, words, id, m.TopicID, covered[m.TopicID]); err != nil {
				return 0, 0, fmt.Errorf("rematch item %d: %w", id, err)
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO matches (item_id, topic_id, score, terms, words, matched_at) VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (topic_id, item_id) DO NOTHING`, id, m.TopicID, m.Score, terms, words, now)
			if err != nil {
				return 0, 0, fmt.Errorf("rematch item %d: %w", id, err)
			}
			n, _ := res.RowsAffected()
			added += int(n)
		}
		for _, t := range topics {
			if hit[t] {
				continue
			}
			res, err := tx.ExecContext(ctx, "DELETE FROM matches WHERE item_id = ? AND topic_id = ? AND seq > ?", id, t, covered[t])
			if err != nil {
				return 0, 0, fmt.Errorf("rematch item %d: %w", id, err)
			}
			n, _ := res.RowsAffected()
			removed += int(n)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, 0, fmt.Errorf("rematch: %w", err)
	}
	return added, removed, nil
}
