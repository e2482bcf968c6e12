package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/feedwatch/feedwatch/internal/model"
)

// Mailing is what one dispatch decided for one subscriber: a mail, or none,
// and the subscriptions it moves on.
type Mailing struct {
	SubscriberID int64
	// Delivery is the mail to queue; nil when the subscriptions move on
	// without one (every new match below best_score, or a quiet period of
	// a topic that skips empty digests).
	Delivery *model.Delivery
	Moves    []Move
}

// Move takes one subscription from the cursor its mail was planned from to
// the newest match the mail covers.
type Move struct {
	TopicID string
	// DigestID is the section the mail carries for this subscription; 0
	// when it carries none.
	DigestID int64
	FromSeq  int64
	ToSeq    int64
	// NextAt is the subscription's next scheduled delivery; zero for
	// instant ones.
	NextAt time.Time
}

// RecordMailings queues a chunk of mailings in one transaction and returns
// how many mails it queued. A mailing's delivery, its sections and its
// subscriptions' new cursors are written together or not at all, which is
// what makes every match reach every subscription once: a mail is queued
// only if each subscription it moves is still active and still at the
// cursor the mail was planned from. A mailing that finds one moved (by
// another dispatcher, or by an unsubscribe since planning) is left out
// whole; the others are recorded.
func (s *Store) RecordMailings(ctx context.Context, ms []Mailing) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("record mailings: %w", err)
	}
	defer tx.Rollback()
	var st mailingStmts
	for _, p := range []struct {
		dst **sql.Stmt
		sql string
	}{
		{&st.at, "SELECT 1 FROM subscriptions WHERE subscriber_id = ? AND topic_id = ? AND cursor_seq = ? AND status = 'active'"},
		{&st.move, `UPDATE subscriptions SET cursor_seq = ?, next_at = ?,
				last_sent_at = CASE WHEN ? THEN ? ELSE last_sent_at END
			WHERE subscriber_id = ? AND topic_id = ? AND cursor_seq = ? AND status = 'active'`},
		{&st.ins, `INSERT INTO deliveries (kind, subscriber_id, email, status, next_attempt_at, message_id, message, created_at)
			VALUES (?, ?, ?, 'queued', ?, ?, ?, ?) RETURNING id`},
		{&st.section, "INSERT INTO delivery_sections (delivery_id, digest_id) VALUES (?, ?)"},
	} {
		if *p.dst, err = tx.PrepareContext(ctx, p.sql); err != nil {
			return 0, fmt.Errorf("record mailings: %w", err)
		}
		defer (*p.dst).Close()
	}
	now := ts(s.now())
	queued := 0
	for _, m := range ms {
		ok, err := recordMailing(ctx, m, st, now)
		if err != nil {
			return 0, err
		}
		if ok && m.Delivery != nil {
			queued++
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("record mailings: %w", err)
	}
	return queued, nil
}

// mailingStmts are RecordMailings' statements, prepared in its
// transaction.
type mailingStmts struct {
	at, move, ins, section *sql.Stmt
}

