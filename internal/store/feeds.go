package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/feedwatch/feedwatch/internal/model"
)

const feedStateColumns = `id, url, title, origin, enabled, interval_s, username, password, etag, last_modified,
	body_hash, next_poll_at, last_poll_at, last_success_at, last_error_at, last_error, error_count,
	redirect_url, redirect_count, refresh_hint_s`

// feedColumns are a feed's state and its item count (migration 0008).
const feedColumns = feedStateColumns + ", item_count"

func scanFeed(sc interface{ Scan(...any) error }) (model.Feed, error) {
	var f model.Feed
	var intervalS, hintS int64
	var next, lastPoll, lastOK, lastErr string
	err := sc.Scan(&f.ID, &f.URL, &f.Title, &f.Origin, &f.Enabled, &intervalS, &f.Username, &f.Password,
		&f.ETag, &f.LastModified, &f.BodyHash, &next, &lastPoll, &lastOK, &lastErr, &f.LastError,
		&f.ErrorCount, &f.RedirectURL, &f.RedirectCount, &hintS, &f.ItemCount)
	f.Interval = time.Duration(intervalS) * time.Second
	f.RefreshHint = time.Duration(hintS) * time.Second
	f.NextPollAt, f.LastPollAt, f.LastSuccessAt, f.LastErrorAt = parseTS(next), parseTS(lastPoll), parseTS(lastOK), parseTS(lastErr)
	return f, err
}

