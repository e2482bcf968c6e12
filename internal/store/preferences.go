package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/model"
)

// This file holds what the preferences page asks and changes.

// TopicSchedule is a topic and the schedule a subscription to it takes.
type TopicSchedule struct {
	TopicID string
	model.Schedule
}

// Preferences are the changes a subscriber saves at once on the
// preferences page.
type Preferences struct {
	Settings SubscriberSettings
	// Subscribe makes these subscriptions active with their schedules:
	// new ones, and pending, unsubscribed or suspended ones. They start as
	// Subscribe's active ones do.
	Subscribe []TopicSchedule
	// Reschedule gives active subscriptions new schedules; their cursors
	// stay, as with SetSchedule.
	Reschedule []TopicSchedule
	// Unsubscribe ends these subscriptions.
	Unsubscribe []string
}

// SetPreferences applies p to email's subscriber in one transaction, so
// that a page's changes take effect together or not at all. It returns
// ErrNotFound when email has no subscriber row.
func (s *Store) SetPreferences(ctx context.Context, email string, p Preferences) error {
	email = strings.TrimSpace(email)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("preferences of %s: %w", email, err)
	}
	defer tx.Rollback()
	// First, so that an unknown address fails before anything is made.
	if err := setSubscriber(ctx, tx, email, p.Settings); err != nil {
		return err
	}
	for _, ts := range p.Subscribe {
		sub := model.Subscription{Email: email, TopicID: ts.TopicID, Status: model.SubscriptionActive, Schedule: ts.Schedule}
		if err := s.subscribe(ctx, tx, sub); err != nil {
			return err
		}
		// Subscribe keeps a stored schedule when the new one follows the
		// topic (Frequency ""); setSchedule writes it as it is.
		if err := setSchedule(ctx, tx, email, ts.TopicID, ts.Schedule); err != nil {
			return err
		}
	}
	for _, ts := range p.Reschedule {
		if err := setSchedule(ctx, tx, email, ts.TopicID, ts.Schedule); err != nil {
			return err
		}
	}
	for _, id := range p.Unsubscribe {
		if _, err := s.unsubscribe(ctx, tx, email, id); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("preferences of %s: %w", email, err)
	}
	return nil
}

// newFeedKey is a random feed key: 96 bits, hex.
func newFeedKey() (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// EnsureFeedKey returns email's feed key, making one first when it has
// none. Two callers at once get the same key.
func (s *Store) EnsureFeedKey(ctx context.Context, email string) (string, error) {
	key, err := newFeedKey()
	if err != nil {
		return "", fmt.Errorf("feed key for %s: %w", email, err)
	}
	err = s.db.QueryRowContext(ctx, `UPDATE subscribers SET feed_key = CASE WHEN feed_key = '' THEN ? ELSE feed_key END
		WHERE email = ? RETURNING feed_key`, key, strings.TrimSpace(email)).Scan(&key)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("subscriber %s: %w", email, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("feed key for %s: %w", email, err)
	}
	return key, nil
}

// UpperQuartileScore returns the score that a quarter of topicID's matches
// made since since reach or pass: what "only the strongest" means for a
// topic without a best_score of its own. It is 0 when there are none.
func (s *Store) UpperQuartileScore(ctx context.Context, topicID string, since time.Time) (float64, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM matches WHERE topic_id = ? AND matched_at >= ?",
		topicID, ts(since)).Scan(&n); err != nil {
		return 0, fmt.Errorf("scores of %s: %w", topicID, err)
	}
	if n == 0 {
		return 0, nil
	}
	var score float64
	if err := s.db.QueryRowContext(ctx, "SELECT score FROM matches WHERE topic_id = ? AND matched_at >= ? ORDER BY score DESC LIMIT 1 OFFSET ?",
		topicID, ts(since), (n-1)/4).Scan(&score); err != nil {
		return 0, fmt.Errorf("scores of %s: %w", topicID, err)
	}
	return score, nil
}
