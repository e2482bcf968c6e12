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

// LastDigest returns topicID's newest section that went out in a mail, or
// ErrNotFound.
func (s *Store) LastDigest(ctx context.Context, topicID string) (model.Digest, error) {
	ds, err := s.queryDigests(ctx, `WHERE topic_id = ? AND EXISTS (SELECT 1 FROM delivery_sections ds WHERE ds.digest_id = digests.id)
		ORDER BY id DESC LIMIT 1`, false, topicID)
	if err != nil {
		return model.Digest{}, err
	}
	if len(ds) == 0 {
		return model.Digest{}, fmt.Errorf("last digest of %s: %w", topicID, ErrNotFound)
	}
	return ds[0], nil
}

// Digest returns one digest with its archived renderings, or ErrNotFound.
func (s *Store) Digest(ctx context.Context, id int64) (model.Digest, error) {
	ds, err := s.queryDigests(ctx, "WHERE id = ?", true, id)
	if err != nil {
		return model.Digest{}, err
	}
	if len(ds) == 0 {
		return model.Digest{}, fmt.Errorf("digest %d: %w", id, ErrNotFound)
	}
	return ds[0], nil
}

// Digests returns the newest digests (without their bodies), at most limit.
func (s *Store) Digests(ctx context.Context, limit int) ([]model.Digest, error) {
	return s.queryDigests(ctx, "ORDER BY id DESC LIMIT ?", false, limit)
}

// mailed keeps the digests that some mail carried. A section is recorded
// before its mails are rendered, since they link to it; one whose mails
// were never queued (the process stopped in between, and the next dispatch
// covered a longer range) stays in the archive as what it is, a rendering
// of real matches, but it went to no one.
const mailed = "EXISTS (SELECT 1 FROM delivery_sections ds WHERE ds.digest_id = digests.id)"

func (s *Store) queryDigests(ctx context.Context, where string, bodies bool, args ...any) ([]model.Digest, error) {
	cols := "id, topic_id, from_seq, to_seq, best_only, period_start, period_end, created_at, item_count, subject, '', ''"
	if bodies {
		cols = "id, topic_id, from_seq, to_seq, best_only, period_start, period_end, created_at, item_count, subject, html, text"
	}
	rows, err := s.db.QueryContext(ctx, "SELECT "+cols+" FROM digests "+where, args...)
	if err != nil {
		return nil, fmt.Errorf("query digests: %w", err)
	}
	defer rows.Close()
	var out []model.Digest
	for rows.Next() {
		var d model.Digest
		var start, end, created string
		if err := rows.Scan(&d.ID, &d.TopicID, &d.FromSeq, &d.ToSeq, &d.BestOnly, &start, &end, &created, &d.ItemCount, &d.Subject, &d.HTML, &d.Text); err != nil {
			return nil, fmt.Errorf("scan digest: %w", err)
		}
		d.PeriodStart, d.PeriodEnd, d.CreatedAt = parseTS(start), parseTS(end), parseTS(created)
		out = append(out, d)
	}
	return out, rows.Err()
}

// SectionDigest returns the digest row of topic's section for the matches
// from < seq <= to (only those scoring best, with bestOnly), or ErrNotFound.
// Subscriptions given the same range share one.
func (s *Store) SectionDigest(ctx context.Context, topicID string, from, to int64, bestOnly bool) (model.Digest, error) {
	ds, err := s.queryDigests(ctx, "WHERE topic_id = ? AND from_seq = ? AND to_seq = ? AND best_only = ? AND to_seq > from_seq", false,
		topicID, from, to, bestOnly)
	if err != nil {
		return model.Digest{}, err
	}
	if len(ds) == 0 {
		return model.Digest{}, fmt.Errorf("section of %s (%d, %d]: %w", topicID, from, to, ErrNotFound)
	}
	return ds[0], nil
}

// AddDigest records a section with its archive copy and returns it with its
// id and creation time. A section over a range that already has one (a
// second dispatcher got there first) returns that one instead; a section
// over an empty range (a "nothing new" note) is always new.
func (s *Store) AddDigest(ctx context.Context, d model.Digest) (model.Digest, error) {
	now := s.now()
	d.CreatedAt = now
	err := s.db.QueryRowContext(ctx, `INSERT INTO digests (topic_id, from_seq, to_seq, best_only, period_start, period_end,
			created_at, completed_at, item_count, subject, html, text)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (topic_id, from_seq, to_seq, best_only) WHERE to_seq > from_seq DO NOTHING RETURNING id`,
		d.TopicID, d.FromSeq, d.ToSeq, d.BestOnly, ts(d.PeriodStart), ts(d.PeriodEnd), ts(now), ts(now), d.ItemCount,
		d.Subject, d.HTML, d.Text).Scan(&d.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return s.SectionDigest(ctx, d.TopicID, d.FromSeq, d.ToSeq, d.BestOnly)
	}
	if err != nil {
		return model.Digest{}, fmt.Errorf("record digest of %s: %w", d.TopicID, err)
	}
	return d, nil
}

