package store

import (
	"context"
	"fmt"
	"time"
)

// Activity is one change an operator made, through the command line, the
// admin pages or the API.
type Activity struct {
	ID      int64
	At      time.Time
	Actor   string
	Action  string
	Subject string
	Detail  string
}

// LogActivity records a change.
func (s *Store) LogActivity(ctx context.Context, a Activity) error {
	if _, err := s.db.ExecContext(ctx, "INSERT INTO activity (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
		ts(s.now()), a.Actor, a.Action, a.Subject, a.Detail); err != nil {
		return fmt.Errorf("log activity %s %s: %w", a.Action, a.Subject, err)
	}
	return nil
}

// Activities returns the latest changes, newest first.
func (s *Store) Activities(ctx context.Context, limit int) ([]Activity, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, at, actor, action, subject, detail FROM activity ORDER BY id DESC LIMIT ?", limit)
	if err != nil {
		return nil, fmt.Errorf("list activity: %w", err)
	}
	defer rows.Close()
	var out []Activity
	for rows.Next() {
		var a Activity
		var at string
		if err := rows.Scan(&a.ID, &at, &a.Actor, &a.Action, &a.Subject, &a.Detail); err != nil {
			return nil, fmt.Errorf("scan activity: %w", err)
		}
		a.At = parseTS(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// RedactActivity replaces subject, an erased address, wherever the log
// names it: an erasure leaves no copy of the address behind.
func (s *Store) RedactActivity(ctx context.Context, subject, with string) error {
	if _, err := s.db.ExecContext(ctx, "UPDATE activity SET subject = ? WHERE subject = ? COLLATE NOCASE", with, subject); err != nil {
		return fmt.Errorf("redact activity: %w", err)
	}
	return nil
}
