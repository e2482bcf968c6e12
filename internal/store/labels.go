package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/normalize"
)

// Label sources: who said whether an item belongs in a topic.
const (
	SourceReader = "reader" // a subscriber, from a link in a mail
	SourceEditor = "editor" // the admin pages; wins over the others
	SourceImport = "import" // a JSONL file of labelled items
)

var (
	// ErrDailyCap is returned when a reader has judged or reported as
	// much as one reader may in a day.
	ErrDailyCap = errors.New("daily limit of judgments reached")
	// ErrNotReceived is returned when a reader judges an item that was
	// never sent to them.
	ErrNotReceived = errors.New("item not received")
)

// Judgment is one verdict on a labelled item.
type Judgment struct {
	ID       int64
	Relevant bool
	Source   string
	// Reader is the keyed hash of a reader's address (empty for editors,
	// imports and readers since erased).
	Reader    string
	Note      string
	CreatedAt time.Time
}

// LabelledItem is an item judged for a topic, with its text as judged and
// every judgment of it.
type LabelledItem struct {
	ID      int64
	TopicID string
	// Key is "item:<id>" for a stored item, else the imported file's id.
	Key                    string
	ItemID                 int64 // 0 when imported, or pruned since
	Title, Summary, Link   string
	Content                string
	CreatedAt              time.Time
	Judgments              []Judgment
	ReadersYes, ReadersNot int // distinct readers who said relevant / not
}

// Verdict is what the item's judgments add up to: an editor's word wins,
// then an imported file's, then the majority of the readers. decided is
// false when the readers are split evenly and no editor has spoken.
func (l LabelledItem) Verdict() (relevant, decided bool, source string) {
	for _, src := range []string{SourceEditor, SourceImport} {
		for _, j := range l.Judgments {
			if j.Source == src {
				return j.Relevant, true, src
			}
		}
	}
	switch {
	case l.ReadersYes > l.ReadersNot:
		return true, true, SourceReader
	case l.ReadersNot > l.ReadersYes:
		return false, true, SourceReader
	}
	return false, false, ""
}

// ItemKey is the labelled-item key of stored item id.
func ItemKey(id int64) string { return "item:" + strconv.FormatInt(id, 10) }

// ReaderJudgment is what a reader says about a stored item.
type ReaderJudgment struct {
	TopicID      string
	ItemID       int64
	Relevant     bool
	Reader       string // keyed hash of the address; required
	SubscriberID int64  // lets erasing the subscriber clear Reader; 0: none
	// DailyCap bounds the judgments and reports one reader makes in 24
	// hours; 0 means no cap.
	DailyCap int
}

