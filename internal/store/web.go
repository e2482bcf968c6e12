package store

import (
	"context"
	"fmt"
	"time"

	"github.com/feedwatch/feedwatch/internal/model"
)

// This file holds the questions the web pages and the metrics collector ask.

// DeliveryCounts returns the number of outbox rows per status.
func (s *Store) DeliveryCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT status, count(*) FROM deliveries GROUP BY status")
	if err != nil {
		return nil, fmt.Errorf("count deliveries: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("scan delivery count: %w", err)
		}
		out[st] = n
	}
	return out, rows.Err()
}

// ItemCount returns the number of stored items.
func (s *Store) ItemCount(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT coalesce(sum(item_count), 0) FROM feeds").Scan(&n); err != nil {
		return 0, fmt.Errorf("count items: %w", err)
	}
	return n, nil
}

// TopicDay is the number of matches a topic got on one UTC day.
type TopicDay struct {
	TopicID string
	Day     time.Time // midnight UTC
	Matches int
}

// DailyMatches returns matches per topic per UTC day made since since,
// ordered by topic then day; days without matches are absent.
func (s *Store) DailyMatches(ctx context.Context, since time.Time) ([]TopicDay, error) {
	// matched_at is fixed-width UTC text, so its first ten characters are
	// the day. Grouping by day first lets SQLite read only the asked range
	// of the (matched_at, topic_id) index; grouping by topic first made it
	// walk the whole (topic_id, matched_at) index to save a sort.
	rows, err := s.db.QueryContext(ctx, `SELECT topic_id, substr(matched_at, 1, 10) AS day, count(*)
		FROM matches WHERE matched_at >= ? GROUP BY day, topic_id ORDER BY topic_id, day`, ts(since))
	if err != nil {
		return nil, fmt.Errorf("daily matches since %s: %w", since, err)
	}
	defer rows.Close()
	var out []TopicDay
	for rows.Next() {
		var td TopicDay
		var day string
		if err := rows.Scan(&td.TopicID, &day, &td.Matches); err != nil {
			return nil, fmt.Errorf("scan daily matches: %w", err)
		}
		td.Day, err = time.Parse(time.DateOnly, day)
		if err != nil {
			return nil, fmt.Errorf("daily matches: bad day %q: %w", day, err)
		}
		out = append(out, td)
	}
	return out, rows.Err()
}

// DigestsBefore returns up to limit digests (without bodies) with an id
// below beforeID (every digest when beforeID <= 0), newest first: one page
// of the public archive. Paging by id rather than offset keeps pages stable
// while new digests arrive.
func (s *Store) DigestsBefore(ctx context.Context, beforeID int64, limit int) ([]model.Digest, error) {
	if beforeID <= 0 {
		return s.queryDigests(ctx, "ORDER BY id DESC LIMIT ?", false, limit)
	}
	return s.queryDigests(ctx, "WHERE id < ? ORDER BY id DESC LIMIT ?", false, beforeID, limit)
}
