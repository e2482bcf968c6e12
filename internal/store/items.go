package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/normalize"
)

// SaveResult counts what one SaveFetch stored.
type SaveResult struct {
	NewItems   int
	SeenItems  int
	NewMatches int
	// ByTopic counts NewMatches per topic (nil when there are none).
	ByTopic map[string]int
}

// SaveFetch stores one successful fetch in one transaction: the feed's new
// state, the items not stored before (unique per feed by Item.Key), and the
// matches of those new items. matches[i] belongs to items[i]. Items already
// stored are left as they are, so an edited entry never re-enters a digest;
// an entry listed twice in one document is stored once.
func (s *Store) SaveFetch(ctx context.Context, feed model.Feed, items []model.Item, matches [][]model.Match) (SaveResult, error) {
	res, err := s.SaveFetches(ctx, []Fetch{{Feed: feed, Items: items, Matches: matches}})
	if err != nil {
		return SaveResult{}, err
	}
	return res[0], nil
}

// Fetch is one feed's successful fetch, to be saved.
type Fetch struct {
	Feed    model.Feed
	Items   []model.Item
	Matches [][]model.Match // Matches[i] belongs to Items[i]; nil: none
	// Seen are the keys of entries the document listed that the feed had
	// stored; the undated among them are marked seen, so that retention
	// does not prune an item the feed still lists (migration 0012).
	Seen []string
	// Prints, when not nil, replace the feed's entry fingerprints
	// (migration 0013). A print with an ItemID of 0 takes the id of the
	// item of this fetch with its Key, and is left out when there is
	// none (an entry kept out of the store, such as one too old).
	Prints []Print
}

// Print is an entry's fingerprint with the item it became: ItemID when the
// item was stored before, else Key of one of the fetch's Items.
type Print struct {
	Hash   uint64
	ItemID int64
	Key    string
}