// recordMailing writes m if every subscription it moves is where m
// expected it, and reports whether it did. The transaction holds the
// write lock, so nothing else moves them between the check and the write;
// checking first, rather than writing and undoing to a savepoint, keeps
// SQLite from copying each page a mailing touches (its message's too) to
// the savepoint's journal.
func recordMailing(ctx context.Context, m Mailing, st mailingStmts, now string) (bool, error) {
	subscriberID := m.SubscriberID
	for _, mv := range m.Moves {
		var one int
		err := st.at.QueryRowContext(ctx, subscriberID, mv.TopicID, mv.FromSeq).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("move subscription of %d to %s: %w", subscriberID, mv.TopicID, err)
		}
	}
	sent := m.Delivery != nil
	for _, mv := range m.Moves {
		res, err := st.move.ExecContext(ctx, mv.ToSeq, ts(mv.NextAt), sent, now, subscriberID, mv.TopicID, mv.FromSeq)
		if err != nil {
			return false, fmt.Errorf("move subscription of %d to %s: %w", subscriberID, mv.TopicID, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			// Checked just before, in this transaction: only a mailing
			// that moves one subscription twice gets here.
			return false, fmt.Errorf("move subscription of %d to %s: moved twice in one mailing", subscriberID, mv.TopicID)
		}
	}
	if m.Delivery == nil {
		return true, nil
	}
	d := m.Delivery
	kind := d.Kind
	if kind == "" {
		kind = model.KindDigest
	}
	var id int64
	if err := st.ins.QueryRowContext(ctx, kind, subscriberID, d.Email, now, d.MessageID, d.Message, now).Scan(&id); err != nil {
		return false, fmt.Errorf("queue mail to %s: %w", d.Email, err)
	}
	for _, mv := range m.Moves {
		if mv.DigestID == 0 {
			continue
		}
		if _, err := st.section.ExecContext(ctx, id, mv.DigestID); err != nil {
			return false, fmt.Errorf("queue mail to %s: section of %s: %w", d.Email, mv.TopicID, err)
		}
	}
	return true, nil
}

// DueSubscriptions returns the subscriptions that have a mail due at now,
// of the first limit subscribers with an id above after that have any, by
// subscriber then topic: a dispatcher's chunk, whole subscribers at a time
// so that their due subscriptions can share a mail. Due are active,
// placed subscriptions of subscribers not paused at now, scheduled ones
// whose next delivery time has come, and instant ones with matches past
// their cursor whose subscriber has had fewer than alertCap alerts since
// now less an hour. It walks the subscribers in order until it has found
// limit, which suits `digest --now`, where every subscription is due; the
// dispatch that runs every minute, where few are, asks DueAlerts and
// DueDigests, which find them through their indexes.
func (s *Store) DueSubscriptions(ctx context.Context, now time.Time, alertCap int, after int64, limit int) ([]model.Subscription, error) {
	return s.querySubscriptions(ctx, `WHERE `+dueSubscription+` AND s.id IN (
			SELECT DISTINCT s.id FROM subscribers s JOIN subscriptions t ON t.subscriber_id = s.id
			WHERE `+dueSubscription+` ORDER BY s.id LIMIT ?5)
		ORDER BY s.id, t.topic_id`, ts(now), ts(now.Add(-time.Hour)), alertCap, after, limit)
}

// dueSubscription is the condition of DueSubscriptions, on subscribers s and
// subscriptions t, with ?1 now, ?2 an hour before, ?3 the alert cap and ?4
// the subscriber id to start after.
const dueSubscription = `t.status = 'active' AND s.id > ?4 AND t.cursor_seq >= 0 AND (s.paused_until = '' OR s.paused_until <= ?1)
	AND ((t.frequency != 'instant' AND t.next_at != '' AND t.next_at <= ?1)
		OR (t.frequency = 'instant' AND ` + alertDue + `))`

// alertDue is when an instant subscription t of subscriber s is due: its
// topic has matches past its cursor, and s has had fewer than ?3 alerts
// since ?2.
const alertDue = `t.cursor_seq < (SELECT coalesce(max(m.seq), 0) FROM matches m WHERE m.topic_id = t.topic_id)
	AND (SELECT count(*) FROM deliveries d WHERE d.subscriber_id = s.id AND d.kind = 'alert' AND d.created_at > ?2) < ?3`

// DueAlerts returns the instant subscriptions that have an alert due at
// now, as DueSubscriptions would, of the first limit subscribers with an
// id above after that have any, by subscriber then topic. It reads the
// instant subscriptions only (subscriptions_instant), not every one.
func (s *Store) DueAlerts(ctx context.Context, now time.Time, alertCap int, after int64, limit int) ([]model.Subscription, error) {
	return s.querySubscriptions(ctx, `WHERE `+dueAlert+` AND t.subscriber_id IN (
			SELECT DISTINCT t.subscriber_id FROM subscriptions t JOIN subscribers s ON s.id = t.subscriber_id
			WHERE `+dueAlert+` ORDER BY t.subscriber_id LIMIT ?5)
		ORDER BY t.subscriber_id, t.topic_id`, ts(now), ts(now.Add(-time.Hour)), alertCap, after, limit)
}

