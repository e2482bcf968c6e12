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

// ErrDigestExists is returned when a digest for the same period was built
// concurrently: the caller lost the race and must not send.
var ErrDigestExists = errors.New("digest for this period already exists")

// DigestRange is where a topic's next digest starts: the previous digest's
// end, or zero values when the topic has had none.
type DigestRange struct {
	FromSeq     int64
	PeriodStart time.Time
	HasPrevious bool
}

// NextDigestStart returns where topicID's next digest begins.
func (s *Store) NextDigestStart(ctx context.Context, topicID string) (DigestRange, error) {
	var r DigestRange
	var end string
	err := s.db.QueryRowContext(ctx, "SELECT to_seq, period_end FROM digests WHERE topic_id = ? ORDER BY to_seq DESC LIMIT 1", topicID).Scan(&r.FromSeq, &end)
	if errors.Is(err, sql.ErrNoRows) {
		return DigestRange{}, nil
	}
	if err != nil {
		return DigestRange{}, fmt.Errorf("last digest of %s: %w", topicID, err)
	}
	r.PeriodStart, r.HasPrevious = parseTS(end), true
	return r, nil
}

// LastDigest returns topicID's newest digest or ErrNotFound.
func (s *Store) LastDigest(ctx context.Context, topicID string) (model.Digest, error) {
	ds, err := s.queryDigests(ctx, "WHERE topic_id = ? ORDER BY to_seq DESC LIMIT 1", false, topicID)
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

func (s *Store) queryDigests(ctx context.Context, where string, bodies bool, args ...any) ([]model.Digest, error) {
	cols := "id, topic_id, period_start, period_end, created_at, item_count, subject, '', ''"
	if bodies {
		cols = "id, topic_id, period_start, period_end, created_at, item_count, subject, html, text"
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
		if err := rows.Scan(&d.ID, &d.TopicID, &start, &end, &created, &d.ItemCount, &d.Subject, &d.HTML, &d.Text); err != nil {
			return nil, fmt.Errorf("scan digest: %w", err)
		}
		d.PeriodStart, d.PeriodEnd, d.CreatedAt = parseTS(start), parseTS(end), parseTS(created)
		out = append(out, d)
	}
	return out, rows.Err()
}

// NewDigest is a digest about to be recorded.
type NewDigest struct {
	Digest  model.Digest
	FromSeq int64
	ToSeq   int64
	// Deliveries are recorded with the digest by CreateDigest; StartDigest
	// ignores them. DigestID is filled in.
	Deliveries []model.Delivery
}

// StartDigest records a digest with no deliveries yet, marked incomplete: the
// builder then queues its deliveries a chunk at a time (QueueDeliveries)
// and closes it with CompleteDigest. Recording the period first is what
// lets a build that dies between chunks be resumed rather than built again
// or skipped. It returns ErrDigestExists when the period was already
// taken or the topic has an incomplete digest.
func (s *Store) StartDigest(ctx context.Context, nd NewDigest) (model.Digest, error) {
	d := nd.Digest
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return model.Digest{}, fmt.Errorf("start digest of %s: %w", d.TopicID, err)
	}
	defer tx.Rollback()
	if err := s.insertDigest(ctx, tx, &d, nd.FromSeq, nd.ToSeq, false); err != nil {
		return model.Digest{}, err
	}
	if err := tx.Commit(); err != nil {
		return model.Digest{}, fmt.Errorf("start digest of %s: %w", d.TopicID, err)
	}
	return d, nil
}

// CreateDigest records a digest and all of its deliveries in one
// transaction, complete at once. Every message is then in memory together,
// so the digest builder uses StartDigest and QueueDeliveries instead; this
// is for digests known to be small. It returns ErrDigestExists as
// StartDigest does.
func (s *Store) CreateDigest(ctx context.Context, nd NewDigest) (model.Digest, error) {
	d := nd.Digest
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return model.Digest{}, fmt.Errorf("create digest of %s: %w", d.TopicID, err)
	}
	defer tx.Rollback()
	if err := s.insertDigest(ctx, tx, &d, nd.FromSeq, nd.ToSeq, true); err != nil {
		return model.Digest{}, err
	}
	if _, err := s.insertDeliveries(ctx, tx, d.ID, nd.Deliveries); err != nil {
		return model.Digest{}, err
	}
	if err := tx.Commit(); err != nil {
		return model.Digest{}, fmt.Errorf("create digest of %s: %w", d.TopicID, err)
	}
	return d, nil
}

