package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/model"
)

// recorder is the real SQLite driver with a note of every statement
// prepared through it, so that the plan test checks the SQL the methods
// really run rather than a copy of it that could drift.
type recorder struct {
	inner driver.Driver
	dsn   string
	mu    sync.Mutex
	seen  map[string]bool
}

func (r *recorder) Connect(context.Context) (driver.Conn, error) {
	c, err := r.inner.Open(r.dsn)
	if err != nil {
		return nil, err
	}
	return &recordingConn{Conn: c, r: r}, nil
}

func (r *recorder) Driver() driver.Driver { return r.inner }

func (r *recorder) note(q string) {
	r.mu.Lock()
	r.seen[q] = true
	r.mu.Unlock()
}

// recordingConn implements only Prepare (and transactions), so that
// database/sql prepares every query and exec through it.
type recordingConn struct {
	driver.Conn
	r *recorder
}

func (c *recordingConn) Prepare(q string) (driver.Stmt, error) {
	c.r.note(q)
	return c.Conn.Prepare(q)
}

func (c *recordingConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	c.r.note(q)
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, q)
}

func (c *recordingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

// bigTables grow with time and with the number of feeds and subscribers;
// a statement that reads one of them whole gets slower every day, and the
// dispatcher asks its questions every minute.
var bigTables = map[string]bool{"items": true, "matches": true, "deliveries": true, "subscriptions": true, "subscribers": true}

// wholeTableOK lists statements that read a big table whole by nature,
// with why that is acceptable.
var wholeTableOK = map[string]string{
	"(SELECT count(*) FROM matches)":                   "Count: totals for `feeds list` and the admin page; SQLite keeps no row count, so counting reads an index whole",
	"SELECT status, count(*) FROM deliveries GROUP BY": "DeliveryCounts: the outbox gauge; reads the small (status, next_attempt_at) index",
	"FROM deliveries d ORDER BY d.id DESC LIMIT":       "Deliveries without a status: walks the rowid backwards and stops at the limit",
	"FROM items i ORDER BY i.id DESC LIMIT":            "ItemsPage without a filter: walks the rowid backwards and stops at the limit",
	"ORDER BY s.email, t.topic_id":                     "Subscriptions: every subscription, for `subscribers list` and the admin page, which show them all",
}

// pending lists whole-table reads in other people's files that have a
// known fix, asked for and not yet made: logged, not failed. Empty now
// (DailyMatches' GROUP BY was the last).
var pending = map[string]string{}

var scanRE = regexp.MustCompile(`^SCAN (\w+)`)

// TestQueryPlans runs the daemon's and the pages' store methods on a real
// database, records every statement they prepare, and fails when one of
// them reads items, matches, deliveries, subscribers or subscriptions whole
// instead of through an index. It also checks that every foreign key into a big table is
// indexed, because cascading deletes do not show in query plans.
func TestQueryPlans(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "feedwatch.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	inner := s.db.Driver()
	s.db.Close()
	rec := &recorder{inner: inner, dsn: "file:" + path + "?_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)", seen: map[string]bool{}}
	s.db = sql.OpenDB(rec)
	t.Cleanup(func() { s.db.Close() })
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }

	exerciseStore(t, s, now)

	var queries []string
	for q := range rec.seen {
		queries = append(queries, q)
	}
	sort.Strings(queries)
	if len(queries) < 40 {
		t.Fatalf("only %d statements recorded: is the recorder wired?", len(queries))
	}
	for _, q := range queries {
		upper := strings.ToUpper(strings.TrimSpace(q))
		if strings.HasPrefix(upper, "PRAGMA") || strings.HasPrefix(upper, "BEGIN") || strings.HasPrefix(upper, "COMMIT") || strings.HasPrefix(upper, "ROLLBACK") {
			continue
		}
		plan, err := explain(ctx, s.db, q)
		if err != nil {
			t.Errorf("explain %s: %v", oneLine(q), err)
			continue
		}
		aliases := tableAliases(q)
		for _, step := range plan {
			m := scanRE.FindStringSubmatch(step)
			if m == nil {
				continue
			}
			table := m[1]
			if real, ok := aliases[table]; ok {
				table = real
			}
			if !bigTables[table] {
				continue
			}
			if allowed(q) {
				continue
			}
			if why := pendingFix(q); why != "" {
				t.Logf("PENDING: %s", why)
				continue
			}
			t.Errorf("%s reads %s whole (%s):\n%s", oneLine(q), table, step, strings.Join(plan, "\n"))
		}
		if testing.Verbose() {
			t.Logf("%s\n    %s", oneLine(q), strings.Join(plan, "\n    "))
		}
	}

	// Foreign keys into big tables: a delete of the parent looks up the
	// children by the key column, which must lead some index.
	for child := range bigTables {
		rows, err := s.db.QueryContext(ctx, "SELECT \"from\" FROM pragma_foreign_key_list(?)", child)
		if err != nil {
			t.Fatal(err)
		}
		var cols []string
		for rows.Next() {
			var c string
			rows.Scan(&c)
			cols = append(cols, c)
		}
		rows.Close()
		for _, col := range cols {
			var n int
			err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM pragma_index_list(?1) AS l
				WHERE (SELECT name FROM pragma_index_info(l.name) WHERE seqno = 0) = ?2`, child, col).Scan(&n)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				t.Errorf("foreign key %s.%s has no index: deleting its parent reads %s whole", child, col, child)
			}
		}
	}
}

func allowed(q string) bool {
	flat := oneLine(q)
	for k := range wholeTableOK {
		if strings.Contains(flat, k) {
			return true
		}
	}
	return false
}

func pendingFix(q string) string {
	flat := oneLine(q)
	for k, why := range pending {
		if strings.Contains(flat, k) {
			return why
		}
	}
	return ""
}

var spaceRE = regexp.MustCompile(`\s+`)

func oneLine(q string) string { return spaceRE.ReplaceAllString(strings.TrimSpace(q), " ") }

var aliasRE = regexp.MustCompile(`(?i)\b(?:FROM|JOIN)\s+(\w+)\s+(?:AS\s+)?(\w+)`)

// tableAliases maps the aliases a statement gives tables ("items i") to
// the tables, because plans name the alias.
func tableAliases(q string) map[string]string {
	out := map[string]string{}
	for _, m := range aliasRE.FindAllStringSubmatch(q, -1) {
		switch strings.ToUpper(m[2]) {
		case "WHERE", "ON", "JOIN", "ORDER", "GROUP", "LIMIT", "LEFT", "INNER", "USING":
			continue
		}
		out[m[2]] = m[1]
	}
	return out
}

var numberedRE = regexp.MustCompile(`\?(\d+)`)

// explain returns the detail lines of statement q's query plan, with its
// parameters bound to NULL (plans do not depend on the values here:
// there are no statistics tables).
func explain(ctx context.Context, db *sql.DB, q string) ([]string, error) {
	n := strings.Count(q, "?")
	if ms := numberedRE.FindAllStringSubmatch(q, -1); ms != nil {
		n = 0
		for _, m := range ms {
			i, _ := strconv.Atoi(m[1])
			n = max(n, i)
		}
	}
	rows, err := db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, make([]any, n)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return nil, err
		}
		plan = append(plan, detail)
	}
	return plan, rows.Err()
}

// exerciseStore calls every store method the daemon, the commands and the
// web pages use, so that each of their statements is prepared once.
func exerciseStore(t *testing.T, s *Store, now time.Time) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.SyncConfigFeeds(ctx, []model.Feed{{URL: "https://config.example/feed", Enabled: true}}))
	f, err := s.AddFeed(ctx, model.Feed{URL: "https://a.example/feed"})
	must(err)
	_, err = s.FeedByURL(ctx, f.URL)
	must(err)
	_, err = s.Feeds(ctx)
	must(err)
	_, err = s.DueFeeds(ctx, now, false)
	must(err)
	_, err = s.DueFeeds(ctx, now, true)
	must(err)
	var items []model.Item
	var matches [][]model.Match
	for i := range 20 {
		at := now.Add(-time.Duration(i) * time.Hour)
		items = append(items, model.Item{Key: fmt.Sprint(i), Title: fmt.Sprintf("Talks %d", i), Summary: "<p>sanctions</p>", Published: at, FetchedAt: at})
		matches = append(matches, []model.Match{{TopicID: "t", Score: 1, Terms: []string{"talks"}}})
	}
	_, err = s.SaveFetch(ctx, f, items, matches)
	must(err)
	known, err := s.KnownKeys(ctx, f.ID, []string{"1", "2", "absent"})
	must(err)
	if len(known) != 2 || !known["1"] || !known["2"] {
		t.Errorf("KnownKeys = %v, want 1 and 2", known)
	}
	// A later poll: the fingerprints kept with the feed, and the items
	// they name.
	stored, err := s.StoredKeys(ctx, f.ID, []string{"1"})
	must(err)
	_, err = s.SaveFetches(ctx, []Fetch{{Feed: f, Prints: []Print{{Hash: 7, ItemID: stored["1"]}, {Hash: 8, Key: "absent"}}}})
	must(err)
	prints, err := s.EntryPrints(ctx, f.ID)
	must(err)
	if len(prints) != 1 || prints[0] != (model.EntryPrint{Hash: 7, ItemID: stored["1"]}) {
		t.Errorf("EntryPrints = %v, want hash 7 for item %d only (no item is keyed absent)", prints, stored["1"])
	}
	entries, err := s.StoredEntries(ctx, f.ID, []int64{stored["1"], -1})
	must(err)
	if e := entries[stored["1"]]; len(entries) != 1 || e.Key != "1" {
		t.Errorf("StoredEntries = %v, want item 1's", entries)
	}
	f.ETag = "x"
	must(s.SaveFeedState(ctx, f))
	must(s.SetFeedEnabled(ctx, f.URL, true))

	_, err = s.MaxMatchSeq(ctx)
	must(err)
	_, err = s.MatchSeqBefore(ctx, "t", now)
	must(err)
	_, err = s.TopicMaxSeq(ctx, "t")
	must(err)
	_, err = s.StrongestScore(ctx, "t", 0, now)
	must(err)
	_, err = s.MatchedItems(ctx, "t", 0, 100)
	must(err)
	// Stories: placing matches, merging two, restoring a grouper, and an
	// update's headline.
	unplaced, err := s.UnplacedMatches(ctx, "t", 100)
	must(err)
	placed := map[int64]int64{}
	for _, m := range unplaced {
		placed[m.Seq] = m.Item.ID
	}
	must(s.PlaceInStories(ctx, "t", placed, []StoryMerge{{From: 2, Into: 1}}))
	_, err = s.PlacedMatchesSince(ctx, "t", now.Add(-96*time.Hour))
	must(err)
	_, err = s.PlacedAfter(ctx, "t", 0)
	must(err)
	_, err = s.StoryStarts(ctx, "t", []int64{1})
	must(err)
	if len(unplaced) > 0 {
		_, err = s.StoryHeadline(ctx, "t", unplaced[0].Item.ID, 100)
		must(err)
	}
	recent, err := s.RecentItems(ctx, now.Add(-24*time.Hour), 10)
	must(err)
	_, _, err = s.Rematch(ctx, []string{"t"}, []int64{recent[0].ID}, [][]model.Match{nil})
	must(err)

	sub, err := s.Subscribe(ctx, model.Subscription{Email: "a@example.org", TopicID: "t", Status: model.SubscriptionActive})
	must(err)
	_, err = s.Subscriptions(ctx)
	must(err)
	_, err = s.ActiveSubscriptions(ctx, "t")
	must(err)
	d, err := s.CreateDigest(ctx, NewDigest{Digest: model.Digest{TopicID: "t"}, FromSeq: 0, ToSeq: 5,
		Deliveries: []model.Delivery{{SubscriberID: sub.SubscriberID, Email: sub.Email, MessageID: "<m@x>", Message: []byte("m")}}})
	must(err)
	must(s.UpdateDigestArchive(ctx, d.ID, "<p>", "p"))
	_, err = s.UnplacedSubscriptions(ctx, SubscriptionKey{SubscriberID: 1, TopicID: "a"}, 10)
	must(err)
	must(s.PlaceSubscriptions(ctx, []Placement{{SubscriberID: sub.SubscriberID, TopicID: "t", CursorSeq: 5, NextAt: now}}))
	_, err = s.DueSubscriptions(ctx, now, 6, 0, 10)
	must(err)
	_, err = s.DueAlerts(ctx, now, 6, 0, 10)
	must(err)
	_, err = s.DueDigests(ctx, now, DigestKey{NextAt: now.Add(-time.Hour), SubscriberID: 1}, 10)
	must(err)
	_, err = s.OverdueSubscriptions(ctx, now.Add(time.Minute), SubscriptionKey{}, 10)
	must(err)
	must(s.Reschedule(ctx, sub.SubscriberID, "t", now, now))
	next, err := s.AddDigest(ctx, model.Digest{TopicID: "t", FromSeq: 5, ToSeq: 6})
	must(err)
	_, err = s.SectionDigest(ctx, "t", 5, 6, false)
	must(err)
	_, err = s.RecordMailings(ctx, []Mailing{{SubscriberID: sub.SubscriberID,
		Delivery: &model.Delivery{Email: sub.Email, MessageID: "<n@x>", Message: []byte("n")},
		Moves:    []Move{{TopicID: "t", DigestID: next.ID, FromSeq: 5, ToSeq: 6, NextAt: now.Add(24 * time.Hour)}}}})
	must(err)
	_, err = s.PendingMatches(ctx, "t", 5, 0)
	must(err)
	_, err = s.AlertsSince(ctx, sub.SubscriberID, now.Add(-time.Hour))
	must(err)
	must(s.SetSchedule(ctx, sub.Email, "t", model.Schedule{Frequency: model.FrequencyDaily}))
	_, _, err = s.Subscriber(ctx, sub.Email)
	must(err)
	_, err = s.RotateFeedKey(ctx, sub.Email)
	must(err)
	_, err = s.Digest(ctx, d.ID)
	must(err)
	_, err = s.LastDigest(ctx, "t")
	must(err)
	_, err = s.Digests(ctx, 10)
	must(err)
	_, err = s.DigestsBefore(ctx, 0, 10)
	must(err)
	_, err = s.DigestsBefore(ctx, d.ID+1, 10)
	must(err)
	due, err := s.DueDeliveries(ctx, now.Add(time.Hour), 10)
	must(err)
	must(s.MarkRetry(ctx, due[0].ID, "451 later", now))
	_, err = s.MarkFailed(ctx, due[0].ID, "550 no", 3)
	must(err)
	_, err = s.RetryFailed(ctx, 0)
	must(err)
	_, err = s.RetryFailed(ctx, due[0].ID)
	must(err)
	must(s.MarkSent(ctx, due[0].ID, "250 ok"))
	_, err = s.DeliveryWanted(ctx, due[0].ID)
	must(err)
	_, err = s.PruneSentMessages(ctx, now.Add(time.Hour))
	must(err)
	must(s.AcquireLease(ctx, "outbox", "test|1", time.Minute, func(string) bool { return false }))
	must(s.ReleaseLease(ctx, "outbox", "test|1"))
	_, err = s.Subscription(ctx, sub.Email, "t")
	must(err)
	_, err = s.Deliveries(ctx, "", 10)
	must(err)
	_, err = s.Deliveries(ctx, "sent", 10)
	must(err)
	_, err = s.DeliveryCounts(ctx)
	must(err)

	_, err = s.Count(ctx)
	must(err)
	_, err = s.ItemCount(ctx)
	must(err)
	_, err = s.DailyMatches(ctx, now.Add(-7*24*time.Hour))
	must(err)
	_, err = s.Search(ctx, "talks", 10)
	must(err)
	_, err = s.SearchTopic(ctx, "t", "sanction*", 10)
	must(err)
	_, err = s.SettingOrInit(ctx, "k", func() (string, error) { return "v", nil })
	must(err)

	// The preferences page and the topic feeds.
	_, err = s.TopicFeedItems(ctx, "t", 50)
	must(err)
	_, err = s.UpperQuartileScore(ctx, "t", now.Add(-30*24*time.Hour))
	must(err)
	_, err = s.EnsureFeedKey(ctx, sub.Email)
	must(err)
	must(s.SetPreferences(ctx, sub.Email, Preferences{Subscribe: []TopicSchedule{{TopicID: "u"}},
		Reschedule: []TopicSchedule{{TopicID: "t"}}, Unsubscribe: []string{"u"}}))
	_, err = s.ChangeSubscription(ctx, SubscriptionChange{Email: sub.Email, TopicID: "t", Status: model.SubscriptionSuspended,
		Schedule: &model.Schedule{Frequency: model.FrequencyInstant}})
	must(err)
	// Labels, judgments and missed-item reports (labels.go).
	_, err = s.Received(ctx, sub.Email, "t", recent[1].ID)
	must(err)
	_, err = s.JudgeAsReader(ctx, ReaderJudgment{TopicID: "t", ItemID: recent[1].ID, Reader: "h", SubscriberID: sub.SubscriberID, DailyCap: 10})
	must(err)
	_, err = s.ReaderVerdict(ctx, "t", recent[1].ID, "h")
	must(err)
	_, err = s.ReportMissed(ctx, MissedReport{TopicID: "t", URL: "https://a.example/x", Reader: "h", SubscriberID: sub.SubscriberID}, 10)
	must(err)
	_, err = s.ItemByLink(ctx, "https://a.example/x")
	if !errors.Is(err, ErrNotFound) {
		must(err)
	}
	_, err = s.Item(ctx, recent[1].ID)
	must(err)
	lid, err := s.LabelItemAsEditor(ctx, "t", recent[2].ID, true, "")
	must(err)
	_, err = s.ImportLabels(ctx, "t", []ImportedLabel{{Key: "x1", Title: "t", Relevant: true}})
	must(err)
	_, err = s.Labels(ctx, "t")
	must(err)
	_, err = s.Labels(ctx, "")
	must(err)
	reports, err := s.MissedReports(ctx, "t", 10)
	must(err)
	_, err = s.MissedReports(ctx, "", 10)
	must(err)
	must(s.ResolveMissedReport(ctx, reports[0].ID))
	_, err = s.WithdrawJudgment(ctx, "t", recent[1].ID, "h")
	must(err)
	must(s.DeleteLabel(ctx, lid))
	// The operations layer (admin pages, API).
	yes := true
	for _, filter := range []ItemFilter{{Limit: 10}, {FeedID: f.ID, Limit: 10}, {TopicID: "t", Limit: 10}, {Matched: &yes, Before: 1 << 40, Limit: 10},
		{Since: now.Add(-time.Hour), Limit: 10}} {
		_, err = s.ItemsPage(ctx, filter)
		must(err)
	}
	_, err = s.DeliveriesPage(ctx, "failed", 1<<40, 10)
	must(err)
	_, err = s.DeliveriesPage(ctx, "", 0, 10)
	must(err)
	_, err = s.DeliveryByID(ctx, due[0].ID)
	must(err)
	_, err = s.FeedByID(ctx, f.ID)
	must(err)
	_, err = s.UpdateFeed(ctx, f.URL, "t", time.Hour)
	must(err)
	must(s.RecordPolls(ctx, []Poll{{FeedID: f.ID, At: now, Outcome: "ok"}}))
	_, err = s.Polls(ctx, f.ID)
	must(err)
	_, err = s.AddAPIKey(ctx, "k", "hash", false)
	must(err)
	_, err = s.APIKeyByHash(ctx, "hash")
	must(err)
	must(s.LogActivity(ctx, Activity{Actor: "cli", Action: "x", Subject: sub.Email}))
	_, err = s.Activities(ctx, 10)
	must(err)
	must(s.RedactActivity(ctx, sub.Email, "(erased)"))

	_, err = s.PruneItems(ctx, now.Add(-10*time.Hour), 5)
	must(err)
	_, err = s.Unsubscribe(ctx, sub.Email, "t")
	must(err)
	must(s.RemoveSubscriber(ctx, sub.Email))
	must(s.RemoveFeed(ctx, f.URL))
}
