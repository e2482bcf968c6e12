package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/model"
)

// Subscribe records email's subscription to topicID with status (pending
// for web sign-ups until confirmed, active when the operator adds it). An
// existing subscription takes the new status; name and zone are updated when
// given.
func (s *Store) Subscribe(ctx context.Context, sub model.Subscription) (model.Subscription, error) {
	email := strings.TrimSpace(sub.Email)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return model.Subscription{}, fmt.Errorf("subscribe %s: %w", email, err)
	}
	defer tx.Rollback()
	now := ts(s.now())
	var id int64
	err = tx.QueryRowContext(ctx, `INSERT INTO subscribers (email, name, time_zone, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (email) DO UPDATE SET
			name = CASE WHEN excluded.name != '' THEN excluded.name ELSE subscribers.name END,
			time_zone = CASE WHEN excluded.time_zone != '' THEN excluded.time_zone ELSE subscribers.time_zone END
		RETURNING id`, email, sub.Name, sub.TimeZone, now).Scan(&id)
	if err != nil {
		return model.Subscription{}, fmt.Errorf("subscribe %s: %w", email, err)
	}
	confirmed := ""
	if sub.Status == model.SubscriptionActive {
		confirmed = now
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO subscriptions (subscriber_id, topic_id, status, created_at, confirmed_at, changed_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (subscriber_id, topic_id) DO UPDATE SET status = excluded.status, changed_at = excluded.changed_at,
			confirmed_at = CASE WHEN excluded.confirmed_at != '' THEN excluded.confirmed_at ELSE subscriptions.confirmed_at END`,
		id, sub.TopicID, sub.Status, now, confirmed, now)
	if err != nil {
		return model.Subscription{}, fmt.Errorf("subscribe %s to %s: %w", email, sub.TopicID, err)
	}
	if sub.Status == model.SubscriptionActive {
		// A fresh confirmation clears a suspension for bounces.
		if _, err := tx.ExecContext(ctx, "UPDATE subscribers SET bounces = 0 WHERE id = ?", id); err != nil {
			return model.Subscription{}, fmt.Errorf("subscribe %s: %w", email, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return model.Subscription{}, fmt.Errorf("subscribe %s: %w", email, err)
	}
	return s.Subscription(ctx, email, sub.TopicID)
}

const subscriptionColumns = `s.id, s.email, s.name, s.time_zone, t.topic_id, t.status, t.created_at, t.confirmed_at, t.changed_at`

func scanSubscription(sc interface{ Scan(...any) error }) (model.Subscription, error) {
	var sub model.Subscription
	var created, confirmed, changed string
	err := sc.Scan(&sub.SubscriberID, &sub.Email, &sub.Name, &sub.TimeZone, &sub.TopicID, &sub.Status, &created, &confirmed, &changed)
	sub.CreatedAt, sub.ConfirmedAt, sub.ChangedAt = parseTS(created), parseTS(confirmed), parseTS(changed)
	return sub, err
}

// Subscription returns email's subscription to topicID or ErrNotFound.
func (s *Store) Subscription(ctx context.Context, email, topicID string) (model.Subscription, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+subscriptionColumns+` FROM subscribers s JOIN subscriptions t ON t.subscriber_id = s.id
		WHERE s.email = ? AND t.topic_id = ?`, strings.TrimSpace(email), topicID)
	sub, err := scanSubscription(row)
	if errors.Is(err, sql.ErrNoRows) {
		return model.Subscription{}, fmt.Errorf("subscription of %s to %s: %w", email, topicID, ErrNotFound)
	}
	if err != nil {
		return model.Subscription{}, fmt.Errorf("subscription of %s to %s: %w", email, topicID, err)
	}
	return sub, nil
}

// Subscriptions returns every subscription, by address then topic.
func (s *Store) Subscriptions(ctx context.Context) ([]model.Subscription, error) {
	return s.querySubscriptions(ctx, "ORDER BY s.email, t.topic_id")
}

// ActiveSubscriptions returns the subscriptions of topicID that receive digests.
func (s *Store) ActiveSubscriptions(ctx context.Context, topicID string) ([]model.Subscription, error) {
	return s.querySubscriptions(ctx, "WHERE t.topic_id = ? AND t.status = 'active' ORDER BY s.id", topicID)
}

func (s *Store) querySubscriptions(ctx context.Context, where string, args ...any) ([]model.Subscription, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+subscriptionColumns+` FROM subscribers s JOIN subscriptions t ON t.subscriber_id = s.id `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("query subscriptions: %w", err)
	}
	defer rows.Close()
	var out []model.Subscription
	for rows.Next() {
		sub, err := scanSubscription(rows)
		if err != nil {
			return nil, fmt.Errorf("scan subscription: %w", err)
		}
		out = append(out, sub)
	}
	return out, rows.Err()
}

// Unsubscribe ends email's subscription to topicID, or to every topic when
// topicID is empty. It reports how many subscriptions changed.
func (s *Store) Unsubscribe(ctx context.Context, email, topicID string) (int, error) {
	q := `UPDATE subscriptions SET status = 'unsubscribed', changed_at = ?
		WHERE status != 'unsubscribed' AND subscriber_id = (SELECT id FROM subscribers WHERE email = ?)`
	args := []any{ts(s.now()), strings.TrimSpace(email)}
	if topicID != "" {
		q += " AND topic_id = ?"
		args = append(args, topicID)
	}
	res, err := s.db.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("unsubscribe %s: %w", email, err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// RemoveSubscriber deletes an address with its subscriptions and queued
// deliveries (for erasure requests).
func (s *Store) RemoveSubscriber(ctx context.Context, email string) error {
	res, err := s.db.ExecContext(ctx, "DELETE FROM subscribers WHERE email = ?", strings.TrimSpace(email))
	if err != nil {
		return fmt.Errorf("remove subscriber %s: %w", email, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("subscriber %s: %w", email, ErrNotFound)
	}
	return nil
}

// ClaimConfirmation records that a confirmation mail to email is about to
// go out, unless one did less than cooldown ago, and reports whether it may.
// The check and the record are one statement, so two sign-ups at once
// cannot both send. The address must have a subscriber row.
func (s *Store) ClaimConfirmation(ctx context.Context, email string, cooldown time.Duration) (bool, error) {
	now := s.now()
	res, err := s.db.ExecContext(ctx, `UPDATE subscribers SET confirm_sent_at = ?
		WHERE email = ? AND confirm_sent_at < ?`, ts(now), strings.TrimSpace(email), ts(now.Add(-cooldown)))
	if err != nil {
		return false, fmt.Errorf("confirmation for %s: %w", email, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReleaseConfirmation forgets the claim of a confirmation mail that could
// not be sent, so that the person can try again at once.
func (s *Store) ReleaseConfirmation(ctx context.Context, email string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE subscribers SET confirm_sent_at = '' WHERE email = ?`, strings.TrimSpace(email)); err != nil {
		return fmt.Errorf("confirmation for %s: %w", email, err)
	}
	return nil
}
