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
// given, and the schedule when sub.Frequency is set. A subscription that
// becomes active starts afresh: the next delivery carries the topic's
// matches of its look-back (see Unstarted), not everything since it was last
// active.
func (s *Store) Subscribe(ctx context.Context, sub model.Subscription) (model.Subscription, error) {
	email := strings.TrimSpace(sub.Email)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return model.Subscription{}, fmt.Errorf("subscribe %s: %w", email, err)
	}
	defer tx.Rollback()
	if err := s.subscribe(ctx, tx, sub); err != nil {
		return model.Subscription{}, err
	}
	if err := tx.Commit(); err != nil {
		return model.Subscription{}, fmt.Errorf("subscribe %s: %w", email, err)
	}
	return s.Subscription(ctx, email, sub.TopicID)
}

// subscribe is Subscribe within tx.
func (s *Store) subscribe(ctx context.Context, tx *sql.Tx, sub model.Subscription) error {
	email := strings.TrimSpace(sub.Email)
	now := ts(s.now())
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO subscribers (email, name, time_zone, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (email) DO UPDATE SET
			name = CASE WHEN excluded.name != '' THEN excluded.name ELSE subscribers.name END,
			time_zone = CASE WHEN excluded.time_zone != '' THEN excluded.time_zone ELSE subscribers.time_zone END
		RETURNING id`, email, sub.Name, sub.TimeZone, now).Scan(&id)
	if err != nil {
		return fmt.Errorf("subscribe %s: %w", email, err)
	}
	confirmed := ""
	if sub.Status == model.SubscriptionActive {
		confirmed = now
	}
	// cursor_seq -1 and an empty next_at are worked out by the next
	// dispatch, which knows the topic's look-back and schedule.
	_, err = tx.ExecContext(ctx, `INSERT INTO subscriptions (subscriber_id, topic_id, status, created_at, confirmed_at, changed_at,
			frequency, deliver_at, weekday, best_only, cursor_seq, next_at)
		VALUES (?1, ?2, ?3, ?4, ?5, ?4, ?6, ?7, ?8, ?9, -1, '')
		ON CONFLICT (subscriber_id, topic_id) DO UPDATE SET
			cursor_seq = CASE WHEN excluded.status = 'active' AND subscriptions.status != 'active' THEN -1 ELSE subscriptions.cursor_seq END,
			next_at = CASE WHEN excluded.status = 'active' AND subscriptions.status != 'active' OR ?6 != '' THEN '' ELSE subscriptions.next_at END,
			frequency = CASE WHEN ?6 != '' THEN ?6 ELSE subscriptions.frequency END,
			deliver_at = CASE WHEN ?6 != '' THEN ?7 ELSE subscriptions.deliver_at END,
			weekday = CASE WHEN ?6 != '' THEN ?8 ELSE subscriptions.weekday END,
			best_only = CASE WHEN ?6 != '' THEN ?9 ELSE subscriptions.best_only END,
			status = excluded.status, changed_at = excluded.changed_at,
			confirmed_at = CASE WHEN excluded.confirmed_at != '' THEN excluded.confirmed_at ELSE subscriptions.confirmed_at END`,
		id, sub.TopicID, sub.Status, now, confirmed, sub.Frequency, sub.DeliverAt, int(sub.Weekday), sub.BestOnly)
	if err != nil {
		return fmt.Errorf("subscribe %s to %s: %w", email, sub.TopicID, err)
	}
	if sub.Status == model.SubscriptionActive {
		// A fresh confirmation clears a suspension for bounces.
		if _, err := tx.ExecContext(ctx, "UPDATE subscribers SET bounces = 0 WHERE id = ?", id); err != nil {
			return fmt.Errorf("subscribe %s: %w", email, err)
		}
	}
	return nil
}

// Unstarted is the cursor of a subscription that has become active and not
// yet been placed among its topic's matches.
const Unstarted = -1

const subscriptionColumns = `s.id, s.email, s.name, s.time_zone, s.paused_until, s.combine, s.lang,
	t.topic_id, t.status, t.frequency, t.deliver_at, t.weekday, t.best_only, t.cursor_seq, t.next_at, t.last_sent_at,
	t.created_at, t.confirmed_at, t.changed_at`

func scanSubscription(sc interface{ Scan(...any) error }) (model.Subscription, error) {
	var sub model.Subscription
	var paused, next, lastSent, created, confirmed, changed string
	var weekday int
	err := sc.Scan(&sub.SubscriberID, &sub.Email, &sub.Name, &sub.TimeZone, &paused, &sub.Combine, &sub.Lang,
		&sub.TopicID, &sub.Status, &sub.Frequency, &sub.DeliverAt, &weekday, &sub.BestOnly, &sub.CursorSeq, &next, &lastSent,
		&created, &confirmed, &changed)
	sub.Weekday = time.Weekday(weekday)
	sub.PausedUntil, sub.NextAt, sub.LastSentAt = parseTS(paused), parseTS(next), parseTS(lastSent)
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

// Subscriber returns email's subscriber row with every subscription it has
// (in any state), or ErrNotFound.
func (s *Store) Subscriber(ctx context.Context, email string) (model.Subscriber, []model.Subscription, error) {
	var sub model.Subscriber
	var created, paused string
	err := s.db.QueryRowContext(ctx, `SELECT id, email, name, time_zone, created_at, bounces, paused_until, combine, lang, feed_key
		FROM subscribers WHERE email = ?`, strings.TrimSpace(email)).Scan(&sub.ID, &sub.Email, &sub.Name, &sub.TimeZone, &created,
		&sub.Bounces, &paused, &sub.Combine, &sub.Lang, &sub.FeedKey)
	if errors.Is(err, sql.ErrNoRows) {
		return model.Subscriber{}, nil, fmt.Errorf("subscriber %s: %w", email, ErrNotFound)
	}
	if err != nil {
		return model.Subscriber{}, nil, fmt.Errorf("subscriber %s: %w", email, err)
	}
	sub.CreatedAt, sub.PausedUntil = parseTS(created), parseTS(paused)
	subs, err := s.querySubscriptions(ctx, "WHERE s.id = ? ORDER BY t.topic_id", sub.ID)
	if err != nil {
		return model.Subscriber{}, nil, err
	}
	return sub, subs, nil
}

// SetSchedule changes when and how much email's subscription to topicID
// receives. Its cursor stays where it is, so the matches waiting for the
// old schedule go into the next mail on the new one; the next delivery time
// is worked out again by the next dispatch.
func (s *Store) SetSchedule(ctx context.Context, email, topicID string, sch model.Schedule) error {
	return setSchedule(ctx, s.db, email, topicID, sch)
}

// execer runs a statement on the database or in a transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func setSchedule(ctx context.Context, db execer, email, topicID string, sch model.Schedule) error {
	res, err := db.ExecContext(ctx, `UPDATE subscriptions SET frequency = ?, deliver_at = ?, weekday = ?, best_only = ?, next_at = ''
		WHERE topic_id = ? AND subscriber_id = (SELECT id FROM subscribers WHERE email = ?)`,
		sch.Frequency, sch.DeliverAt, int(sch.Weekday), sch.BestOnly, topicID, strings.TrimSpace(email))
	if err != nil {
		return fmt.Errorf("schedule of %s for %s: %w", email, topicID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("subscription of %s to %s: %w", email, topicID, ErrNotFound)
	}
	return nil
}

// SubscriptionChange is an operator's change to one subscription and to
// its subscriber's own settings, applied together.
type SubscriptionChange struct {
	Email   string
	TopicID string
	// Create subscribes the address with Status (making its subscriber
	// row) when the subscription does not exist; without it a missing
	// subscription is ErrNotFound.
	Create bool
	// Status, when set and different, is the subscription's new status. A
	// subscription that becomes active starts afresh, as with Subscribe;
	// unsubscribed ends it.
	Status string
	// Schedule, when set, replaces the subscription's; its cursor stays,
	// as with SetSchedule.
	Schedule *model.Schedule
	// Settings are the subscriber's; nil fields stay as they are.
	Settings SubscriberSettings
}

// ChangeSubscription applies c in one transaction, so that a change takes
// effect whole or not at all, and returns the subscription as it is then.
func (s *Store) ChangeSubscription(ctx context.Context, c SubscriptionChange) (model.Subscription, error) {
	email := strings.TrimSpace(c.Email)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return model.Subscription{}, fmt.Errorf("change subscription of %s to %s: %w", email, c.TopicID, err)
	}
	defer tx.Rollback()
	var status string
	err = tx.QueryRowContext(ctx, `SELECT t.status FROM subscribers s JOIN subscriptions t ON t.subscriber_id = s.id
		WHERE s.email = ? AND t.topic_id = ?`, email, c.TopicID).Scan(&status)
	switch {
	case errors.Is(err, sql.ErrNoRows) && c.Create && c.Status != "" && c.Status != model.SubscriptionUnsubscribed:
	case errors.Is(err, sql.ErrNoRows):
		return model.Subscription{}, fmt.Errorf("subscription of %s to %s: %w", email, c.TopicID, ErrNotFound)
	case err != nil:
		return model.Subscription{}, fmt.Errorf("change subscription of %s to %s: %w", email, c.TopicID, err)
	}
	switch {
	case c.Status == "" || c.Status == status:
	case c.Status == model.SubscriptionUnsubscribed:
		if _, err := s.unsubscribe(ctx, tx, email, c.TopicID); err != nil {
			return model.Subscription{}, err
		}
	default:
		// Name and zone are the settings' to change, below.
		if err := s.subscribe(ctx, tx, model.Subscription{Email: email, TopicID: c.TopicID, Status: c.Status}); err != nil {
			return model.Subscription{}, err
		}
	}
	if err := setSubscriber(ctx, tx, email, c.Settings); err != nil {
		return model.Subscription{}, err
	}
	if c.Schedule != nil {
		if err := setSchedule(ctx, tx, email, c.TopicID, *c.Schedule); err != nil {
			return model.Subscription{}, err
		}
	}
	if err := tx.Commit(); err != nil {
		return model.Subscription{}, fmt.Errorf("change subscription of %s to %s: %w", email, c.TopicID, err)
	}
	return s.Subscription(ctx, email, c.TopicID)
}

// SubscriberSettings are a subscriber's own settings; nil fields stay as
// they are.
type SubscriberSettings struct {
	Name        *string
	TimeZone    *string
	Lang        *string
	Combine     *bool
	PausedUntil *time.Time // the zero time ends a pause
}

// SetSubscriber changes email's own settings. A new zone or a pause moves
// every scheduled delivery, so their times are worked out again.
func (s *Store) SetSubscriber(ctx context.Context, email string, set SubscriberSettings) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("settings of %s: %w", email, err)
	}
	defer tx.Rollback()
	if err := setSubscriber(ctx, tx, email, set); err != nil {
		return err
	}
	return tx.Commit()
}

// setSubscriber is SetSubscriber within tx.
func setSubscriber(ctx context.Context, tx *sql.Tx, email string, set SubscriberSettings) error {
	var id int64
	var zone string
	err := tx.QueryRowContext(ctx, "SELECT id, time_zone FROM subscribers WHERE email = ?", strings.TrimSpace(email)).Scan(&id, &zone)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("subscriber %s: %w", email, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("settings of %s: %w", email, err)
	}
	sets := []struct {
		col string
		val any
		ok  bool
	}{
		{"name", deref(set.Name), set.Name != nil},
		{"time_zone", deref(set.TimeZone), set.TimeZone != nil},
		{"lang", deref(set.Lang), set.Lang != nil},
		{"combine", set.Combine != nil && *set.Combine, set.Combine != nil},
		{"paused_until", pausedValue(set.PausedUntil), set.PausedUntil != nil},
	}
	for _, c := range sets {
		if !c.ok {
			continue
		}
		if _, err := tx.ExecContext(ctx, "UPDATE subscribers SET "+c.col+" = ? WHERE id = ?", c.val, id); err != nil {
			return fmt.Errorf("settings of %s: %s: %w", email, c.col, err)
		}
	}
	// A new zone moves every scheduled time; a pause, or its end, moves
	// the next one to the first after it.
	if (set.TimeZone != nil && *set.TimeZone != zone) || set.PausedUntil != nil {
		if _, err := tx.ExecContext(ctx, "UPDATE subscriptions SET next_at = '' WHERE subscriber_id = ?", id); err != nil {
			return fmt.Errorf("settings of %s: %w", email, err)
		}
	}
	return nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func pausedValue(p *time.Time) string {
	if p == nil {
		return ""
	}
	return ts(*p)
}

// RotateFeedKey gives email a new feed key, which ends the links to its
// topic feeds made with the old one, and returns it.
func (s *Store) RotateFeedKey(ctx context.Context, email string) (string, error) {
	key, err := newFeedKey()
	if err != nil {
		return "", fmt.Errorf("feed key for %s: %w", email, err)
	}
	res, err := s.db.ExecContext(ctx, "UPDATE subscribers SET feed_key = ? WHERE email = ?", key, strings.TrimSpace(email))
	if err != nil {
		return "", fmt.Errorf("feed key for %s: %w", email, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return "", fmt.Errorf("subscriber %s: %w", email, ErrNotFound)
	}
	return key, nil
}

// Unsubscribe ends email's subscription to topicID, or to every topic when
// topicID is empty. It reports how many subscriptions changed.
func (s *Store) Unsubscribe(ctx context.Context, email, topicID string) (int, error) {
	return s.unsubscribe(ctx, s.db, email, topicID)
}

func (s *Store) unsubscribe(ctx context.Context, db execer, email, topicID string) (int, error) {
	q := `UPDATE subscriptions SET status = 'unsubscribed', changed_at = ?
		WHERE status != 'unsubscribed' AND subscriber_id = (SELECT id FROM subscribers WHERE email = ?)`
	args := []any{ts(s.now()), strings.TrimSpace(email)}
	if topicID != "" {
		q += " AND topic_id = ?"
		args = append(args, topicID)
	}
	res, err := db.ExecContext(ctx, q, args...)
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