// UpdateDigestArchive replaces a digest's archived rendering (used when the
// archive copy is rendered after the id is known, for its own links).
func (s *Store) UpdateDigestArchive(ctx context.Context, id int64, html, text string) error {
	_, err := s.db.ExecContext(ctx, "UPDATE digests SET html = ?, text = ? WHERE id = ?", html, text, id)
	if err != nil {
		return fmt.Errorf("update digest %d: %w", id, err)
	}
	return nil
}

// deliveryColumns are read from deliveries d; the topics come from the
// sections the mail carries.
const deliveryColumns = `d.id, d.kind, (SELECT group_concat(g.topic_id, ',') FROM delivery_sections ds JOIN digests g ON g.id = ds.digest_id
	WHERE ds.delivery_id = d.id), d.subscriber_id, d.email, d.status, d.attempts, d.next_attempt_at, d.last_error, d.message_id, d.created_at, d.sent_at`

func scanDelivery(sc interface{ Scan(...any) error }, withMessage bool) (model.Delivery, error) {
	var d model.Delivery
	var topics sql.NullString
	var next, created, sent string
	dest := []any{&d.ID, &d.Kind, &topics, &d.SubscriberID, &d.Email, &d.Status, &d.Attempts, &next, &d.LastError, &d.MessageID, &created, &sent}
	if withMessage {
		dest = append(dest, &d.Message)
	}
	err := sc.Scan(dest...)
	if topics.String != "" {
		d.Topics = strings.Split(topics.String, ",")
	}
	d.NextAttemptAt, d.CreatedAt, d.SentAt = parseTS(next), parseTS(created), parseTS(sent)
	return d, err
}

// DueDeliveries returns queued deliveries whose next attempt is due, with
// their messages, oldest first.
func (s *Store) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]model.Delivery, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+deliveryColumns+", d.message FROM deliveries d WHERE d.status = 'queued' AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at, d.id LIMIT ?", ts(now), limit)
	if err != nil {
		return nil, fmt.Errorf("due deliveries: %w", err)
	}
	defer rows.Close()
	var out []model.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows, true)
		if err != nil {
			return nil, fmt.Errorf("scan delivery: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Deliveries lists the outbox, newest first, optionally only one status.
func (s *Store) Deliveries(ctx context.Context, status string, limit int) ([]model.Delivery, error) {
	return s.DeliveriesPage(ctx, status, 0, limit)
}

// MarkSent records that the server accepted delivery id. It only moves a
// queued delivery, so a racing second sender cannot record it twice.
func (s *Store) MarkSent(ctx context.Context, id int64, reply string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("mark delivery %d sent: %w", id, err)
	}
	defer tx.Rollback()
	now := ts(s.now())
	if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'sent', sent_at = ?, attempts = attempts + 1, last_error = ?
		WHERE id = ? AND status = 'queued'`, now, reply, id); err != nil {
		return fmt.Errorf("mark delivery %d sent: %w", id, err)
	}
	// Most subscribers have no bounces to clear: no write for them.
	if _, err := tx.ExecContext(ctx, "UPDATE subscribers SET bounces = 0 WHERE id = (SELECT subscriber_id FROM deliveries WHERE id = ?) AND bounces != 0", id); err != nil {
		return fmt.Errorf("mark delivery %d sent: %w", id, err)
	}
	return tx.Commit()
}

// MarkRetry records a temporary failure and when to try again.
func (s *Store) MarkRetry(ctx context.Context, id int64, reason string, next time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE deliveries SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?
		WHERE id = ? AND status = 'queued'`, reason, ts(next), id)
	if err != nil {
		return fmt.Errorf("mark delivery %d for retry: %w", id, err)
	}
	return nil
}

