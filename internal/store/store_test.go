package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/model"
)

func mustOpen(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "feedwatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// seedAt writes rows that are valid at schema version v, so that migrating
// past v has data to carry.
func seedAt(t *testing.T, s *Store, v int) {
	t.Helper()
	ctx := context.Background()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := s.db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("seed at v%d: %s: %v", v, q, err)
		}
	}
	if v >= 1 {
		exec("INSERT INTO feeds (url, created_at) VALUES ('https://a.example/feed', '2026-01-01T00:00:00.000Z')")
		exec("INSERT INTO items (feed_id, key, title, published_at, fetched_at) VALUES (1, 'guid:1', 'kept', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')")
	}
	if v >= 8 {
		exec("UPDATE feeds SET item_count = 1 WHERE id = 1")
	}
	if v >= 2 {
		exec("INSERT INTO matches (item_id, topic_id, score, matched_at) VALUES (1, 't', 1, '2026-01-01T00:00:00.000Z')")
	}
	if v >= 3 {
		exec("INSERT INTO subscribers (email, created_at) VALUES ('a@example.org', '2026-01-01T00:00:00.000Z')")
		digest := "INSERT INTO digests (topic_id, from_seq, to_seq, period_start, period_end, created_at, item_count) VALUES ('t', 0, 1, '2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z', '2026-01-02T00:00:00.000Z', 1)"
		if v >= 7 {
			digest = "INSERT INTO digests (topic_id, from_seq, to_seq, period_start, period_end, created_at, completed_at, item_count) VALUES ('t', 0, 1, '2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z', '2026-01-02T00:00:00.000Z', '2026-01-02T00:00:00.000Z', 1)"
		}
		exec(digest)
		exec("INSERT INTO deliveries (digest_id, subscriber_id, email, status, next_attempt_at, message_id, message, created_at) VALUES (1, 1, 'a@example.org', 'sent', '2026-01-02T00:00:00.000Z', '<1@x>', 'm', '2026-01-02T00:00:00.000Z')")
	}
}

func TestMigrateFromEveryEarlierVersion(t *testing.T) {
	ctx := context.Background()
	latest := LatestVersion()
	if latest < 3 {
		t.Fatalf("LatestVersion = %d", latest)
	}
	for v := 0; v <= latest; v++ {
		path := filepath.Join(t.TempDir(), "feedwatch.db")
		old, err := OpenAt(ctx, path, v)
		if err != nil {
			t.Fatalf("open at v%d: %v", v, err)
		}
		if got, _ := old.SchemaVersion(ctx); got != v {
			t.Fatalf("schema version = %d, want %d", got, v)
		}
		seedAt(t, old, v)
		old.Close()

		s, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("migrate from v%d: %v", v, err)
		}
		if got, _ := s.SchemaVersion(ctx); got != latest {
			t.Errorf("from v%d: schema version = %d, want %d", v, got, latest)
		}
		if v >= 1 {
			var title string
			if err := s.db.QueryRowContext(ctx, "SELECT title FROM items WHERE key = 'guid:1'").Scan(&title); err != nil || title != "kept" {
				t.Errorf("from v%d: item lost: %q, %v", v, title, err)
			}
			if f, err := s.FeedByURL(ctx, "https://a.example/feed"); err != nil || f.ItemCount != 1 {
				t.Errorf("from v%d: feed's item count = %d, %v; want 1", v, f.ItemCount, err)
			}
		}
		if v >= 3 {
			// A digest recorded before digests were queued in chunks was
			// queued whole: resuming it would mail it again to everyone
			// subscribed since.
			if _, err := s.IncompleteDigest(ctx, "t"); !errors.Is(err, ErrNotFound) {
				t.Errorf("from v%d: digest recorded before the migration counts as incomplete (%v)", v, err)
			}
		}
		if v >= 3 {
			// Rebuilding digests (migration 0011) keeps the deliveries
			// that refer to it, and their reference.
			var n int
			if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM deliveries JOIN digests ON digests.id = deliveries.digest_id").Scan(&n); err != nil || n != 1 {
				t.Errorf("from v%d: %d deliveries with their digest, %v; want 1", v, n, err)
			}
		}
		if rows, err := s.db.QueryContext(ctx, "PRAGMA foreign_key_check"); err != nil {
			t.Error(err)
		} else {
			if rows.Next() {
				t.Errorf("from v%d: foreign keys broken", v)
			}
			rows.Close()
		}
		if err := s.IntegrityCheck(ctx); err != nil {
			t.Error(err)
		}
		var mode string
		s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode)
		var fk, walLimit int
		s.db.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk)
		s.db.QueryRowContext(ctx, "PRAGMA journal_size_limit").Scan(&walLimit)
		if mode != "wal" || fk != 1 || walLimit != 64<<20 {
			t.Errorf("journal_mode = %q, foreign_keys = %d, journal_size_limit = %d", mode, fk, walLimit)
		}
		s.Close()
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "feedwatch.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	s.db.ExecContext(ctx, "PRAGMA user_version = 999")
	s.Close()
	if _, err := Open(ctx, path); err == nil {
		t.Fatal("opened a database from a newer feedwatch")
	}
}