// dueAlert is DueAlerts' condition, with DueSubscriptions' parameters.
const dueAlert = `t.status = 'active' AND t.frequency = 'instant' AND t.subscriber_id > ?4 AND t.cursor_seq >= 0
	AND (s.paused_until = '' OR s.paused_until <= ?1) AND ` + alertDue

// DigestKey is a scheduled subscription's place in the order DueDigests
// pages in: by next delivery time, then subscriber.
type DigestKey struct {
	NextAt       time.Time
	SubscriberID int64
}

// DueDigests returns the scheduled subscriptions whose next delivery time
// has come at now, of subscribers not paused at now, for the first limit
// pairs of a delivery time and a subscriber after after, by time,
// subscriber and topic: whole pairs at a time, so that a subscriber's
// subscriptions due at one time can share a mail. It reads only the due
// subscriptions (subscriptions_due). A subscription that is mailed moves
// to a later time, past now, so the pages of one dispatch never meet it
// again.
func (s *Store) DueDigests(ctx context.Context, now time.Time, after DigestKey, limit int) ([]model.Subscription, error) {
	return s.querySubscriptions(ctx, `WHERE `+dueDigest+` AND (t.next_at, t.subscriber_id) IN (
			SELECT DISTINCT t.next_at, t.subscriber_id FROM subscriptions t JOIN subscribers s ON s.id = t.subscriber_id
			WHERE `+dueDigest+` AND (t.next_at, t.subscriber_id) > (?2, ?3) ORDER BY t.next_at, t.subscriber_id LIMIT ?4)
		ORDER BY t.next_at, t.subscriber_id, t.topic_id`, ts(now), ts(after.NextAt), after.SubscriberID, limit)
}

// dueDigest is DueDigests' condition, with ?1 now.
const dueDigest = `t.status = 'active' AND t.frequency != 'instant' AND t.next_at != '' AND t.next_at <= ?1 AND t.cursor_seq >= 0
	AND (s.paused_until = '' OR s.paused_until <= ?1)`

// SubscriptionKey is a subscription's place in the order that lists of
// subscriptions are read in, a page at a time: by subscriber, then topic.
type SubscriptionKey struct {
	SubscriberID int64
	TopicID      string
}

// KeyOf is sub's place in that order.
func KeyOf(sub model.Subscription) SubscriptionKey {
	return SubscriptionKey{SubscriberID: sub.SubscriberID, TopicID: sub.TopicID}
}

// UnplacedSubscriptions returns the first limit active subscriptions after
// the one at after whose cursor or next delivery time is still to be worked
// out (new, re-activated or rescheduled ones), by subscriber then topic. A
// caller pages through them with the key of the last one it was given, so
// that a day's sign-ups, or every subscription after an upgrade, are never
// in memory at once.
func (s *Store) UnplacedSubscriptions(ctx context.Context, after SubscriptionKey, limit int) ([]model.Subscription, error) {
	return s.querySubscriptions(ctx, `WHERE t.status = 'active' AND (t.cursor_seq < 0 OR (t.next_at = '' AND t.frequency != 'instant'))
		AND (t.subscriber_id, t.topic_id) > (?, ?)
		ORDER BY t.subscriber_id, t.topic_id LIMIT ?`, after.SubscriberID, after.TopicID, limit)
}

// Placement is where a dispatcher put an unplaced subscription.
type Placement struct {
	SubscriberID int64
	TopicID      string
	CursorSeq    int64     // used only when the cursor is unplaced
	NextAt       time.Time // used only when the next time is unplaced
}

