package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
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
		exec("INSERT INTO subscriptions (subscriber_id, topic_id, status, created_at, changed_at) VALUES (1, 't', 'active', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')")
		if v < 13 {
			exec("INSERT INTO deliveries (digest_id, subscriber_id, email, status, next_attempt_at, message_id, message, created_at) VALUES (1, 1, 'a@example.org', 'sent', '2026-01-02T00:00:00.000Z', '<1@x>', 'm', '2026-01-02T00:00:00.000Z')")
		} else {
			exec("INSERT INTO deliveries (subscriber_id, email, status, next_attempt_at, message_id, message, created_at) VALUES (1, 'a@example.org', 'sent', '2026-01-02T00:00:00.000Z', '<1@x>', 'm', '2026-01-02T00:00:00.000Z')")
			exec("INSERT INTO delivery_sections (delivery_id, digest_id) VALUES (1, 1)")
			exec("UPDATE subscriptions SET cursor_seq = 1")
		}
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
			// Rebuilding digests (migration 0011) and deliveries (0013)
			// keeps every delivery with the digest it carried.
			var n int
			if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM deliveries d JOIN delivery_sections ds ON ds.delivery_id = d.id
				JOIN digests g ON g.id = ds.digest_id`).Scan(&n); err != nil || n != 1 {
				t.Errorf("from v%d: %d deliveries with their digest, %v; want 1", v, n, err)
			}
			// The subscription continues after the digest it was given,
			// from the time of that mail.
			sub, err := s.Subscription(ctx, "a@example.org", "t")
			if err != nil || sub.CursorSeq != 1 || sub.LastSentAt.IsZero() && v < 13 {
				t.Errorf("from v%d: subscription = %+v, %v; want cursor 1 and its last mail's time", v, sub, err)
			}
			if d, err := s.LastDigest(ctx, "t"); err != nil || d.ToSeq != 1 {
				t.Errorf("from v%d: last digest = %+v, %v", v, d, err)
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

func TestCreateDigestQueuesMails(t *testing.T) {
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
	due, _ := s.DueDeliveries(ctx, time.Now().Add(time.Minute), 10)
	if len(due) != 1 || string(due[0].Message) != "m" || due[0].Kind != model.KindDigest || fmt.Sprint(due[0].Topics) != "[t]" {
		t.Fatalf("due = %+v", due)
	}
	if err := s.MarkSent(ctx, due[0].ID, "250 ok"); err != nil {
		t.Fatal(err)
	}
	due, _ = s.DueDeliveries(ctx, time.Now().Add(time.Minute), 10)
	if len(due) != 0 {
		t.Fatalf("sent delivery still due: %+v", due)
	}
	if d, err := s.LastDigest(ctx, "t"); err != nil || d.ToSeq != 5 {
		t.Errorf("LastDigest = %+v, %v", d, err)
	}
}

// TestSubscriptionPages: the dispatcher reads unplaced and overdue
// subscriptions a page at a time, so that a list of any length is never in
// memory at once; every page holds at most the limit, in order, and the
// pages together hold each subscription once, whether or not the caller
// changed the ones it was given.
func TestSubscriptionPages(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	var keys []SubscriptionKey
	for i := range 5 {
		for _, topic := range []string{"u", "t"} {
			sub, err := s.Subscribe(ctx, model.Subscription{Email: fmt.Sprintf("r%d@example.org", i), TopicID: topic, Status: model.SubscriptionActive})
			if err != nil {
				t.Fatal(err)
			}
			keys = append(keys, KeyOf(sub))
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		return a.SubscriberID < b.SubscriberID || a.SubscriberID == b.SubscriberID && a.TopicID < b.TopicID
	})
	want := fmt.Sprint(keys)
	past := time.Now().Add(-time.Hour)
	for _, tc := range []struct {
		name  string
		page  func(after SubscriptionKey) ([]model.Subscription, error)
		place bool // place each page before reading the next
	}{
		{"unplaced", func(after SubscriptionKey) ([]model.Subscription, error) {
			return s.UnplacedSubscriptions(ctx, after, 3)
		}, false},
		{"unplaced, placing each page", func(after SubscriptionKey) ([]model.Subscription, error) {
			return s.UnplacedSubscriptions(ctx, after, 3)
		}, true},
		{"overdue", func(after SubscriptionKey) ([]model.Subscription, error) {
			return s.OverdueSubscriptions(ctx, time.Now(), after, 3)
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []SubscriptionKey
			var after SubscriptionKey
			for range 10 {
				page, err := tc.page(after)
				if err != nil {
					t.Fatal(err)
				}
				if len(page) > 3 {
					t.Fatalf("a page of %d, limit 3", len(page))
				}
				if len(page) == 0 {
					break
				}
				var ps []Placement
				for _, sub := range page {
					got = append(got, KeyOf(sub))
					ps = append(ps, Placement{SubscriberID: sub.SubscriberID, TopicID: sub.TopicID, CursorSeq: 0, NextAt: past})
				}
				if tc.place {
					if err := s.PlaceSubscriptions(ctx, ps); err != nil {
						t.Fatal(err)
					}
				}
				after = KeyOf(page[len(page)-1])
			}
			if fmt.Sprint(got) != want {
				t.Errorf("pages held\n%v\nwant\n%v", got, want)
			}
		})
	}
}

// TestRecordMailingsMovesEachSubscriptionOnce records mails the way the
// dispatcher does and checks that a mail is queued only with its
// subscriptions' cursors, once, and not for a subscription that moved or
// ended since it was planned.
func TestRecordMailingsMovesEachSubscriptionOnce(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	var subs []model.Subscription
	for i := range 4 {
		for _, topic := range []string{"t", "u"} {
			sub, err := s.Subscribe(ctx, model.Subscription{Email: fmt.Sprintf("r%d@example.org", i), TopicID: topic, Status: model.SubscriptionActive})
			if err != nil {
				t.Fatal(err)
			}
			if sub.CursorSeq != Unstarted || !sub.NextAt.IsZero() {
				t.Fatalf("new subscription placed already: %+v", sub)
			}
			if topic == "t" {
				subs = append(subs, sub)
			}
		}
	}
	next := time.Date(2026, 12, 6, 7, 0, 0, 0, time.UTC)
	var ps []Placement
	for _, sub := range subs {
		ps = append(ps, Placement{SubscriberID: sub.SubscriberID, TopicID: "t", CursorSeq: 3, NextAt: next})
		ps = append(ps, Placement{SubscriberID: sub.SubscriberID, TopicID: "u", CursorSeq: 1, NextAt: next})
	}
	if err := s.PlaceSubscriptions(ctx, ps); err != nil {
		t.Fatal(err)
	}
	if left, err := s.UnplacedSubscriptions(ctx, SubscriptionKey{}, 100); err != nil || len(left) != 0 {
		t.Fatalf("unplaced after placing = %+v, %v", left, err)
	}
	// Placing again does not move what is placed.
	if err := s.PlaceSubscriptions(ctx, []Placement{{SubscriberID: subs[0].SubscriberID, TopicID: "t", CursorSeq: 99, NextAt: next.Add(time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Subscription(ctx, subs[0].Email, "t"); got.CursorSeq != 3 || !got.NextAt.Equal(next) {
		t.Fatalf("placed subscription moved by a second placement: %+v", got)
	}
	section, err := s.AddDigest(ctx, model.Digest{TopicID: "t", FromSeq: 3, ToSeq: 8, ItemCount: 2})
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.AddDigest(ctx, model.Digest{TopicID: "u", FromSeq: 1, ToSeq: 2, ItemCount: 1})
	if err != nil {
		t.Fatal(err)
	}
	tomorrow := next.Add(24 * time.Hour)
	mailing := func(sub model.Subscription, body string, from int64) Mailing {
		return Mailing{SubscriberID: sub.SubscriberID,
			Delivery: &model.Delivery{Kind: model.KindDigest, Email: sub.Email, MessageID: "<" + body + "@x>", Message: []byte(body)},
			Moves: []Move{
				{TopicID: "t", DigestID: section.ID, FromSeq: from, ToSeq: 8, NextAt: tomorrow},
				{TopicID: "u", DigestID: other.ID, FromSeq: 1, ToSeq: 2, NextAt: tomorrow},
			}}
	}
	// Subscriber 2 leaves topic u after the mail was planned: the mail,
	// which carries u, is not queued; its t part waits for the next one.
	if _, err := s.Unsubscribe(ctx, subs[2].Email, "u"); err != nil {
		t.Fatal(err)
	}
	n, err := s.RecordMailings(ctx, []Mailing{
		mailing(subs[0], "m0", 3),
		mailing(subs[1], "m1", 3),
		mailing(subs[2], "m2", 3),
		// Subscriber 3 moves on with nothing to send.
		{SubscriberID: subs[3].SubscriberID, Moves: []Move{{TopicID: "t", FromSeq: 3, ToSeq: 8, NextAt: tomorrow}}},
	})
	if err != nil || n != 2 {
		t.Fatalf("RecordMailings = %d, %v; want 2 mails", n, err)
	}
	// A second dispatcher that planned from the same cursors records
	// nothing.
	if n, err := s.RecordMailings(ctx, []Mailing{mailing(subs[0], "again", 3)}); err != nil || n != 0 {
		t.Fatalf("second RecordMailings = %d, %v; want 0", n, err)
	}
	for i, want := range []struct {
		cursor int64
		next   time.Time
		sent   bool
	}{{8, tomorrow, true}, {8, tomorrow, true}, {3, next, false}, {8, tomorrow, false}} {
		got, err := s.Subscription(ctx, subs[i].Email, "t")
		if err != nil || got.CursorSeq != want.cursor || !got.NextAt.Equal(want.next) || got.LastSentAt.IsZero() == want.sent {
			t.Errorf("subscriber %d: %+v, %v; want cursor %d, next %v, sent %v", i, got, err, want.cursor, want.next, want.sent)
		}
	}
	due, err := s.DueDeliveries(ctx, time.Now().Add(time.Hour), 10)
	if err != nil || len(due) != 2 {
		t.Fatalf("outbox = %+v, %v", due, err)
	}
	for _, d := range due {
		if fmt.Sprint(d.Topics) != "[t u]" || (string(d.Message) != "m0" && string(d.Message) != "m1") {
			t.Errorf("queued %+v", d)
		}
	}
	// The sections are the archive of what went out.
	if d, err := s.LastDigest(ctx, "u"); err != nil || d.ID != other.ID {
		t.Errorf("LastDigest(u) = %+v, %v", d, err)
	}
}

func TestDueSubscriptions(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	now := time.Date(2026, 12, 5, 7, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	f, _ := s.AddFeed(ctx, model.Feed{URL: "https://a.example/feed"})
	var items []model.Item
	var matches [][]model.Match
	for i := range 3 {
		items = append(items, model.Item{Key: fmt.Sprint(i), Published: now, FetchedAt: now})
		matches = append(matches, []model.Match{{TopicID: "t", Score: float64(10 * (i + 1))}})
	}
	if _, err := s.SaveFetch(ctx, f, items, matches); err != nil {
		t.Fatal(err)
	}
	top, _ := s.TopicMaxSeq(ctx, "t")
	type setup struct {
		email    string
		sch      model.Schedule
		cursor   int64
		next     time.Time
		paused   time.Time
		alerts   int
		unplaced bool
		due      bool
	}
	instant := model.Schedule{Frequency: model.FrequencyInstant}
	daily := model.Schedule{Frequency: model.FrequencyDaily, DeliverAt: 7 * 60}
	cases := []setup{
		{email: "due@x.example", sch: daily, cursor: 0, next: now, due: true},
		{email: "later@x.example", sch: daily, cursor: 0, next: now.Add(time.Minute)},
		{email: "nothing-new-but-due@x.example", sch: daily, cursor: top, next: now.Add(-time.Hour), due: true},
		{email: "paused@x.example", sch: daily, cursor: 0, next: now, paused: now.Add(time.Hour)},
		{email: "pause-over@x.example", sch: daily, cursor: 0, next: now, paused: now, due: true},
		{email: "instant@x.example", sch: instant, cursor: top - 1, due: true},
		{email: "instant-read@x.example", sch: instant, cursor: top},
		{email: "instant-capped@x.example", sch: instant, cursor: 0, alerts: 2},
		{email: "instant-under-cap@x.example", sch: instant, cursor: 0, alerts: 1, due: true},
		{email: "unplaced@x.example", sch: instant, unplaced: true},
	}
	for _, c := range cases {
		sub, err := s.Subscribe(ctx, model.Subscription{Email: c.email, TopicID: "t", Status: model.SubscriptionActive, Schedule: c.sch})
		if err != nil {
			t.Fatal(err)
		}
		if c.unplaced {
			continue
		}
		// A pause unplaces the next time (the dispatcher then works out
		// the first after the pause), so it comes first here.
		if !c.paused.IsZero() {
			if err := s.SetSubscriber(ctx, c.email, SubscriberSettings{PausedUntil: &c.paused}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.PlaceSubscriptions(ctx, []Placement{{SubscriberID: sub.SubscriberID, TopicID: "t", CursorSeq: c.cursor, NextAt: c.next}}); err != nil {
			t.Fatal(err)
		}
		for i := range c.alerts {
			if _, err := s.db.ExecContext(ctx, `INSERT INTO deliveries (kind, subscriber_id, email, status, next_attempt_at, message_id, message, created_at)
				VALUES ('alert', ?, ?, 'sent', '', ?, x'', ?)`, sub.SubscriberID, c.email, fmt.Sprint(i), ts(now.Add(-time.Duration(30+i)*time.Minute))); err != nil {
				t.Fatal(err)
			}
		}
	}
	// An alert an hour and a half ago does not count against the cap.
	if _, err := s.db.ExecContext(ctx, `INSERT INTO deliveries (kind, subscriber_id, email, status, next_attempt_at, message_id, message, created_at)
		SELECT 'alert', id, email, 'sent', '', 'old', x'', ? FROM subscribers WHERE email = 'instant-under-cap@x.example'`, ts(now.Add(-90*time.Minute))); err != nil {
		t.Fatal(err)
	}
	var got []string
	var after int64
	for {
		// Two subscribers a chunk, to page through them.
		chunk, err := s.DueSubscriptions(ctx, now, 2, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(chunk) == 0 {
			break
		}
		for _, c := range chunk {
			got = append(got, c.Email)
		}
		after = chunk[len(chunk)-1].SubscriberID
	}
	var want []string
	for _, c := range cases {
		if c.due {
			want = append(want, c.email)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("due:\n got %v\nwant %v", got, want)
	}

	// The dispatch of every minute asks the same in two parts, through
	// indexes: alerts by subscriber, digests by time then subscriber.
	var alerts, digests, wantAlerts, wantDigests []string
	for _, c := range cases {
		switch {
		case c.due && c.sch.Frequency == model.FrequencyInstant:
			wantAlerts = append(wantAlerts, c.email)
		case c.due:
			wantDigests = append(wantDigests, c.email)
		}
	}
	// The one due an hour ago comes first.
	wantDigests = append([]string{"nothing-new-but-due@x.example"}, slices.DeleteFunc(wantDigests, func(e string) bool { return e == "nothing-new-but-due@x.example" })...)
	for after := int64(0); ; {
		chunk, err := s.DueAlerts(ctx, now, 2, after, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(chunk) == 0 {
			break
		}
		for _, c := range chunk {
			alerts = append(alerts, c.Email)
		}
		after = chunk[len(chunk)-1].SubscriberID
	}
	for after := (DigestKey{}); ; {
		chunk, err := s.DueDigests(ctx, now, after, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(chunk) == 0 {
			break
		}
		for _, c := range chunk {
			digests = append(digests, c.Email)
		}
		last := chunk[len(chunk)-1]
		after = DigestKey{NextAt: last.NextAt, SubscriberID: last.SubscriberID}
	}
	if fmt.Sprint(alerts) != fmt.Sprint(wantAlerts) {
		t.Errorf("due alerts:\n got %v\nwant %v", alerts, wantAlerts)
	}
	if fmt.Sprint(digests) != fmt.Sprint(wantDigests) {
		t.Errorf("due digests:\n got %v\nwant %v", digests, wantDigests)
	}
	if n, err := s.PendingMatches(ctx, "t", 1, 25); err != nil || n != 1 {
		t.Errorf("PendingMatches past 1 scoring 25 or more = %d, %v; want 1", n, err)
	}
	if q, err := s.StrongestScore(ctx, "t", 0, now); err != nil || q != 30 {
		t.Errorf("StrongestScore = %v, %v; want 30 (the upper quartile)", q, err)
	}
	if q, err := s.StrongestScore(ctx, "t", 12, now); err != nil || q != 12 {
		t.Errorf("StrongestScore with best_score 12 = %v, %v", q, err)
	}
}

// TestSubscriptionChanges: becoming active starts a subscription afresh, a
// new schedule or zone only makes its next time be worked out again, and
// nothing of it touches the cursor.
func TestSubscriptionChanges(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	sub, err := s.Subscribe(ctx, model.Subscription{Email: "a@example.org", TopicID: "t", Status: model.SubscriptionPending})
	if err != nil || sub.Frequency != model.FrequencyTopic || sub.CursorSeq != Unstarted {
		t.Fatalf("pending = %+v, %v", sub, err)
	}
	place := func(cursor int64, next time.Time) {
		t.Helper()
		if err := s.PlaceSubscriptions(ctx, []Placement{{SubscriberID: sub.SubscriberID, TopicID: "t", CursorSeq: cursor, NextAt: next}}); err != nil {
			t.Fatal(err)
		}
	}
	next := time.Date(2026, 12, 6, 7, 0, 0, 0, time.UTC)
	if _, err := s.Subscribe(ctx, model.Subscription{Email: "a@example.org", TopicID: "t", Status: model.SubscriptionActive}); err != nil {
		t.Fatal(err)
	}
	place(5, next)
	weekly := model.Schedule{Frequency: model.FrequencyWeekly, DeliverAt: 8*60 + 30, Weekday: time.Friday, BestOnly: true}
	if err := s.SetSchedule(ctx, "a@example.org", "t", weekly); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Subscription(ctx, "a@example.org", "t")
	if got.Schedule != weekly || got.CursorSeq != 5 || !got.NextAt.IsZero() {
		t.Errorf("after SetSchedule: %+v", got)
	}
	place(0, next)
	zone := "Europe/Berlin"
	if err := s.SetSubscriber(ctx, "a@example.org", SubscriberSettings{TimeZone: &zone}); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.Subscription(ctx, "a@example.org", "t"); got.TimeZone != zone || got.CursorSeq != 5 || !got.NextAt.IsZero() {
		t.Errorf("after a new zone: %+v", got)
	}
	// Confirming again (an old link) changes nothing of an active one.
	if got, _ = s.Subscribe(ctx, model.Subscription{Email: "a@example.org", TopicID: "t", Status: model.SubscriptionActive}); got.CursorSeq != 5 || got.Schedule != weekly {
		t.Errorf("re-confirmed: %+v", got)
	}
	// Leaving and coming back starts afresh, with the schedule kept.
	if _, err := s.Unsubscribe(ctx, "a@example.org", "t"); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.Subscribe(ctx, model.Subscription{Email: "a@example.org", TopicID: "t", Status: model.SubscriptionActive}); got.CursorSeq != Unstarted || got.Schedule != weekly {
		t.Errorf("back after leaving: %+v", got)
	}
	if err := s.SetSchedule(ctx, "b@example.org", "t", weekly); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetSchedule of an unknown address: %v", err)
	}
	key, err := s.RotateFeedKey(ctx, "a@example.org")
	if err != nil || len(key) != 24 {
		t.Fatalf("RotateFeedKey = %q, %v", key, err)
	}
	if sr, subs, err := s.Subscriber(ctx, "a@example.org"); err != nil || sr.FeedKey != key || !sr.Combine || len(subs) != 1 {
		t.Errorf("Subscriber = %+v, %+v, %v", sr, subs, err)
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
		if len(dl) != 1 || fmt.Sprint(dl[0].Topics) != "["+d.TopicID+"]" {
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
	// A mail carried item a's match.
	seq, _ := s.MaxMatchSeq(ctx)
	sub, _ := s.Subscribe(ctx, model.Subscription{Email: "a@example.org", TopicID: "t", Status: model.SubscriptionActive})
	if _, err := s.CreateDigest(ctx, NewDigest{Digest: model.Digest{TopicID: "t"}, FromSeq: 0, ToSeq: seq,
		Deliveries: []model.Delivery{{SubscriberID: sub.SubscriberID, Email: sub.Email, MessageID: "<a@x>", Message: []byte("a")}}}); err != nil {
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

// TestAddDigestSharesSections: subscriptions given the same range of a
// topic share its section; an empty range (a note) always gets its own.
func TestAddDigestSharesSections(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	add := func(from, to int64, best bool) int64 {
		t.Helper()
		d, err := s.AddDigest(ctx, model.Digest{TopicID: "t", FromSeq: from, ToSeq: to, BestOnly: best, Subject: "s"})
		if err != nil {
			t.Fatal(err)
		}
		return d.ID
	}
	first := add(0, 5, false)
	if again := add(0, 5, false); again != first {
		t.Errorf("same range: %d and %d", first, again)
	}
	if best := add(0, 5, true); best == first {
		t.Error("the strongest of a range share the section of all of it")
	}
	if other := add(0, 6, false); other == first {
		t.Error("a longer range shares the section")
	}
	if a, b := add(5, 5, false), add(5, 5, false); a == b {
		t.Error("two notes over one empty range share a section")
	}
	if _, err := s.SectionDigest(ctx, "t", 0, 5, false); err != nil {
		t.Error(err)
	}
	if _, err := s.SectionDigest(ctx, "t", 1, 5, false); !errors.Is(err, ErrNotFound) {
		t.Errorf("SectionDigest of an unknown range: %v", err)
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