// MarkFailed records a permanent failure. With suspendAfter > 0 the failure
// is the address's (a 5xx to RCPT): the subscriber's bounce count grows, and
// at suspendAfter consecutive bounces their subscriptions are suspended. It
// reports whether that happened.
func (s *Store) MarkFailed(ctx context.Context, id int64, reason string, suspendAfter int) (suspended bool, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("mark delivery %d failed: %w", id, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'failed', attempts = attempts + 1, last_error = ?
		WHERE id = ? AND status = 'queued'`, reason, id); err != nil {
		return false, fmt.Errorf("mark delivery %d failed: %w", id, err)
	}
	if suspendAfter <= 0 {
		// Not the address's fault (a refused message, a relay down for
		// days, a subscription that ended): no bounce is counted.
		return false, tx.Commit()
	}
	var bounces int
	var subscriber int64
	if err := tx.QueryRowContext(ctx, `UPDATE subscribers SET bounces = bounces + 1
		WHERE id = (SELECT subscriber_id FROM deliveries WHERE id = ?) RETURNING id, bounces`, id).Scan(&subscriber, &bounces); err != nil {
		return false, fmt.Errorf("mark delivery %d failed: %w", id, err)
	}
	if bounces >= suspendAfter {
		if _, err := tx.ExecContext(ctx, `UPDATE subscriptions SET status = 'suspended', changed_at = ?
			WHERE subscriber_id = ? AND status = 'active'`, ts(s.now()), subscriber); err != nil {
			return false, fmt.Errorf("suspend subscriber %d: %w", subscriber, err)
		}
		suspended = true
	}
	return suspended, tx.Commit()
}

// RetryFailed puts failed deliveries (all, or the one with id) back in the queue.
func (s *Store) RetryFailed(ctx context.Context, id int64) (int, error) {
	// created_at starts the give-up clock again: the retry is a new try,
	// not the tail of the old one, which would fail for good at once.
	q := "UPDATE deliveries SET status = 'queued', next_attempt_at = ?1, created_at = ?1, attempts = 0 WHERE status = 'failed'"
	args := []any{ts(s.now())}
	if id > 0 {
		q += " AND id = ?2"
		args = append(args, id)
	}
	res, err := s.db.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("retry deliveries: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// NewDigest is a section with the mails that carry it.
type NewDigest struct {
	Digest     model.Digest
	FromSeq    int64
	ToSeq      int64
	Deliveries []model.Delivery
}

// CreateDigest records a section and queues mails that carry it, in one
// transaction, without moving any subscription: for mails that are not a
// subscription's delivery (imports, tools, tests). The dispatcher records
// its mails with RecordMailings.
func (s *Store) CreateDigest(ctx context.Context, nd NewDigest) (model.Digest, error) {
	d := nd.Digest
	d.FromSeq, d.ToSeq = nd.FromSeq, nd.ToSeq
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return model.Digest{}, fmt.Errorf("create digest of %s: %w", d.TopicID, err)
	}
	defer tx.Rollback()
	now := s.now()
	d.CreatedAt = now
	if err := tx.QueryRowContext(ctx, `INSERT INTO digests (topic_id, from_seq, to_seq, best_only, period_start, period_end,
			created_at, completed_at, item_count, subject, html, text)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		d.TopicID, d.FromSeq, d.ToSeq, d.BestOnly, ts(d.PeriodStart), ts(d.PeriodEnd), ts(now), ts(now), d.ItemCount,
		d.Subject, d.HTML, d.Text).Scan(&d.ID); err != nil {
		return model.Digest{}, fmt.Errorf("create digest of %s: %w", d.TopicID, err)
	}
	for _, dl := range nd.Deliveries {
		kind := dl.Kind
		if kind == "" {
			kind = model.KindDigest
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO deliveries (kind, subscriber_id, email, status, next_attempt_at, message_id, message, created_at)
			VALUES (?, ?, ?, 'queued', ?, ?, ?, ?) RETURNING id`, kind, dl.SubscriberID, dl.Email, ts(now), dl.MessageID, dl.Message, ts(now)).Scan(&id); err != nil {
			return model.Digest{}, fmt.Errorf("queue delivery to %s: %w", dl.Email, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO delivery_sections (delivery_id, digest_id) VALUES (?, ?)", id, d.ID); err != nil {
			return model.Digest{}, fmt.Errorf("queue delivery to %s: %w", dl.Email, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return model.Digest{}, fmt.Errorf("create digest of %s: %w", d.TopicID, err)
	}
	return d, nil
}

// DeliveryDigests returns the sections delivery id carries, in the order
// they were recorded, without their bodies.
func (s *Store) DeliveryDigests(ctx context.Context, id int64) ([]model.Digest, error) {
	return s.queryDigests(ctx, "WHERE id IN (SELECT digest_id FROM delivery_sections WHERE delivery_id = ?) ORDER BY id", false, id)
}