func (s *Store) queryFeeds(ctx context.Context, columns, where string, args ...any) ([]model.Feed, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+columns+" FROM feeds "+where, args...)
	if err != nil {
		return nil, fmt.Errorf("query feeds: %w", err)
	}
	defer rows.Close()
	var out []model.Feed
	for rows.Next() {
		f, err := scanFeed(rows)
		if err != nil {
			return nil, fmt.Errorf("scan feed: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// Feeds returns every feed, ordered by id.
func (s *Store) Feeds(ctx context.Context) ([]model.Feed, error) {
	return s.queryFeeds(ctx, feedColumns, "ORDER BY id")
}

// DueFeeds returns enabled feeds whose next poll time has come (all enabled
// feeds when all is true), the longest-waiting first.
func (s *Store) DueFeeds(ctx context.Context, now time.Time, all bool) ([]model.Feed, error) {
	if all {
		return s.queryFeeds(ctx, feedColumns, "WHERE enabled = 1 ORDER BY next_poll_at, id")
	}
	return s.queryFeeds(ctx, feedColumns, "WHERE enabled = 1 AND next_poll_at <= ? ORDER BY next_poll_at, id", ts(now))
}

// FeedByURL returns the feed with url or ErrNotFound.
func (s *Store) FeedByURL(ctx context.Context, url string) (model.Feed, error) {
	row := s.db.QueryRowContext(ctx, "SELECT "+feedColumns+" FROM feeds WHERE url = ?", url)
	f, err := scanFeed(row)
	if errors.Is(err, sql.ErrNoRows) {
		return model.Feed{}, fmt.Errorf("feed %s: %w", url, ErrNotFound)
	}
	if err != nil {
		return model.Feed{}, fmt.Errorf("feed %s: %w", url, err)
	}
	return f, nil
}

// FeedByID returns the feed with id or ErrNotFound.
func (s *Store) FeedByID(ctx context.Context, id int64) (model.Feed, error) {
	row := s.db.QueryRowContext(ctx, "SELECT "+feedColumns+" FROM feeds WHERE id = ?", id)
	f, err := scanFeed(row)
	if errors.Is(err, sql.ErrNoRows) {
		return model.Feed{}, fmt.Errorf("feed %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return model.Feed{}, fmt.Errorf("feed %d: %w", id, err)
	}
	return f, nil
}

// ConfigFeedError refuses a change to a feed declared in the config file:
// the file is written over the database at every start and reload, so the
// change would not last. Hint says what to do in the file instead.
type ConfigFeedError struct {
	URL, Hint string
}

func (e *ConfigFeedError) Error() string {
	return fmt.Sprintf("feed %s is declared in the config file: %s", e.URL, e.Hint)
}

// UpdateFeed sets the title and interval of a feed not declared in the
// config file.
func (s *Store) UpdateFeed(ctx context.Context, url, title string, interval time.Duration) (model.Feed, error) {
	f, err := s.FeedByURL(ctx, url)
	if err != nil {
		return model.Feed{}, err
	}
	if f.Origin == "config" {
		return model.Feed{}, &ConfigFeedError{URL: url, Hint: "edit its title and interval there"}
	}
	if _, err := s.db.ExecContext(ctx, "UPDATE feeds SET title = ?, interval_s = ? WHERE id = ?", title, int64(interval/time.Second), f.ID); err != nil {
		return model.Feed{}, fmt.Errorf("update feed %s: %w", url, err)
	}
	return s.FeedByID(ctx, f.ID)
}

// AddFeed inserts a feed added by hand (origin "db" unless f says "web"
// or "api", which the poller does not trust); adding a URL that is
// already stored returns the stored feed unchanged.
func (s *Store) AddFeed(ctx context.Context, f model.Feed) (model.Feed, error) {
	if f.Origin == "" {
		f.Origin = "db"
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO feeds (url, title, origin, enabled, interval_s, username, password, next_poll_at, created_at)
		VALUES (?, ?, ?, 1, ?, ?, ?, '', ?) ON CONFLICT (url) DO NOTHING`,
		f.URL, f.Title, f.Origin, int64(f.Interval/time.Second), f.Username, f.Password, ts(s.now()))
	if err != nil {
		return model.Feed{}, fmt.Errorf("add feed %s: %w", f.URL, err)
	}
	return s.FeedByURL(ctx, f.URL)
}

// SyncConfigFeeds makes the database agree with the feeds in the config
// file: each is inserted or updated (title, interval, credentials, enabled)
// and marked origin "config"; feeds that left the file return to origin "db"
// so that they are kept but can be removed by hand.
func (s *Store) SyncConfigFeeds(ctx context.Context, feeds []model.Feed) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sync config feeds: %w", err)
	}
	defer tx.Rollback()
	// Only rows that change are written: every command syncs at start,
	// and rewriting every feed's row twice was most of what a poll of
	// 2,000 unchanged feeds cost.
	urls := make([]string, len(feeds))
	for i, f := range feeds {
		urls[i] = f.URL
	}
	list, err := json.Marshal(urls)
	if err != nil {
		return fmt.Errorf("sync config feeds: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE feeds SET origin = 'db'
		WHERE origin = 'config' AND url NOT IN (SELECT value FROM json_each(?))`, string(list)); err != nil {
		return fmt.Errorf("sync config feeds: %w", err)
	}
	upsert, err := tx.PrepareContext(ctx, `INSERT INTO feeds (url, title, origin, enabled, interval_s, username, password, created_at)
		VALUES (?, ?, 'config', ?, ?, ?, ?, ?)
		ON CONFLICT (url) DO UPDATE SET origin = 'config', title = CASE WHEN excluded.title != '' THEN excluded.title ELSE feeds.title END,
			enabled = excluded.enabled, interval_s = excluded.interval_s, username = excluded.username, password = excluded.password
		WHERE feeds.origin != 'config' OR (excluded.title != '' AND excluded.title != feeds.title) OR feeds.enabled != excluded.enabled
			OR feeds.interval_s != excluded.interval_s OR feeds.username != excluded.username OR feeds.password != excluded.password`)
	if err != nil {
		return fmt.Errorf("sync config feeds: %w", err)
	}
	defer upsert.Close()
	for _, f := range feeds {
		_, err := upsert.ExecContext(ctx, f.URL, f.Title, f.Enabled, int64(f.Interval/time.Second), f.Username, f.Password, ts(s.now()))
		if err != nil {
			return fmt.Errorf("sync config feed %s: %w", f.URL, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sync config feeds: %w", err)
	}
	return nil
}

// RemoveFeed deletes a feed added by hand, with its items. Feeds from the
// config file must be removed there.
func (s *Store) RemoveFeed(ctx context.Context, url string) error {
	f, err := s.FeedByURL(ctx, url)
	if err != nil {
		return err
	}
	if f.Origin == "config" {
		return &ConfigFeedError{URL: url, Hint: "remove it there"}
	}
	if _, err := s.db.ExecContext(ctx, "DELETE FROM feeds WHERE id = ?", f.ID); err != nil {
		return fmt.Errorf("remove feed %s: %w", url, err)
	}
	return nil
}

// SetFeedEnabled enables or disables polling of a feed added by hand. A
// feed from the config file takes its enabled flag from the file at every
// start and reload, so a change here would not last: it is refused.
func (s *Store) SetFeedEnabled(ctx context.Context, url string, enabled bool) error {
	f, err := s.FeedByURL(ctx, url)
	if err != nil {
		return err
	}
	if f.Origin == "config" {
		return &ConfigFeedError{URL: url, Hint: fmt.Sprintf("set `disabled: %t` on it there", !enabled)}
	}
	if _, err := s.db.ExecContext(ctx, "UPDATE feeds SET enabled = ?, next_poll_at = '' WHERE id = ?", enabled, f.ID); err != nil {
		return fmt.Errorf("set feed %s enabled: %w", url, err)
	}
	return nil
}

// SaveFeedState records the outcome of one fetch (ETag, errors, schedule,
// redirects, title) without touching items or the entries' fingerprints.
func (s *Store) SaveFeedState(ctx context.Context, f model.Feed) error {
	st, err := s.prepared(ctx, saveFeedStateSQL)
	if err != nil {
		return fmt.Errorf("save feed state %s: %w", f.URL, err)
	}
	return saveFeedState(ctx, st, f, 0, nil)
}

// saveFeedStateSQL writes a feed's fetch state (saveFeedState). A feed
// moved permanently onto a URL another feed already has keeps its old URL
// rather than violating uniqueness; the operator sees both.
const saveFeedStateSQL = `UPDATE feeds SET
	url = CASE WHEN EXISTS (SELECT 1 FROM feeds AS other WHERE other.url = ?1 AND other.id != ?14) THEN url ELSE ?1 END,
	title = ?2, etag = ?3, last_modified = ?4, body_hash = ?5,
	next_poll_at = ?6, last_poll_at = ?7, last_success_at = ?8, last_error_at = ?9, last_error = ?10, error_count = ?11,
	redirect_url = ?12, redirect_count = ?13, item_count = item_count + ?15, refresh_hint_s = ?16,
	entry_prints = coalesce(?17, entry_prints) WHERE id = ?14`

// stmtExecer is saveFeedStateSQL prepared, in a transaction or not.
type stmtExecer interface {
	ExecContext(ctx context.Context, args ...any) (sql.Result, error)
}

// saveFeedState writes f's fetch state; newItems is how many items the same
// transaction stored for it, added to its count. prints, when not nil,
// replace the feed's entry fingerprints (encodePrints); nil keeps them.
func saveFeedState(ctx context.Context, st stmtExecer, f model.Feed, newItems int, prints []byte) error {
	var printsArg any // NULL keeps the stored fingerprints
	if prints != nil {
		printsArg = prints
	}
	_, err := st.ExecContext(ctx, f.URL, f.Title, f.ETag, f.LastModified, f.BodyHash, ts(f.NextPollAt), ts(f.LastPollAt),
		ts(f.LastSuccessAt), ts(f.LastErrorAt), f.LastError, f.ErrorCount, f.RedirectURL, f.RedirectCount, f.ID, newItems,
		int64(f.RefreshHint/time.Second), printsArg)
	if err != nil {
		return fmt.Errorf("save feed state %s: %w", f.URL, err)
	}
	return nil
}

// RecountItems sets every feed's item count (migration 0008) from its items
// and returns how many were wrong. The counts are kept by this version's
// writes; an older feedwatch still writing to a database a newer one has
// migrated does not keep them, so the daemon recounts at start.
func (s *Store) RecountItems(ctx context.Context) (int, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE feeds SET item_count = c.n
		FROM (SELECT id, (SELECT count(*) FROM items WHERE items.feed_id = feeds.id) AS n FROM feeds) AS c
		WHERE c.id = feeds.id AND feeds.item_count != c.n`)
	if err != nil {
		return 0, fmt.Errorf("recount items: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// EntryPrints returns the fingerprints of the entries of feedID's last
// parsed document that are stored (migration 0013). They are read only
// for a feed whose document changed, not with every feed's state: a poll
// of 10,000 feeds would otherwise hold all of them at once.
func (s *Store) EntryPrints(ctx context.Context, feedID int64) ([]model.EntryPrint, error) {
	st, err := s.prepared(ctx, "SELECT entry_prints FROM feeds WHERE id = ?")
	if err != nil {
		return nil, fmt.Errorf("entry prints of feed %d: %w", feedID, err)
	}
	var b []byte
	if err := st.QueryRowContext(ctx, feedID).Scan(&b); err != nil {
		return nil, fmt.Errorf("entry prints of feed %d: %w", feedID, err)
	}
	return decodePrints(b), nil
}

// encodePrints packs fingerprints for the entry_prints column: 16 bytes
// each, little-endian. It never returns nil, so that an empty list
// replaces the stored one.
func encodePrints(prints []model.EntryPrint) []byte {
	out := make([]byte, 0, 16*len(prints))
	for _, p := range prints {
		out = binary.LittleEndian.AppendUint64(out, p.Hash)
		out = binary.LittleEndian.AppendUint64(out, uint64(p.ItemID))
	}
	return out
}

// decodePrints reads what encodePrints wrote; a trailing partial record
// (which encodePrints never writes) is ignored.
func decodePrints(b []byte) []model.EntryPrint {
	if len(b) < 16 {
		return nil
	}
	out := make([]model.EntryPrint, len(b)/16)
	for i := range out {
		out[i] = model.EntryPrint{Hash: binary.LittleEndian.Uint64(b[16*i:]), ItemID: int64(binary.LittleEndian.Uint64(b[16*i+8:]))}
	}
	return out
}