// JudgeAsReader records a reader's judgment of a stored item: one per
// reader and item (a repeat changes nothing and reports existed), at most
// DailyCap a day (ErrDailyCap).
func (s *Store) JudgeAsReader(ctx context.Context, j ReaderJudgment) (existed bool, err error) {
	if j.Reader == "" {
		return false, errors.New("judge: no reader")
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("judge item %d: %w", j.ItemID, err)
	}
	defer tx.Rollback()
	lid, err := labelStoredItem(ctx, tx, j.TopicID, j.ItemID, s.now())
	if err != nil {
		return false, err
	}
	var one int
	err = tx.QueryRowContext(ctx, `SELECT 1 FROM judgments WHERE labelled_id = ? AND reader = ?`, lid, j.Reader).Scan(&one)
	if err == nil {
		return true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("judge item %d: %w", j.ItemID, err)
	}
	if err := checkDailyCap(ctx, tx, j.Reader, j.DailyCap, s.now()); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO judgments (labelled_id, relevant, source, reader, subscriber_id, created_at)
		VALUES (?, ?, 'reader', ?, ?, ?)`, lid, j.Relevant, j.Reader, nullID(j.SubscriberID), ts(s.now())); err != nil {
		return false, fmt.Errorf("judge item %d: %w", j.ItemID, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("judge item %d: %w", j.ItemID, err)
	}
	return false, nil
}

// WithdrawJudgment takes back reader's judgment of a stored item and
// reports whether there was one.
func (s *Store) WithdrawJudgment(ctx context.Context, topicID string, itemID int64, reader string) (bool, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM judgments WHERE reader = ?1 AND labelled_id =
		(SELECT id FROM labelled_items WHERE topic_id = ?2 AND key = ?3)`, reader, topicID, ItemKey(itemID))
	if err != nil {
		return false, fmt.Errorf("withdraw judgment of item %d: %w", itemID, err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// ReaderVerdict returns reader's judgment of a stored item, or ErrNotFound.
func (s *Store) ReaderVerdict(ctx context.Context, topicID string, itemID int64, reader string) (Judgment, error) {
	var j Judgment
	var created string
	err := s.db.QueryRowContext(ctx, `SELECT j.id, j.relevant, j.created_at FROM judgments j
		JOIN labelled_items l ON l.id = j.labelled_id WHERE l.topic_id = ? AND l.key = ? AND j.reader = ?`,
		topicID, ItemKey(itemID), reader).Scan(&j.ID, &j.Relevant, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return j, fmt.Errorf("judgment of item %d: %w", itemID, ErrNotFound)
	}
	if err != nil {
		return j, fmt.Errorf("judgment of item %d: %w", itemID, err)
	}
	j.Source, j.Reader, j.CreatedAt = SourceReader, reader, parseTS(created)
	return j, nil
}

// JudgeAsEditor sets the editor's verdict on a labelled item, replacing an
// earlier one; it wins over readers' and imported labels.
func (s *Store) JudgeAsEditor(ctx context.Context, labelledID int64, relevant bool, note string) error {
	res, err := s.db.ExecContext(ctx, `INSERT INTO judgments (labelled_id, relevant, source, note, created_at)
		SELECT id, ?, 'editor', ?, ? FROM labelled_items WHERE id = ?
		ON CONFLICT (labelled_id, source) WHERE source != 'reader' DO UPDATE SET relevant = excluded.relevant,
			note = excluded.note, created_at = excluded.created_at`, relevant, note, ts(s.now()), labelledID)
	if err != nil {
		return fmt.Errorf("editor label of %d: %w", labelledID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("labelled item %d: %w", labelledID, ErrNotFound)
	}
	return nil
}

// LabelItemAsEditor labels a stored item for a topic by the editor's word
// (a missed report confirmed, an item in the editor's preview).
func (s *Store) LabelItemAsEditor(ctx context.Context, topicID string, itemID int64, relevant bool, note string) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("label item %d: %w", itemID, err)
	}
	defer tx.Rollback()
	lid, err := labelStoredItem(ctx, tx, topicID, itemID, s.now())
	if err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("label item %d: %w", itemID, err)
	}
	return lid, s.JudgeAsEditor(ctx, lid, relevant, note)
}

// labelStoredItem returns the labelled item for a stored item, copying the
// item's text the first time.
func labelStoredItem(ctx context.Context, tx *sql.Tx, topicID string, itemID int64, now time.Time) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO labelled_items (topic_id, key, item_id, title, summary, content, link, created_at)
		SELECT ?1, ?2, id, title, summary, content, link, ?3 FROM items WHERE id = ?4
		ON CONFLICT (topic_id, key) DO UPDATE SET item_id = excluded.item_id
		RETURNING id`, topicID, ItemKey(itemID), ts(now), itemID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("label item %d: %w", itemID, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("label item %d: %w", itemID, err)
	}
	return id, nil
}

// checkDailyCap fails with ErrDailyCap when reader made cap judgments and
// reports in the 24 hours before now.
func checkDailyCap(ctx context.Context, tx *sql.Tx, reader string, limit int, now time.Time) error {
	if limit <= 0 || reader == "" {
		return nil
	}
	since := ts(now.Add(-24 * time.Hour))
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM judgments WHERE reader = ?1 AND created_at >= ?2) +
		(SELECT count(*) FROM missed_reports WHERE reader = ?1 AND created_at >= ?2)`, reader, since).Scan(&n); err != nil {
		return fmt.Errorf("daily cap: %w", err)
	}
	if n >= limit {
		return ErrDailyCap
	}
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// ImportedLabel is one item of a labelled JSONL file.
type ImportedLabel struct {
	Key                           string
	Title, Summary, Content, Link string
	Relevant                      bool
	Note                          string
}