// SaveFetches saves several feeds' fetches in one transaction, as SaveFetch
// does for one: a commit writes the WAL and its index once for the whole
// batch, which is most of what a commit costs. Any error rolls back all of
// them; the caller may then save them one by one to isolate the bad one.
func (s *Store) SaveFetches(ctx context.Context, fetches []Fetch) ([]SaveResult, error) {
	if len(fetches) == 0 {
		return nil, nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("save fetch %s: %w", fetches[0].Feed.URL, err)
	}
	defer tx.Rollback()
	w, err := prepareItemWriter(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("save fetch %s: %w", fetches[0].Feed.URL, err)
	}
	defer w.close()
	w.now = ts(s.now())
	out := make([]SaveResult, len(fetches))
	for i, f := range fetches {
		if out[i], err = w.saveFetch(ctx, tx, f); err != nil {
			return nil, err
		}
		if err := markSeen(ctx, tx, f.Feed, f.Seen, w.now); err != nil {
			return nil, err
		}
	}
	// The search index comes last: FTS5 writes its pending terms out as a
	// new segment whenever a later statement of the transaction opens a
	// savepoint, so indexing between the other writes made one small
	// segment per statement, each merged again later (docs/performance.md,
	// "Profiles"). Last, the whole batch becomes one segment.
	for _, it := range w.indexed {
		if _, err := w.insertSearch.ExecContext(ctx, it.id, it.title, it.text); err != nil {
			return nil, fmt.Errorf("save fetch %s: search index: %w", fetches[0].Feed.URL, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("save fetch %s: %w", fetches[0].Feed.URL, err)
	}
	return out, nil
}

// itemWriter holds one transaction's prepared statements: preparing is a
// large part of a short statement's cost, and one batch runs each of them
// hundreds of times.
type itemWriter struct {
	insertItem, insertMatch, insertSearch, feedState *sql.Stmt
	now                                              string // matched_at of new matches
	indexed                                          []searchRow
}

// searchRow is one new item's entry in the search index.
type searchRow struct {
	id          int64
	title, text string
}

func prepareItemWriter(ctx context.Context, tx *sql.Tx) (*itemWriter, error) {
	w := &itemWriter{}
	var err error
	if w.insertItem, err = tx.PrepareContext(ctx, `INSERT INTO items (feed_id, key, guid, link, canonical_link,
		title, summary, content, author, published_at, updated_at, date_missing, fetched_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (feed_id, key) DO NOTHING`); err != nil {
		return nil, err
	}
	if w.insertMatch, err = tx.PrepareContext(ctx, `INSERT INTO matches (item_id, topic_id, score, terms, words, matched_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (topic_id, item_id) DO NOTHING`); err != nil {
		w.close()
		return nil, err
	}
	if w.insertSearch, err = tx.PrepareContext(ctx, `INSERT INTO items_fts (rowid, title, summary) VALUES (?, ?, ?)`); err != nil {
		w.close()
		return nil, err
	}
	if w.feedState, err = tx.PrepareContext(ctx, saveFeedStateSQL); err != nil {
		w.close()
		return nil, err
	}
	return w, nil
}

func (w *itemWriter) close() {
	for _, st := range []*sql.Stmt{w.insertItem, w.insertMatch, w.insertSearch, w.feedState} {
		if st != nil {
			st.Close()
		}
	}
}

func (w *itemWriter) saveFetch(ctx context.Context, tx *sql.Tx, f Fetch) (SaveResult, error) {
	feed, items, matches := f.Feed, f.Items, f.Matches
	var res SaveResult
	var ids map[string]int64 // new items' ids by key, for Prints
	if f.Prints != nil {
		ids = make(map[string]int64, len(items))
	}
	if matches != nil && len(matches) != len(items) {
		return res, fmt.Errorf("save fetch %s: %d items but %d match lists", feed.URL, len(items), len(matches))
	}
	for i, it := range items {
		r, err := w.insertItem.ExecContext(ctx, feed.ID, it.Key, it.GUID, it.Link, it.CanonicalLink, it.Title, it.Summary,
			it.Content, it.Author, ts(it.Published), ts(it.Updated), it.DateMissing, ts(it.FetchedAt))
		if err != nil {
			return SaveResult{}, fmt.Errorf("save item %q of %s: %w", it.Key, feed.URL, err)
		}
		n, err := r.RowsAffected()
		if err != nil {
			return SaveResult{}, fmt.Errorf("save item %q of %s: %w", it.Key, feed.URL, err)
		}
		if n == 0 {
			// Stored by an earlier fetch, or listed twice in this document.
			res.SeenItems++
			continue
		}
		id, err := r.LastInsertId()
		if err != nil {
			return SaveResult{}, fmt.Errorf("save item %q of %s: %w", it.Key, feed.URL, err)
		}
		res.NewItems++
		if ids != nil {
			ids[it.Key] = id
		}
		text := it.SummaryText
		if text == "" && it.Summary != "" {
			text = normalize.Text(it.Summary)
		}
		w.indexed = append(w.indexed, searchRow{id: id, title: it.Title, text: text})
		if matches == nil {
			continue
		}
		for _, m := range matches[i] {
			terms, words := matchJSON(m)
			if _, err := w.insertMatch.ExecContext(ctx, id, m.TopicID, m.Score, terms, words, w.now); err != nil {
				return SaveResult{}, fmt.Errorf("save match of %q to %s: %w", it.Key, m.TopicID, err)
			}
			res.NewMatches++
			if res.ByTopic == nil {
				res.ByTopic = map[string]int{}
			}
			res.ByTopic[m.TopicID]++
		}
	}
	var prints []byte
	if f.Prints != nil {
		prints = encodePrints(resolvePrints(f.Prints, ids))
	}
	if err := saveFeedState(ctx, w.feedState, feed, res.NewItems, prints); err != nil {
		return SaveResult{}, err
	}
	return res, nil
}

// matchJSON is how a match's terms and words are stored: JSON arrays.
func matchJSON(m model.Match) (terms, words string) {
	t, _ := json.Marshal(m.Terms)
	w, _ := json.Marshal(m.Words)
	if m.Words == nil {
		w = []byte("[]")
	}
	if m.Terms == nil {
		t = []byte("[]")
	}
	return string(t), string(w)
}

// resolvePrints gives each print its item's id: its own, or that of the
// new item with its key; prints with neither are left out.
func resolvePrints(prints []Print, ids map[string]int64) []model.EntryPrint {
	out := make([]model.EntryPrint, 0, len(prints))
	for _, p := range prints {
		id := p.ItemID
		if id == 0 {
			id = ids[p.Key]
		}
		if id != 0 {
			out = append(out, model.EntryPrint{Hash: p.Hash, ItemID: id})
		}
	}
	return out
}

// markSeen records that feed's document still lists the undated items with
// these keys.
func markSeen(ctx context.Context, tx *sql.Tx, feed model.Feed, keys []string, now string) error {
	if len(keys) == 0 {
		return nil
	}
	list, err := json.Marshal(keys)
	if err != nil {
		return fmt.Errorf("save fetch %s: %w", feed.URL, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE items SET seen_at = ? WHERE feed_id = ? AND date_missing = 1
		AND key IN (SELECT value FROM json_each(?))`, now, feed.ID, string(list)); err != nil {
		return fmt.Errorf("save fetch %s: mark seen: %w", feed.URL, err)
	}
	return nil
}

// KnownKeys returns which of keys feedID has stored, so that a poll of a
// changed feed need not normalise and match the entries it has seen.
func (s *Store) KnownKeys(ctx context.Context, feedID int64, keys []string) (map[string]bool, error) {
	ids, err := s.StoredKeys(ctx, feedID, keys)
	if err != nil || ids == nil {
		return nil, err
	}
	known := make(map[string]bool, len(ids))
	for k := range ids {
		known[k] = true
	}
	return known, nil
}

// StoredKeys is KnownKeys with the stored items' ids.
func (s *Store) StoredKeys(ctx context.Context, feedID int64, keys []string) (map[string]int64, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	// One JSON array rather than one parameter per key: a document may
	// carry thousands of entries.
	list, err := json.Marshal(keys)
	if err != nil {
		return nil, fmt.Errorf("known keys of feed %d: %w", feedID, err)
	}
	st, err := s.prepared(ctx, `SELECT key, id FROM items
		WHERE feed_id = ? AND key IN (SELECT value FROM json_each(?))`)
	if err != nil {
		return nil, fmt.Errorf("known keys of feed %d: %w", feedID, err)
	}
	rows, err := st.QueryContext(ctx, feedID, string(list))
	if err != nil {
		return nil, fmt.Errorf("known keys of feed %d: %w", feedID, err)
	}
	defer rows.Close()
	known := map[string]int64{}
	for rows.Next() {
		var k string
		var id int64
		if err := rows.Scan(&k, &id); err != nil {
			return nil, fmt.Errorf("known keys of feed %d: %w", feedID, err)
		}
		known[k] = id
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("known keys of feed %d: %w", feedID, err)
	}
	return known, nil
}

// StoredEntry is what a poll needs of an item whose entry it recognised
// by fingerprint, without parsing the entry again.
type StoredEntry struct {
	ID          int64
	Key         string
	GUID, Link  string
	DateMissing bool
}

// StoredEntries returns feedID's items among ids, by id; ids of items
// pruned since, or of another feed, are not in it.
func (s *Store) StoredEntries(ctx context.Context, feedID int64, ids []int64) (map[int64]StoredEntry, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, fmt.Errorf("stored entries of feed %d: %w", feedID, err)
	}
	st, err := s.prepared(ctx, `SELECT id, key, guid, link, date_missing FROM items
		WHERE id IN (SELECT value FROM json_each(?)) AND feed_id = ?`)
	if err != nil {
		return nil, fmt.Errorf("stored entries of feed %d: %w", feedID, err)
	}
	rows, err := st.QueryContext(ctx, string(list), feedID)
	if err != nil {
		return nil, fmt.Errorf("stored entries of feed %d: %w", feedID, err)
	}
	defer rows.Close()
	out := make(map[int64]StoredEntry, len(ids))
	for rows.Next() {
		var e StoredEntry
		if err := rows.Scan(&e.ID, &e.Key, &e.GUID, &e.Link, &e.DateMissing); err != nil {
			return nil, fmt.Errorf("stored entries of feed %d: %w", feedID, err)
		}
		out[e.ID] = e
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("stored entries of feed %d: %w", feedID, err)
	}
	return out, nil
}

// Counts are the totals shown by `feeds list` and the admin page.
type Counts struct {
	Feeds, Items, Matches, Subscribers, Digests, Queued int
}

// Count returns table sizes.
func (s *Store) Count(ctx context.Context) (Counts, error) {
	var c Counts
	err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM feeds), (SELECT coalesce(sum(item_count), 0) FROM feeds), (SELECT count(*) FROM matches),
		(SELECT count(*) FROM subscribers), (SELECT count(*) FROM digests),
		(SELECT count(*) FROM deliveries WHERE status = 'queued')`).Scan(
		&c.Feeds, &c.Items, &c.Matches, &c.Subscribers, &c.Digests, &c.Queued)
	if err != nil {
		return Counts{}, fmt.Errorf("count rows: %w", err)
	}
	return c, nil
}

// MatchedItem is a stored item with its match for one topic and its feed's title.
type MatchedItem struct {
	Item      model.Item
	Match     model.Match
	Seq       int64
	FeedTitle string
	FeedURL   string
	// Story is the item id of the first report of the story the match is
	// in; 0 while it is in none yet.
	Story int64
}

// MaxMatchSeq is the newest match's sequence number (0 when none).
func (s *Store) MaxMatchSeq(ctx context.Context) (int64, error) {
	var seq sql.NullInt64
	err := s.db.QueryRowContext(ctx, "SELECT max(seq) FROM matches").Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("max match seq: %w", err)
	}
	return seq.Int64, nil
}

// MatchSeqBefore returns the newest sequence number of topic's matches made
// before t (0 when none): where a topic's first digest starts.
func (s *Store) MatchSeqBefore(ctx context.Context, topicID string, t time.Time) (int64, error) {
	var seq sql.NullInt64
	err := s.db.QueryRowContext(ctx, "SELECT max(seq) FROM matches WHERE topic_id = ? AND matched_at < ?", topicID, ts(t)).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("match seq before %s: %w", t, err)
	}
	return seq.Int64, nil
}

// MatchedItems returns topic's matches with fromSeq < seq <= toSeq, oldest first.
func (s *Store) MatchedItems(ctx context.Context, topicID string, fromSeq, toSeq int64) ([]MatchedItem, error) {
	return s.queryMatchedItems(ctx, "WHERE m.topic_id = ?1 AND m.seq > ?2 AND m.seq <= ?3 ORDER BY m.seq", topicID, fromSeq, toSeq)
}

// UnplacedMatches returns topic's matches up to toSeq that are in no story
// yet, oldest first.
func (s *Store) UnplacedMatches(ctx context.Context, topicID string, toSeq int64) ([]MatchedItem, error) {
	return s.queryMatchedItems(ctx, "WHERE m.topic_id = ?1 AND m.story = 0 AND m.seq <= ?2 ORDER BY m.seq", topicID, toSeq)
}

// PlacedMatchesSince returns topic's matches made since t that are in a
// story, in the order they were made: what a story grouper is restored
// from.
func (s *Store) PlacedMatchesSince(ctx context.Context, topicID string, t time.Time) ([]MatchedItem, error) {
	return s.queryMatchedItems(ctx, "WHERE m.topic_id = ?1 AND m.matched_at >= ?2 AND m.story != 0 ORDER BY m.seq", topicID, ts(t))
}

// StoryHeadline returns the report that headed story in the mails that
// carried its matches up to seq: the best scoring, the earliest of equals.
func (s *Store) StoryHeadline(ctx context.Context, topicID string, story, seq int64) (MatchedItem, error) {
	ms, err := s.queryMatchedItems(ctx, `WHERE m.topic_id = ?1 AND m.story = ?2 AND m.seq <= ?3
		ORDER BY m.score DESC, i.published_at, m.seq LIMIT 1`, topicID, story, seq)
	if err != nil {
		return MatchedItem{}, err
	}
	if len(ms) == 0 {
		return MatchedItem{}, fmt.Errorf("story %d of %s: %w", story, topicID, ErrNotFound)
	}
	return ms[0], nil
}

// StoryStarts returns, for each of stories, the sequence number of its
// first match of topicID.
func (s *Store) StoryStarts(ctx context.Context, topicID string, stories []int64) (map[int64]int64, error) {
	out := make(map[int64]int64, len(stories))
	for _, id := range stories {
		var seq sql.NullInt64
		if err := s.db.QueryRowContext(ctx, "SELECT min(seq) FROM matches WHERE topic_id = ? AND story = ?", topicID, id).Scan(&seq); err != nil {
			return nil, fmt.Errorf("start of story %d of %s: %w", id, topicID, err)
		}
		out[id] = seq.Int64
	}
	return out, nil
}

// StoryMerge says that topic's story From has become part of story Into:
// its matches are relabelled.
type StoryMerge struct{ From, Into int64 }

// PlaceInStories records, in one transaction, the merges of topicID's
// stories in the order they happened and then the story of each new
// match (by sequence number); a match already placed, by another
// dispatcher, keeps its story.
func (s *Store) PlaceInStories(ctx context.Context, topicID string, stories map[int64]int64, merges []StoryMerge) error {
	if len(stories) == 0 && len(merges) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("place matches in stories: %w", err)
	}
	defer tx.Rollback()
	for _, m := range merges {
		if _, err := tx.ExecContext(ctx, "UPDATE matches SET story = ?1 WHERE topic_id = ?2 AND story = ?3", m.Into, topicID, m.From); err != nil {
			return fmt.Errorf("merge story %d of %s into %d: %w", m.From, topicID, m.Into, err)
		}
	}
	st, err := tx.PrepareContext(ctx, "UPDATE matches SET story = ? WHERE seq = ? AND story = 0")
	if err != nil {
		return fmt.Errorf("place matches in stories: %w", err)
	}
	defer st.Close()
	for seq, story := range stories {
		if _, err := st.ExecContext(ctx, story, seq); err != nil {
			return fmt.Errorf("place match %d in story %d: %w", seq, story, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("place matches in stories: %w", err)
	}
	return nil
}

func (s *Store) queryMatchedItems(ctx context.Context, where string, args ...any) ([]MatchedItem, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT m.seq, m.topic_id, m.score, m.terms, m.words, m.matched_at, m.story,
		i.id, i.feed_id, i.key, i.guid, i.link, i.canonical_link, i.title, i.summary, i.content, i.author,
		i.published_at, i.updated_at, i.date_missing, i.fetched_at, f.title, f.url
		FROM matches m JOIN items i ON i.id = m.item_id JOIN feeds f ON f.id = i.feed_id `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("matched items: %w", err)
	}
	defer rows.Close()
	var out []MatchedItem
	for rows.Next() {
		var mi MatchedItem
		var terms, words, matchedAt, published, updated, fetched string
		it := &mi.Item
		if err := rows.Scan(&mi.Seq, &mi.Match.TopicID, &mi.Match.Score, &terms, &words, &matchedAt, &mi.Story,
			&it.ID, &it.FeedID, &it.Key, &it.GUID, &it.Link,
			&it.CanonicalLink, &it.Title, &it.Summary, &it.Content, &it.Author, &published, &updated, &it.DateMissing,
			&fetched, &mi.FeedTitle, &mi.FeedURL); err != nil {
			return nil, fmt.Errorf("scan matched item: %w", err)
		}
		_ = json.Unmarshal([]byte(terms), &mi.Match.Terms)
		_ = json.Unmarshal([]byte(words), &mi.Match.Words)
		mi.Match.ItemID, mi.Match.MatchedAt = it.ID, parseTS(matchedAt)
		it.Published, it.Updated, it.FetchedAt = parseTS(published), parseTS(updated), parseTS(fetched)
		out = append(out, mi)
	}
	return out, rows.Err()
}

// RecentItems returns items fetched since t, newest first, at most limit:
// the sample that editors re-match against changed rules.
func (s *Store) RecentItems(ctx context.Context, since time.Time, limit int) ([]model.Item, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, feed_id, key, guid, link, canonical_link, title, summary, content, author,
		published_at, updated_at, date_missing, fetched_at FROM items WHERE fetched_at >= ? ORDER BY fetched_at DESC, id DESC LIMIT ?`,
		ts(since), limit)
	if err != nil {
		return nil, fmt.Errorf("recent items: %w", err)
	}
	defer rows.Close()
	var out []model.Item
	for rows.Next() {
		var it model.Item
		var published, updated, fetched string
		if err := rows.Scan(&it.ID, &it.FeedID, &it.Key, &it.GUID, &it.Link, &it.CanonicalLink, &it.Title, &it.Summary,
			&it.Content, &it.Author, &published, &updated, &it.DateMissing, &fetched); err != nil {
			return nil, fmt.Errorf("scan item: %w", err)
		}
		it.Published, it.Updated, it.FetchedAt = parseTS(published), parseTS(updated), parseTS(fetched)
		out = append(out, it)
	}
	return out, rows.Err()
}

// PlacedAfter counts topic's matches after seq that are in a story: a
// process that placed matches up to seq learns whether another has placed
// some since.
func (s *Store) PlacedAfter(ctx context.Context, topicID string, seq int64) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM matches WHERE topic_id = ? AND seq > ? AND story != 0", topicID, seq).Scan(&n); err != nil {
		return 0, fmt.Errorf("matches of %s placed after %d: %w", topicID, seq, err)
	}
	return n, nil
}