// insertDigest records d for the matches from < seq <= to and sets its id
// and creation time.
func (s *Store) insertDigest(ctx context.Context, tx *sql.Tx, d *model.Digest, from, to int64, complete bool) error {
	// Re-check inside the write transaction: another process may have
	// recorded this period since the caller looked.
	var last sql.NullInt64
	var lastEnd sql.NullString
	var incomplete int
	if err := tx.QueryRowContext(ctx, `SELECT max(to_seq), max(period_end),
		(SELECT count(*) FROM digests WHERE topic_id = ?1 AND completed_at = '') FROM digests WHERE topic_id = ?1`,
		d.TopicID).Scan(&last, &lastEnd, &incomplete); err != nil {
		return fmt.Errorf("record digest of %s: %w", d.TopicID, err)
	}
	// A period begins where the topic's last one ended (NextDigestStart):
	// a builder that looked before another recorded a digest finds both
	// the range and the period taken. The period is what tells two
	// "nothing new" notes over the same empty range apart.
	if last.Valid && (last.Int64 != from || lastEnd.String != ts(d.PeriodStart)) {
		return fmt.Errorf("digest of %s from %d: %w", d.TopicID, from, ErrDigestExists)
	}
	// The resume rule relies on a topic having at most one incomplete
	// digest: a new one only starts once the previous one is complete.
	if incomplete > 0 {
		return fmt.Errorf("digest of %s from %d: an earlier digest is incomplete: %w", d.TopicID, from, ErrDigestExists)
	}
	now := s.now()
	d.CreatedAt = now
	completed := ""
	if complete {
		completed = ts(now)
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO digests (topic_id, from_seq, to_seq, period_start, period_end, created_at, completed_at, item_count, subject, html, text)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		d.TopicID, from, to, ts(d.PeriodStart), ts(d.PeriodEnd), ts(now), completed, d.ItemCount, d.Subject, d.HTML, d.Text).Scan(&d.ID)
	if err != nil {
		if strings.Contains(err.Error(), "UNIQUE") {
			return fmt.Errorf("digest of %s from %d: %w", d.TopicID, from, ErrDigestExists)
		}
		return fmt.Errorf("record digest of %s: %w", d.TopicID, err)
	}
	return nil
}