// PlaceSubscriptions records placements in one transaction. Only what is
// still unplaced is written, so a change made since (a new schedule) is not
// overwritten with a time worked out for the old one.
func (s *Store) PlaceSubscriptions(ctx context.Context, ps []Placement) error {
	if len(ps) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("place subscriptions: %w", err)
	}
	defer tx.Rollback()
	for _, p := range ps {
		if _, err := tx.ExecContext(ctx, `UPDATE subscriptions SET
				cursor_seq = CASE WHEN cursor_seq < 0 THEN ? ELSE cursor_seq END,
				next_at = CASE WHEN next_at = '' AND frequency != 'instant' THEN ? ELSE next_at END
			WHERE subscriber_id = ? AND topic_id = ?`, p.CursorSeq, ts(p.NextAt), p.SubscriberID, p.TopicID); err != nil {
			return fmt.Errorf("place subscription of %d to %s: %w", p.SubscriberID, p.TopicID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("place subscriptions: %w", err)
	}
	return nil
}

// TopicMaxSeq returns the newest match sequence number of topicID (0 when
// it has none).
func (s *Store) TopicMaxSeq(ctx context.Context, topicID string) (int64, error) {
	var seq sql.NullInt64
	if err := s.db.QueryRowContext(ctx, "SELECT max(seq) FROM matches WHERE topic_id = ?", topicID).Scan(&seq); err != nil {
		return 0, fmt.Errorf("newest match of %s: %w", topicID, err)
	}
	return seq.Int64, nil
}

// PendingMatches counts topicID's matches past cursor scoring at least
// minScore: what a subscription's next mail would carry.
func (s *Store) PendingMatches(ctx context.Context, topicID string, cursor int64, minScore float64) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM matches WHERE topic_id = ? AND seq > ? AND score >= ?",
		topicID, max(cursor, 0), minScore).Scan(&n); err != nil {
		return 0, fmt.Errorf("pending matches of %s: %w", topicID, err)
	}
	return n, nil
}

// AlertsSince counts the alerts mailed to subscriberID since t, for the
// hourly cap.
func (s *Store) AlertsSince(ctx context.Context, subscriberID int64, t time.Time) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM deliveries WHERE subscriber_id = ? AND kind = 'alert' AND created_at > ?",
		subscriberID, ts(t)).Scan(&n); err != nil {
		return 0, fmt.Errorf("alerts of subscriber %d: %w", subscriberID, err)
	}
	return n, nil
}

// StrongestWindow is the stretch of matches whose scores decide what
// "only the strongest" means for a topic that sets no best_score.
const StrongestWindow = 30 * 24 * time.Hour

// StrongestScore is the score at or above which topicID's matches are
// among its strongest: bestScore when the topic sets one (above 0), else
// the upper quartile of its scores over the StrongestWindow before now.
func (s *Store) StrongestScore(ctx context.Context, topicID string, bestScore float64, now time.Time) (float64, error) {
	if bestScore > 0 {
		return bestScore, nil
	}
	return s.UpperQuartileScore(ctx, topicID, now.Add(-StrongestWindow))
}

// OverdueSubscriptions returns the first limit active scheduled
// subscriptions after the one at after whose next delivery time is before
// t, by subscriber then topic: a page, like UnplacedSubscriptions.
func (s *Store) OverdueSubscriptions(ctx context.Context, t time.Time, after SubscriptionKey, limit int) ([]model.Subscription, error) {
	return s.querySubscriptions(ctx, `WHERE t.status = 'active' AND t.frequency != 'instant' AND t.next_at != '' AND t.next_at < ?
		AND (t.subscriber_id, t.topic_id) > (?, ?)
		ORDER BY t.subscriber_id, t.topic_id LIMIT ?`, ts(t), after.SubscriberID, after.TopicID, limit)
}

// Reschedule moves a subscription's next delivery time from "from" to
// "to", unless it changed in the meantime.
func (s *Store) Reschedule(ctx context.Context, subscriberID int64, topicID string, from, to time.Time) error {
	if _, err := s.db.ExecContext(ctx, "UPDATE subscriptions SET next_at = ? WHERE subscriber_id = ? AND topic_id = ? AND next_at = ?",
		ts(to), subscriberID, topicID, ts(from)); err != nil {
		return fmt.Errorf("reschedule subscription of %d to %s: %w", subscriberID, topicID, err)
	}
	return nil
}
