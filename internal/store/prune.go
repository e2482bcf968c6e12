package store

import (
	"context"
	"fmt"
	"time"
)

// PruneItems deletes items fetched and published before cutoff, with their
// matches, in batches of batch rows, each batch its own short transaction so
// that polling is never blocked for long. Digests keep their archived
// renderings, so the archive stays whole. Then it gives the freed pages
// back to the file system (ReclaimSpace), so that the file's size follows
// what is kept instead of the most that was ever kept. It returns how many
// items were deleted.
func (s *Store) PruneItems(ctx context.Context, cutoff time.Time, batch int) (int, error) {
	if batch <= 0 {
		batch = 500
	}
	total := 0
	for {
		// An undated item the feed still listed after cutoff stays: pruned,
		// it would come back as new at the feed's next change.
		res, err := s.db.ExecContext(ctx, `DELETE FROM items WHERE id IN (
			SELECT id FROM items WHERE published_at < ?1 AND fetched_at < ?1 AND (date_missing = 0 OR seen_at < ?1) LIMIT ?2)`, ts(cutoff), batch)
		if err != nil {
			return total, fmt.Errorf("prune items before %s: %w", ts(cutoff), err)
		}
		n, _ := res.RowsAffected()
		total += int(n)
		if n < int64(batch) {
			break
		}
		if err := pause(ctx); err != nil {
			return total, err
		}
	}
	if total == 0 {
		return 0, nil
	}
	if _, err := s.ReclaimSpace(ctx); err != nil {
		return total, err
	}
	return total, nil
}

// reclaimStep is how many free pages one incremental_vacuum step returns:
// 4 MiB at the default page size, a few milliseconds of writing, so that
// the pollers' writes get in between steps.
const reclaimStep = 1024

// ReclaimSpace truncates the database file by its free pages, in short
// steps, and returns how many pages it gave back. It only works on a
// database created with auto_vacuum=INCREMENTAL (every database Open
// creates; an older one is switched by a one-off VACUUM) and returns 0 on
// others.
func (s *Store) ReclaimSpace(ctx context.Context) (int, error) {
	var mode int
	if err := s.db.QueryRowContext(ctx, "PRAGMA auto_vacuum").Scan(&mode); err != nil {
		return 0, fmt.Errorf("reclaim space: %w", err)
	}
	if mode != 2 {
		return 0, nil
	}
	total := 0
	for {
		var free int
		if err := s.db.QueryRowContext(ctx, "PRAGMA freelist_count").Scan(&free); err != nil {
			return total, fmt.Errorf("reclaim space: %w", err)
		}
		if free == 0 {
			return total, nil
		}
		n := min(free, reclaimStep)
		// The pragma returns no rows, but each step of the statement frees
		// pages; Exec runs it to completion.
		if _, err := s.db.ExecContext(ctx, fmt.Sprintf("PRAGMA incremental_vacuum(%d)", n)); err != nil {
			return total, fmt.Errorf("reclaim space: %w", err)
		}
		total += n
		if free <= reclaimStep {
			return total, nil
		}
		if err := pause(ctx); err != nil {
			return total, err
		}
	}
}

// pause lets other writers in between batches of a long maintenance job.
func pause(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(10 * time.Millisecond):
		return nil
	}
}