// insertDeliveries queues dls for digest digestID and returns how many
// were new. A subscriber who already has a delivery of the digest keeps
// that one, which may already be sent: queueing the same subscribers again,
// after a crash or from a second builder, must not mail anyone twice.
func (s *Store) insertDeliveries(ctx context.Context, tx *sql.Tx, digestID int64, dls []model.Delivery) (int, error) {
	if len(dls) == 0 {
		return 0, nil
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO deliveries (digest_id, subscriber_id, email, status, next_attempt_at, message_id, message, created_at)
		VALUES (?, ?, ?, 'queued', ?, ?, ?, ?) ON CONFLICT (digest_id, subscriber_id) DO NOTHING`)
	if err != nil {
		return 0, fmt.Errorf("queue deliveries of digest %d: %w", digestID, err)
	}
	defer ins.Close()
	now := ts(s.now())
	added := 0
	for _, dl := range dls {
		res, err := ins.ExecContext(ctx, digestID, dl.SubscriberID, dl.Email, now, dl.MessageID, dl.Message, now)
		if err != nil {
			return 0, fmt.Errorf("queue delivery to %s: %w", dl.Email, err)
		}
		n, _ := res.RowsAffected()
		added += int(n)
	}
	return added, nil
}

// QueueDeliveries adds one chunk of digest digestID's deliveries to the
// outbox in one transaction and returns how many were new; subscribers who
// already have a delivery of the digest are left as they are.
func (s *Store) QueueDeliveries(ctx context.Context, digestID int64, dls []model.Delivery) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("queue deliveries of digest %d: %w", digestID, err)
	}
	defer tx.Rollback()
	n, err := s.insertDeliveries(ctx, tx, digestID, dls)
	if err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("queue deliveries of digest %d: %w", digestID, err)
	}
	return n, nil
}

// UnqueuedSubscriptions returns the active subscriptions to digest
// digestID's topic that have no delivery of it yet, at most limit, by
// subscriber id and after subscriber id after: the recipients a build of
// the digest has still to queue, a chunk at a time.
func (s *Store) UnqueuedSubscriptions(ctx context.Context, digestID, after int64, limit int) ([]model.Subscription, error) {
	return s.querySubscriptions(ctx, `WHERE t.topic_id = (SELECT topic_id FROM digests WHERE id = ?1) AND t.status = 'active' AND s.id > ?2
		AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.digest_id = ?1 AND d.subscriber_id = s.id)
		ORDER BY s.id LIMIT ?3`, digestID, after, limit)
}

// CompleteDigest records that every recipient of digest id has a delivery
// queued, so that the topic's next build starts the next period. Marking
// a complete digest again keeps its first completion time.
func (s *Store) CompleteDigest(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, "UPDATE digests SET completed_at = ? WHERE id = ? AND completed_at = ''", ts(s.now()), id)
	if err != nil {
		return fmt.Errorf("complete digest %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var exists bool
		if err := s.db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM digests WHERE id = ?)", id).Scan(&exists); err != nil {
			return fmt.Errorf("complete digest %d: %w", id, err)
		}
		if !exists {
			return fmt.Errorf("complete digest %d: %w", id, ErrNotFound)
		}
	}
	return nil
}

// Incomplete is a recorded digest whose deliveries are not all queued yet,
// with the range of matches it covers, so that it can be planned again.
type Incomplete struct {
	Digest  model.Digest
	FromSeq int64
	ToSeq   int64
}

// IncompleteDigest returns topicID's digest that was started but not
// completed (a build that died or was stopped between chunks), or
// ErrNotFound.
func (s *Store) IncompleteDigest(ctx context.Context, topicID string) (Incomplete, error) {
	var u Incomplete
	var start, end, created string
	err := s.db.QueryRowContext(ctx, `SELECT id, topic_id, period_start, period_end, created_at, item_count, subject, from_seq, to_seq
		FROM digests WHERE topic_id = ? AND completed_at = '' ORDER BY id LIMIT 1`, topicID).Scan(
		&u.Digest.ID, &u.Digest.TopicID, &start, &end, &created, &u.Digest.ItemCount, &u.Digest.Subject, &u.FromSeq, &u.ToSeq)
	if errors.Is(err, sql.ErrNoRows) {
		return Incomplete{}, fmt.Errorf("incomplete digest of %s: %w", topicID, ErrNotFound)
	}
	if err != nil {
		return Incomplete{}, fmt.Errorf("incomplete digest of %s: %w", topicID, err)
	}
	u.Digest.PeriodStart, u.Digest.PeriodEnd, u.Digest.CreatedAt = parseTS(start), parseTS(end), parseTS(created)
	return u, nil
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

const deliveryColumns = `id, digest_id, subscriber_id, email, status, attempts, next_attempt_at, last_error, message_id, created_at, sent_at`

func scanDelivery(sc interface{ Scan(...any) error }, withMessage bool) (model.Delivery, error) {
	var d model.Delivery
	var next, created, sent string
	dest := []any{&d.ID, &d.DigestID, &d.SubscriberID, &d.Email, &d.Status, &d.Attempts, &next, &d.LastError, &d.MessageID, &created, &sent}
	if withMessage {
		dest = append(dest, &d.Message)
	}
	err := sc.Scan(dest...)
	d.NextAttemptAt, d.CreatedAt, d.SentAt = parseTS(next), parseTS(created), parseTS(sent)
	return d, err
}

// DueDeliveries returns queued deliveries whose next attempt is due, with
// their messages, oldest first.
func (s *Store) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]model.Delivery, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+deliveryColumns+", message FROM deliveries WHERE status = 'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?", ts(now), limit)
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
	q := "SELECT " + deliveryColumns + " FROM deliveries"
	args := []any{}
	if status != "" {
		q += " WHERE status = ?"
		args = append(args, status)
	}
	q += " ORDER BY id DESC LIMIT ?"
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	defer rows.Close()
	var out []model.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows, false)
		if err != nil {
			return nil, fmt.Errorf("scan delivery: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
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
	if _, err := tx.ExecContext(ctx, "UPDATE subscribers SET bounces = 0 WHERE id = (SELECT subscriber_id FROM deliveries WHERE id = ?)", id); err != nil {
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