func TestSaveFetchStoresEachItemOnce(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	f, err := s.AddFeed(ctx, model.Feed{URL: "https://a.example/feed"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	items := []model.Item{
		{Key: "guid:1", GUID: "1", Title: "one", Published: now, FetchedAt: now},
		{Key: "guid:2", GUID: "2", Title: "two", Published: now, FetchedAt: now},
	}
	matches := [][]model.Match{{{TopicID: "t", Score: 2, Terms: []string{"x"}}}, nil}
	res, err := s.SaveFetch(ctx, f, items, matches)
	if err != nil {
		t.Fatal(err)
	}
	if res.NewItems != 2 || res.SeenItems != 0 || res.NewMatches != 1 || res.ByTopic["t"] != 1 {
		t.Errorf("first save = %+v", res)
	}
	res, err = s.SaveFetch(ctx, f, items, matches)
	if err != nil {
		t.Fatal(err)
	}
	if res.NewItems != 0 || res.SeenItems != 2 || res.NewMatches != 0 {
		t.Errorf("second save = %+v", res)
	}
	c, _ := s.Count(ctx)
	if c.Items != 2 || c.Matches != 1 {
		t.Errorf("counts = %+v", c)
	}
	got, err := s.MatchedItems(ctx, "t", 0, 1<<62)
	if err != nil || len(got) != 1 || got[0].Item.Title != "one" || got[0].Match.Terms[0] != "x" || !got[0].Item.Published.Equal(now) {
		t.Fatalf("MatchedItems = %+v, %v", got, err)
	}
}

func TestCreateDigestRefusesOverlap(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	if _, err := s.Subscribe(ctx, model.Subscription{Email: "a@example.org", TopicID: "t", Status: model.SubscriptionActive}); err != nil {
		t.Fatal(err)
	}
	subs, _ := s.ActiveSubscriptions(ctx, "t")
	nd := NewDigest{Digest: model.Digest{TopicID: "t"}, FromSeq: 0, ToSeq: 5,
		Deliveries: []model.Delivery{{SubscriberID: subs[0].SubscriberID, Email: "a@example.org", MessageID: "<1@x>", Message: []byte("m")}}}
	if _, err := s.CreateDigest(ctx, nd); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateDigest(ctx, nd); !errors.Is(err, ErrDigestExists) {
		t.Fatalf("second digest for same period: %v", err)
	}
	r, _ := s.NextDigestStart(ctx, "t")
	if r.FromSeq != 5 || !r.HasPrevious {
		t.Errorf("NextDigestStart = %+v", r)
	}
	due, _ := s.DueDeliveries(ctx, time.Now().Add(time.Minute), 10)
	if len(due) != 1 || string(due[0].Message) != "m" {
		t.Fatalf("due = %+v", due)
	}
	if err := s.MarkSent(ctx, due[0].ID, "250 ok"); err != nil {
		t.Fatal(err)
	}
	due, _ = s.DueDeliveries(ctx, time.Now().Add(time.Minute), 10)
	if len(due) != 0 {
		t.Fatalf("sent delivery still due: %+v", due)
	}
}

// TestDigestQueuedInChunks records a digest the way the builder does: the
// row first, incomplete, then deliveries in chunks, some of them twice as a
// resumed build would, then complete.
func TestDigestQueuedInChunks(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	var subs []model.Subscription
	for i := range 5 {
		sub, err := s.Subscribe(ctx, model.Subscription{Email: fmt.Sprintf("r%d@example.org", i), TopicID: "t", Status: model.SubscriptionActive})
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, sub)
	}
	if _, err := s.Subscribe(ctx, model.Subscription{Email: "other@example.org", TopicID: "u", Status: model.SubscriptionActive}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.IncompleteDigest(ctx, "t"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("IncompleteDigest before any digest: %v", err)
	}
	d, err := s.StartDigest(ctx, NewDigest{Digest: model.Digest{TopicID: "t", Subject: "s", ItemCount: 3}, FromSeq: 0, ToSeq: 7})
	if err != nil {
		t.Fatal(err)
	}
	inc, err := s.IncompleteDigest(ctx, "t")
	if err != nil || inc.Digest.ID != d.ID || inc.FromSeq != 0 || inc.ToSeq != 7 || inc.Digest.ItemCount != 3 {
		t.Fatalf("IncompleteDigest = %+v, %v", inc, err)
	}
	// No second digest of the topic while this one is incomplete, not even
	// one for the period after it.
	if _, err := s.StartDigest(ctx, NewDigest{Digest: model.Digest{TopicID: "t"}, FromSeq: 7, ToSeq: 9}); !errors.Is(err, ErrDigestExists) {
		t.Errorf("second digest while one is incomplete: %v", err)
	}
	delivery := func(sub model.Subscription, body string) model.Delivery {
		return model.Delivery{SubscriberID: sub.SubscriberID, Email: sub.Email, MessageID: "<" + body + "@x>", Message: []byte(body)}
	}
	chunk, err := s.UnqueuedSubscriptions(ctx, d.ID, 0, 2)
	if err != nil || len(chunk) != 2 || chunk[0].SubscriberID != subs[0].SubscriberID || chunk[1].SubscriberID != subs[1].SubscriberID {
		t.Fatalf("first chunk = %+v, %v", chunk, err)
	}
	if n, err := s.QueueDeliveries(ctx, d.ID, []model.Delivery{delivery(subs[0], "first0"), delivery(subs[1], "first1")}); err != nil || n != 2 {
		t.Fatalf("queue first chunk: %d, %v", n, err)
	}
	// A subscriber leaves before their chunk: they are not a recipient.
	if _, err := s.Unsubscribe(ctx, subs[2].Email, "t"); err != nil {
		t.Fatal(err)
	}
	// A second builder (or a resumed one) queues subscriber 1 again and
	// subscriber 3: 1 keeps the first message, 3 gets theirs.
	if n, err := s.QueueDeliveries(ctx, d.ID, []model.Delivery{delivery(subs[1], "again1"), delivery(subs[3], "first3")}); err != nil || n != 1 {
		t.Fatalf("queue overlapping chunk: %d new, %v; want 1", n, err)
	}
	rest, err := s.UnqueuedSubscriptions(ctx, d.ID, 0, 10)
	if err != nil || len(rest) != 1 || rest[0].SubscriberID != subs[4].SubscriberID {
		t.Fatalf("still unqueued = %+v, %v; want only %s", rest, err, subs[4].Email)
	}
	if after, _ := s.UnqueuedSubscriptions(ctx, d.ID, subs[4].SubscriberID, 10); len(after) != 0 {
		t.Errorf("unqueued after the last subscriber = %+v", after)
	}
	if _, err := s.QueueDeliveries(ctx, d.ID, []model.Delivery{delivery(rest[0], "first4")}); err != nil {
		t.Fatal(err)
	}
	if err := s.CompleteDigest(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.IncompleteDigest(ctx, "t"); !errors.Is(err, ErrNotFound) {
		t.Errorf("IncompleteDigest after completion: %v", err)
	}
	if err := s.CompleteDigest(ctx, d.ID+100); !errors.Is(err, ErrNotFound) {
		t.Errorf("completing a digest that does not exist: %v", err)
	}
	dls, err := s.DueDeliveries(ctx, time.Now().Add(time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]string{}
	for _, dl := range dls {
		got[dl.SubscriberID] = string(dl.Message)
	}
	want := map[int64]string{subs[0].SubscriberID: "first0", subs[1].SubscriberID: "first1", subs[3].SubscriberID: "first3", subs[4].SubscriberID: "first4"}
	if fmt.Sprint(got) != fmt.Sprint(want) || len(dls) != len(want) {
		t.Errorf("outbox = %v (%d rows), want %v", got, len(dls), want)
	}
	if _, err := s.StartDigest(ctx, NewDigest{Digest: model.Digest{TopicID: "t"}, FromSeq: 7, ToSeq: 9}); err != nil {
		t.Errorf("next digest once the previous one is complete: %v", err)
	}
}

func TestMarkFailedSuspendsAfterRepeatedBounces(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	sub, _ := s.Subscribe(ctx, model.Subscription{Email: "b@example.org", TopicID: "t", Status: model.SubscriptionActive})
	for i := 0; i < 3; i++ {
		d, err := s.CreateDigest(ctx, NewDigest{Digest: model.Digest{TopicID: "t"}, FromSeq: int64(i), ToSeq: int64(i + 1),
			Deliveries: []model.Delivery{{SubscriberID: sub.SubscriberID, Email: sub.Email, MessageID: "<m>", Message: []byte("m")}}})
		if err != nil {
			t.Fatal(err)
		}
		dl, _ := s.Deliveries(ctx, "queued", 10)
		if len(dl) != 1 || dl[0].DigestID != d.ID {
			t.Fatalf("queued = %+v", dl)
		}
		suspended, err := s.MarkFailed(ctx, dl[0].ID, "550 no such user", 3)
		if err != nil {
			t.Fatal(err)
		}
		if suspended != (i == 2) {
			t.Errorf("attempt %d: suspended = %v", i, suspended)
		}
	}
	got, _ := s.Subscription(ctx, "b@example.org", "t")
	if got.Status != model.SubscriptionSuspended {
		t.Errorf("status = %q", got.Status)
	}
}

func TestPruneItemsKeepsRecentAndMatchesFollow(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	f, _ := s.AddFeed(ctx, model.Feed{URL: "https://a.example/feed"})
	old := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	recent := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var items []model.Item
	var matches [][]model.Match
	for i := 0; i < 1200; i++ {
		at := old
		if i%3 == 0 {
			at = recent
		}
		items = append(items, model.Item{Key: fmt.Sprintf("k%d", i), Published: at, FetchedAt: at})
		matches = append(matches, []model.Match{{TopicID: "t", Score: 1}})
	}
	if _, err := s.SaveFetch(ctx, f, items, matches); err != nil {
		t.Fatal(err)
	}
	n, err := s.PruneItems(ctx, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), 100)
	if err != nil {
		t.Fatal(err)
	}
	if n != 800 {
		t.Errorf("pruned %d, want 800", n)
	}
	c, _ := s.Count(ctx)
	if c.Items != 400 || c.Matches != 400 {
		t.Errorf("after prune: %+v", c)
	}
}

func TestRematchKeepsWhatDigestsCarried(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	f, _ := s.AddFeed(ctx, model.Feed{URL: "https://a.example/feed"})
	now := time.Now().UTC()
	items := []model.Item{{Key: "a", Published: now, FetchedAt: now}, {Key: "b", Published: now, FetchedAt: now}, {Key: "c", Published: now, FetchedAt: now}}
	m := []model.Match{{TopicID: "t", Score: 1}}
	if _, err := s.SaveFetch(ctx, f, items, [][]model.Match{m, nil, nil}); err != nil {
		t.Fatal(err)
	}
	// A digest covers item a's match.
	seq, _ := s.MaxMatchSeq(ctx)
	if _, err := s.CreateDigest(ctx, NewDigest{Digest: model.Digest{TopicID: "t"}, FromSeq: 0, ToSeq: seq}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.RecentItems(ctx, now.Add(-time.Hour), 10)
	ids := make([]int64, 3)
	for _, it := range got {
		ids[map[string]int{"a": 0, "b": 1, "c": 2}[it.Key]] = it.ID
	}
	// New rules: a no longer matches (but was sent), b matches, c does not.
	added, removed, err := s.Rematch(ctx, []string{"t"}, ids, [][]model.Match{nil, m, nil})
	if err != nil {
		t.Fatal(err)
	}
	if added != 1 || removed != 0 {
		t.Errorf("added %d removed %d, want 1 and 0", added, removed)
	}
	// Rules that score differently: b's unsent match takes the new score
	// and terms (the next digest orders by them); a's, sent, keeps its own.
	scored := []model.Match{{TopicID: "t", Score: 7, Terms: []string{"Kremlin"}}}
	if _, _, err := s.Rematch(ctx, []string{"t"}, ids, [][]model.Match{scored, scored, nil}); err != nil {
		t.Fatal(err)
	}
	after, err := s.MatchedItems(ctx, "t", 0, 1<<62)
	if err != nil {
		t.Fatal(err)
	}
	for _, mi := range after {
		want := map[string]float64{"a": 1, "b": 7}[mi.Item.Key]
		if mi.Match.Score != want {
			t.Errorf("item %s: score %v, want %v", mi.Item.Key, mi.Match.Score, want)
		}
	}
	// Rules change back before the next digest: b's unsent match goes.
	added, removed, err = s.Rematch(ctx, []string{"t"}, ids, [][]model.Match{m, nil, nil})
	if err != nil || added != 0 || removed != 1 {
		t.Errorf("added %d removed %d (%v), want 0 and 1", added, removed, err)
	}
}

// TestDigestPeriodsFollowEachOther: each digest's period begins where the
// topic's last one ended. "Nothing new" notes over the same empty range
// are told apart by their periods, the digest that ends a quiet stretch
// starts at the notes' range, and a second digest for a period already
// recorded is refused.
func TestDigestPeriodsFollowEachOther(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	day := func(n int) time.Time { return time.Date(2026, 11, n, 7, 0, 0, 0, time.UTC) }
	digest := func(from, to int64, start, end time.Time) error {
		_, err := s.CreateDigest(ctx, NewDigest{Digest: model.Digest{TopicID: "t", PeriodStart: start, PeriodEnd: end}, FromSeq: from, ToSeq: to})
		return err
	}
	steps := []struct {
		name       string
		from, to   int64
		start, end time.Time
		exists     bool
	}{
		{"first digest", 0, 5, day(1), day(2), false},
		{"a note: nothing since", 5, 5, day(2), day(3), false},
		{"the same note again (a second builder)", 5, 5, day(2), day(3), true},
		{"another note, nothing matched anywhere", 5, 5, day(3), day(4), false},
		{"the digest that ends the quiet stretch", 5, 9, day(4), day(5), false},
		{"that digest again", 5, 9, day(4), day(5), true},
		{"a digest that starts where no digest ended", 9, 12, day(6), day(7), true},
	}
	for _, st := range steps {
		err := digest(st.from, st.to, st.start, st.end)
		if st.exists != errors.Is(err, ErrDigestExists) || (!st.exists && err != nil) {
			t.Errorf("%s: %v", st.name, err)
		}
	}
	if r, _ := s.NextDigestStart(ctx, "t"); r.FromSeq != 9 || !r.PeriodStart.Equal(day(5)) {
		t.Errorf("NextDigestStart = %+v", r)
	}
}

// TestSyncConfigFeeds: the config file's feeds are inserted or updated and
// marked "config"; a feed that leaves the file goes back to "db"; an empty
// title keeps the stored one; syncing the same list again changes nothing.
func TestSyncConfigFeeds(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "feedwatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	state := func() string {
		feeds, err := s.Feeds(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, f := range feeds {
			fmt.Fprintf(&b, "%s %q %s %t %s %s|", f.URL, f.Title, f.Origin, f.Enabled, f.Interval, f.Username)
		}
		return b.String()
	}
	steps := []struct {
		feeds []model.Feed
		want  string
	}{
		{[]model.Feed{{URL: "https://a/", Title: "A", Enabled: true}, {URL: "https://b/", Enabled: true, Interval: time.Hour, Username: "u"}},
			`https://a/ "A" config true 0s |https://b/ "" config true 1h0m0s u|`},
		{[]model.Feed{{URL: "https://a/", Title: "A2", Enabled: false}},
			`https://a/ "A2" config false 0s |https://b/ "" db true 1h0m0s u|`},
		{[]model.Feed{{URL: "https://a/", Enabled: false}, {URL: "https://b/", Enabled: true}},
			`https://a/ "A2" config false 0s |https://b/ "" config true 0s |`},
		{[]model.Feed{{URL: "https://a/", Enabled: false}, {URL: "https://b/", Enabled: true}},
			`https://a/ "A2" config false 0s |https://b/ "" config true 0s |`},
	}
	for i, st := range steps {
		if err := s.SyncConfigFeeds(ctx, st.feeds); err != nil {
			t.Fatal(err)
		}
		if got := state(); got != st.want {
			t.Errorf("step %d: %s\nwant %s", i, got, st.want)
		}
	}
}
