package store

import (
	"context"
	"fmt"
	"time"
)

// PruneItems deletes items fetched and published before cutoff, with their
// matches, in batches of batch rows, each batch its own short transaction so
// that polling is never blocked for long. Digests keep their archived
// renderings, so the archive stays whole. It returns how many were deleted.
func (s *Store) PruneItems(ctx context.Context, cutoff time.Time, batch int) (int, error) {
	if batch <= 0 {
		batch = 500
	}
	total := 0
	for {
		res, err := s.db.ExecContext(ctx, `DELETE FROM items WHERE id IN (
			SELECT id FROM items WHERE published_at < ?1 AND fetched_at < ?1 LIMIT ?2)`, ts(cutoff), batch)
		if err != nil {
			return total, fmt.Errorf("prune items before %s: %w", ts(cutoff), err)
		}
		n, _ := res.RowsAffected()
		total += int(n)
		if n < int64(batch) {
			return total, nil
		}
		select {
		case <-ctx.Done():
			return total, ctx.Err()
		case <-time.After(10 * time.Millisecond): // let writers in between batches
		}
	}
}