// ImportLabels stores a file's labelled items for a topic in one
// transaction: a key seen before gets the file's text and verdict. It
// returns how many verdicts were new or changed.
func (s *Store) ImportLabels(ctx context.Context, topicID string, labels []ImportedLabel) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("import labels: %w", err)
	}
	defer tx.Rollback()
	now := ts(s.now())
	added := 0
	for _, l := range labels {
		if strings.TrimSpace(l.Key) == "" {
			return 0, errors.New("import labels: an item has no id")
		}
		var lid int64
		err := tx.QueryRowContext(ctx, `INSERT INTO labelled_items (topic_id, key, title, summary, content, link, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (topic_id, key) DO UPDATE SET title = excluded.title, summary = excluded.summary,
				content = excluded.content, link = excluded.link
			RETURNING id`, topicID, l.Key, l.Title, l.Summary, l.Content, l.Link, now).Scan(&lid)
		if err != nil {
			return 0, fmt.Errorf("import label %s: %w", l.Key, err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO judgments (labelled_id, relevant, source, note, created_at)
			VALUES (?, ?, 'import', ?, ?)
			ON CONFLICT (labelled_id, source) WHERE source != 'reader' DO UPDATE SET relevant = excluded.relevant,
				note = excluded.note
			WHERE judgments.relevant != excluded.relevant OR judgments.note != excluded.note`, lid, l.Relevant, l.Note, now)
		if err != nil {
			return 0, fmt.Errorf("import label %s: %w", l.Key, err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			added++
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("import labels: %w", err)
	}
	return added, nil
}

// Labels returns topicID's labelled items (every topic's when empty), the
// newest first, each with its judgments.
func (s *Store) Labels(ctx context.Context, topicID string) ([]LabelledItem, error) {
	q := `SELECT l.id, l.topic_id, l.key, coalesce(l.item_id, 0), l.title, l.summary, l.content, l.link, l.created_at,
		coalesce(j.id, 0), coalesce(j.relevant, 0), coalesce(j.source, ''), coalesce(j.reader, ''), coalesce(j.note, ''), coalesce(j.created_at, '')
		FROM labelled_items l LEFT JOIN judgments j ON j.labelled_id = l.id`
	var args []any
	if topicID != "" {
		q += ` WHERE l.topic_id = ?`
		args = append(args, topicID)
	}
	q += ` ORDER BY l.id DESC, j.id`
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	defer rows.Close()
	var out []LabelledItem
	for rows.Next() {
		var l LabelledItem
		var j Judgment
		var created, jcreated string
		if err := rows.Scan(&l.ID, &l.TopicID, &l.Key, &l.ItemID, &l.Title, &l.Summary, &l.Content, &l.Link, &created,
			&j.ID, &j.Relevant, &j.Source, &j.Reader, &j.Note, &jcreated); err != nil {
			return nil, fmt.Errorf("scan label: %w", err)
		}
		if len(out) == 0 || out[len(out)-1].ID != l.ID {
			l.CreatedAt = parseTS(created)
			out = append(out, l)
		}
		if j.ID == 0 {
			continue
		}
		j.CreatedAt = parseTS(jcreated)
		cur := &out[len(out)-1]
		cur.Judgments = append(cur.Judgments, j)
		if j.Source == SourceReader {
			if j.Relevant {
				cur.ReadersYes++
			} else {
				cur.ReadersNot++
			}
		}
	}
	return out, rows.Err()
}

// DeleteLabel removes a labelled item with its judgments.
func (s *Store) DeleteLabel(ctx context.Context, labelledID int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM labelled_items WHERE id = ?`, labelledID)
	if err != nil {
		return fmt.Errorf("delete label %d: %w", labelledID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("labelled item %d: %w", labelledID, ErrNotFound)
	}
	return nil
}

// MissedReport is a URL someone says a topic's digest should have carried.
type MissedReport struct {
	ID      int64
	TopicID string
	URL     string
	Note    string
	// ItemID is the stored item with the URL's canonical link; 0 when
	// feedwatch has not stored it.
	ItemID       int64
	Reader       string // keyed hash of the reporter's address; empty when anonymous or erased
	SubscriberID int64
	CreatedAt    time.Time
	ResolvedAt   time.Time
	// Item is the stored item, filled in by MissedReports.
	Item model.Item
}

// ReportMissed records a missed-item report, looking the URL up among the
// stored items by canonical link. A reader's report of a stored item is
// also their judgment that it belongs in the topic; an anonymous one waits
// for an editor. DailyCap bounds a reader's judgments and reports together.
func (s *Store) ReportMissed(ctx context.Context, r MissedReport, dailyCap int) (MissedReport, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return r, fmt.Errorf("report missed %s: %w", r.URL, err)
	}
	defer tx.Rollback()
	now := s.now()
	if err := checkDailyCap(ctx, tx, r.Reader, dailyCap, now); err != nil {
		return r, err
	}
	if it, err := itemByLink(ctx, tx, r.URL); err == nil {
		r.ItemID, r.Item = it.ID, it
	} else if !errors.Is(err, ErrNotFound) {
		return r, err
	}
	r.CreatedAt = now
	err = tx.QueryRowContext(ctx, `INSERT INTO missed_reports (topic_id, url, note, item_id, reader, subscriber_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, r.TopicID, r.URL, r.Note, nullID(r.ItemID), nullString(r.Reader),
		nullID(r.SubscriberID), ts(now)).Scan(&r.ID)
	if err != nil {
		return r, fmt.Errorf("report missed %s: %w", r.URL, err)
	}
	if r.ItemID != 0 && r.Reader != "" {
		lid, err := labelStoredItem(ctx, tx, r.TopicID, r.ItemID, now)
		if err != nil {
			return r, err
		}
		// A reader who said "not about" before and now "missed" changes
		// their mind: the later word counts.
		if _, err := tx.ExecContext(ctx, `INSERT INTO judgments (labelled_id, relevant, source, reader, subscriber_id, note, created_at)
			VALUES (?, 1, 'reader', ?, ?, ?, ?)
			ON CONFLICT (labelled_id, reader) WHERE reader IS NOT NULL DO UPDATE SET relevant = 1, created_at = excluded.created_at`,
			lid, r.Reader, nullID(r.SubscriberID), r.Note, ts(now)); err != nil {
			return r, fmt.Errorf("report missed %s: %w", r.URL, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return r, fmt.Errorf("report missed %s: %w", r.URL, err)
	}
	return r, nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// itemByLink finds the stored item whose canonical link is link's, the
// newest when several feeds carried it.
func itemByLink(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, link string) (model.Item, error) {
	canon := normalize.CanonicalLink(strings.TrimSpace(link))
	var it model.Item
	var published, fetched string
	err := q.QueryRowContext(ctx, `SELECT id, feed_id, key, link, canonical_link, title, summary, content, published_at, fetched_at
		FROM items WHERE id = (SELECT max(id) FROM items WHERE canonical_link = ?)`, canon).Scan(
		&it.ID, &it.FeedID, &it.Key, &it.Link, &it.CanonicalLink, &it.Title, &it.Summary, &it.Content, &published, &fetched)
	if errors.Is(err, sql.ErrNoRows) {
		return it, fmt.Errorf("item with link %s: %w", link, ErrNotFound)
	}
	if err != nil {
		return it, fmt.Errorf("item with link %s: %w", link, err)
	}
	it.Published, it.FetchedAt = parseTS(published), parseTS(fetched)
	return it, nil
}

// ItemByLink returns the stored item with link's canonical link.
func (s *Store) ItemByLink(ctx context.Context, link string) (model.Item, error) {
	return itemByLink(ctx, s.db, link)
}

// Item returns stored item id.
func (s *Store) Item(ctx context.Context, id int64) (model.Item, error) {
	var it model.Item
	var published, fetched string
	err := s.db.QueryRowContext(ctx, `SELECT id, feed_id, key, link, canonical_link, title, summary, content, published_at, fetched_at
		FROM items WHERE id = ?`, id).Scan(
		&it.ID, &it.FeedID, &it.Key, &it.Link, &it.CanonicalLink, &it.Title, &it.Summary, &it.Content, &published, &fetched)
	if errors.Is(err, sql.ErrNoRows) {
		return it, fmt.Errorf("item %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return it, fmt.Errorf("item %d: %w", id, err)
	}
	it.Published, it.FetchedAt = parseTS(published), parseTS(fetched)
	return it, nil
}

// MissedReports returns topicID's missed-item reports (every topic's when
// empty), the open ones first, newest first, at most limit, each with its
// stored item when there is one.
func (s *Store) MissedReports(ctx context.Context, topicID string, limit int) ([]MissedReport, error) {
	q := `SELECT r.id, r.topic_id, r.url, r.note, coalesce(r.item_id, 0), coalesce(r.reader, ''), coalesce(r.subscriber_id, 0),
		r.created_at, r.resolved_at, coalesce(i.title, ''), coalesce(i.summary, ''), coalesce(i.content, ''), coalesce(i.link, ''),
		coalesce(i.published_at, '')
		FROM missed_reports r LEFT JOIN items i ON i.id = r.item_id`
	var args []any
	if topicID != "" {
		q += ` WHERE r.topic_id = ?`
		args = append(args, topicID)
	}
	q += ` ORDER BY r.resolved_at != '', r.id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("missed reports: %w", err)
	}
	defer rows.Close()
	var out []MissedReport
	for rows.Next() {
		var r MissedReport
		var created, resolved, published string
		if err := rows.Scan(&r.ID, &r.TopicID, &r.URL, &r.Note, &r.ItemID, &r.Reader, &r.SubscriberID, &created, &resolved,
			&r.Item.Title, &r.Item.Summary, &r.Item.Content, &r.Item.Link, &published); err != nil {
			return nil, fmt.Errorf("scan missed report: %w", err)
		}
		r.CreatedAt, r.ResolvedAt = parseTS(created), parseTS(resolved)
		r.Item.ID, r.Item.Published = r.ItemID, parseTS(published)
		out = append(out, r)
	}
	return out, rows.Err()
}

// ResolveMissedReport marks a report dealt with (kept, listed last).
func (s *Store) ResolveMissedReport(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `UPDATE missed_reports SET resolved_at = ? WHERE id = ? AND resolved_at = ''`, ts(s.now()), id)
	if err != nil {
		return fmt.Errorf("resolve missed report %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("open missed report %d: %w", id, ErrNotFound)
	}
	return nil
}

// Received reports whether email was sent (or has queued) a digest of
// topicID that carried item itemID: a delivery of a digest whose match
// range (from_seq, to_seq] holds the item's match for the topic. Feedback
// links are honoured only for what the reader received.
func (s *Store) Received(ctx context.Context, email, topicID string, itemID int64) (bool, error) {
	var ok bool
	err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1
		FROM matches m
		JOIN subscribers s ON s.email = ?1
		JOIN digests g ON g.topic_id = m.topic_id AND g.to_seq >= m.seq AND g.from_seq < m.seq
		JOIN delivery_sections ds ON ds.digest_id = g.id
		JOIN deliveries d ON d.id = ds.delivery_id AND d.subscriber_id = s.id AND d.status IN ('sent', 'queued')
		WHERE m.topic_id = ?2 AND m.item_id = ?3)`, strings.TrimSpace(email), topicID, itemID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("received %d by %s: %w", itemID, email, err)
	}
	return ok, nil
}
