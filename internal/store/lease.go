package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrLeaseHeld is returned when another live owner holds a lease.
var ErrLeaseHeld = errors.New("held by another process")

// AcquireLease takes (or renews) the named lease for owner until now+ttl.
// A lease whose time has passed, or whose owner ownerGone reports dead (a
// process that was killed), is taken over. When another owner holds it, the
// error wraps ErrLeaseHeld and names the holder.
func (s *Store) AcquireLease(ctx context.Context, name, owner string, ttl time.Duration, ownerGone func(owner string) bool) error {
	key := "lease:" + name
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("lease %s: %w", name, err)
	}
	defer tx.Rollback()
	var value string
	err = tx.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&value)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("lease %s: %w", name, err)
	}
	now := s.now()
	if value != "" {
		holder, expiry := parseLease(value)
		if holder != owner && now.Before(expiry) && (ownerGone == nil || !ownerGone(holder)) {
			return fmt.Errorf("lease %s: %w (%s, until %s)", name, ErrLeaseHeld, holder, expiry.Format(time.RFC3339))
		}
	}
	value = owner + "|" + strconv.FormatInt(now.Add(ttl).UnixNano(), 10)
	if _, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value); err != nil {
		return fmt.Errorf("lease %s: %w", name, err)
	}
	return tx.Commit()
}

// ReleaseLease gives up owner's lease; someone else's is left alone.
func (s *Store) ReleaseLease(ctx context.Context, name, owner string) error {
	_, err := s.db.ExecContext(ctx, "DELETE FROM settings WHERE key = ? AND substr(value, 1, ?) = ?", "lease:"+name, len(owner)+1, owner+"|")
	if err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}

func parseLease(v string) (owner string, expiry time.Time) {
	i := strings.LastIndexByte(v, '|')
	if i < 0 {
		return v, time.Time{}
	}
	n, _ := strconv.ParseInt(v[i+1:], 10, 64)
	return v[:i], time.Unix(0, n)
}

// DeliveryWanted reports whether delivery id's subscriber is still subscribed
// to a topic the mail carries: someone who left between queueing and
// sending gets nothing.
func (s *Store) DeliveryWanted(ctx context.Context, id int64) (bool, error) {
	var active bool
	err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM deliveries d
		JOIN delivery_sections ds ON ds.delivery_id = d.id
		JOIN digests g ON g.id = ds.digest_id
		JOIN subscriptions s ON s.subscriber_id = d.subscriber_id AND s.topic_id = g.topic_id
		WHERE d.id = ? AND s.status = 'active')`, id).Scan(&active)
	if err != nil {
		return false, fmt.Errorf("delivery %d wanted: %w", id, err)
	}
	return active, nil
}

// PruneSentMessages empties the stored message of deliveries sent before
// cutoff; the row, its Message-ID and the server's reply stay as the record.
func (s *Store) PruneSentMessages(ctx context.Context, cutoff time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, "UPDATE deliveries SET message = x'' WHERE status = 'sent' AND sent_at < ? AND length(message) > 0", ts(cutoff))
	if err != nil {
		return 0, fmt.Errorf("prune sent messages: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
