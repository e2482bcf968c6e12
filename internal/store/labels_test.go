package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/model"
)

// labelFixture is a store with one feed, three matched items of topic "t"
// and two subscribers; a digest covering the first two items was sent to
// a@ and queued for b@.
type labelFixture struct {
	s     *Store
	items []int64
	subA  int64
	subB  int64
}

func newLabelFixture(t *testing.T) labelFixture {
	t.Helper()
	ctx := context.Background()
	s := mustOpen(t)
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	f, err := s.AddFeed(ctx, model.Feed{URL: "https://a.example/feed"})
	if err != nil {
		t.Fatal(err)
	}
	var items []model.Item
	var matches [][]model.Match
	for i, title := range []string{"Kremlin spokesman on talks", "Embassy row", "Later story"} {
		items = append(items, model.Item{Key: title, Title: title, Link: "https://news.example/" + string(rune('a'+i)) + "?utm_source=x",
			CanonicalLink: "https://news.example/" + string(rune('a'+i)), Summary: "<p>text</p>", Published: now, FetchedAt: now})
		matches = append(matches, []model.Match{{TopicID: "t", Score: 4, Terms: []string{"spokes*"}, Words: []string{"spokesman"}}})
	}
	if _, err := s.SaveFetch(ctx, f, items, matches); err != nil {
		t.Fatal(err)
	}
	stored, err := s.MatchedItems(ctx, "t", 0, 100)
	if err != nil || len(stored) != 3 {
		t.Fatalf("MatchedItems = %d, %v", len(stored), err)
	}
	fx := labelFixture{s: s}
	for _, mi := range stored {
		fx.items = append(fx.items, mi.Item.ID)
		if !slices.Equal(mi.Match.Words, []string{"spokesman"}) {
			t.Errorf("stored words = %q", mi.Match.Words)
		}
	}
	for _, email := range []string{"a@example.org", "b@example.org"} {
		sub, err := s.Subscribe(ctx, model.Subscription{Email: email, TopicID: "t", Status: model.SubscriptionActive})
		if err != nil {
			t.Fatal(err)
		}
		if email[0] == 'a' {
			fx.subA = sub.SubscriberID
		} else {
			fx.subB = sub.SubscriberID
		}
	}
	d, err := s.CreateDigest(ctx, NewDigest{Digest: model.Digest{TopicID: "t", PeriodStart: now.Add(-time.Hour), PeriodEnd: now},
		FromSeq: 0, ToSeq: 2, Deliveries: []model.Delivery{
			{SubscriberID: fx.subA, Email: "a@example.org", MessageID: "<a@x>", Message: []byte("m")},
			{SubscriberID: fx.subB, Email: "b@example.org", MessageID: "<b@x>", Message: []byte("m")},
		}})
	if err != nil {
		t.Fatal(err)
	}
	due, err := s.DueDeliveries(ctx, now.Add(time.Hour), 10)
	if err != nil || len(due) != 2 {
		t.Fatalf("due = %v, %v", due, err)
	}
	for _, dl := range due {
		if dl.Email == "a@example.org" {
			if err := s.MarkSent(ctx, dl.ID, "250 ok"); err != nil {
				t.Fatal(err)
			}
		}
	}
	_ = d
	return fx
}

func TestReceived(t *testing.T) {
	fx := newLabelFixture(t)
	ctx := context.Background()
	tests := []struct {
		email, topic string
		item         int
		want         bool
	}{
		{"a@example.org", "t", 0, true},  // sent
		{"A@Example.org", "t", 1, true},  // addresses compare without case
		{"b@example.org", "t", 1, true},  // queued
		{"a@example.org", "t", 2, false}, // matched after the digest
		{"a@example.org", "u", 0, false}, // another topic
		{"c@example.org", "t", 0, false}, // not a subscriber
	}
	for _, tt := range tests {
		got, err := fx.s.Received(ctx, tt.email, tt.topic, fx.items[tt.item])
		if err != nil || got != tt.want {
			t.Errorf("Received(%s, %s, item %d) = %v, %v; want %v", tt.email, tt.topic, tt.item, got, err, tt.want)
		}
	}
	// A failed delivery was not received.
	if _, err := fx.s.db.Exec(`UPDATE deliveries SET status = 'failed' WHERE email = 'b@example.org'`); err != nil {
		t.Fatal(err)
	}
	if got, _ := fx.s.Received(ctx, "b@example.org", "t", fx.items[1]); got {
		t.Error("a failed delivery counts as received")
	}
}

func TestReaderJudgments(t *testing.T) {
	fx := newLabelFixture(t)
	ctx := context.Background()
	s := fx.s
	j := ReaderJudgment{TopicID: "t", ItemID: fx.items[0], Relevant: false, Reader: "hash-a", SubscriberID: fx.subA, DailyCap: 2}
	if existed, err := s.JudgeAsReader(ctx, j); err != nil || existed {
		t.Fatalf("first judgment = %v, %v", existed, err)
	}
	// One judgment per reader and item: clicking again changes nothing.
	if existed, err := s.JudgeAsReader(ctx, j); err != nil || !existed {
		t.Fatalf("repeat = %v, %v", existed, err)
	}
	jb := j
	jb.Reader, jb.SubscriberID = "hash-b", fx.subB
	if _, err := s.JudgeAsReader(ctx, jb); err != nil {
		t.Fatal(err)
	}
	labels, err := s.Labels(ctx, "t")
	if err != nil || len(labels) != 1 {
		t.Fatalf("labels = %+v, %v", labels, err)
	}
	l := labels[0]
	if l.ReadersNot != 2 || l.ReadersYes != 0 || l.Title != "Kremlin spokesman on talks" || l.Key != ItemKey(fx.items[0]) {
		t.Errorf("label = %+v", l)
	}
	if rel, decided, src := l.Verdict(); rel || !decided || src != SourceReader {
		t.Errorf("verdict = %v %v %s", rel, decided, src)
	}
	// The editor overrules the readers.
	if err := s.JudgeAsEditor(ctx, l.ID, true, "it is about talks"); err != nil {
		t.Fatal(err)
	}
	labels, _ = s.Labels(ctx, "t")
	if rel, _, src := labels[0].Verdict(); !rel || src != SourceEditor {
		t.Errorf("after the editor: %v %s", rel, src)
	}
	// ... and changes their mind.
	if err := s.JudgeAsEditor(ctx, l.ID, false, ""); err != nil {
		t.Fatal(err)
	}
	labels, _ = s.Labels(ctx, "t")
	if rel, _, _ := labels[0].Verdict(); rel || len(labels[0].Judgments) != 3 {
		t.Errorf("second editor verdict: %v, %d judgments", rel, len(labels[0].Judgments))
	}

	// The daily cap counts judgments and reports together.
	j2 := j
	j2.ItemID = fx.items[1]
	if _, err := s.JudgeAsReader(ctx, j2); err != nil {
		t.Fatal(err)
	}
	j3 := j
	j3.ItemID = fx.items[2]
	if _, err := s.JudgeAsReader(ctx, j3); !errors.Is(err, ErrDailyCap) {
		t.Errorf("third judgment in a day = %v, want ErrDailyCap", err)
	}
	if _, err := s.ReportMissed(ctx, MissedReport{TopicID: "t", URL: "https://x.example/", Reader: "hash-a"}, 2); !errors.Is(err, ErrDailyCap) {
		t.Errorf("report over the cap = %v", err)
	}
	s.Now = func() time.Time { return time.Date(2026, 11, 21, 12, 0, 1, 0, time.UTC) }
	if _, err := s.JudgeAsReader(ctx, j3); err != nil {
		t.Errorf("next day: %v", err)
	}

	// Taking a judgment back.
	if v, err := s.ReaderVerdict(ctx, "t", fx.items[1], "hash-a"); err != nil || v.Relevant {
		t.Fatalf("ReaderVerdict = %+v, %v", v, err)
	}
	if ok, err := s.WithdrawJudgment(ctx, "t", fx.items[1], "hash-a"); err != nil || !ok {
		t.Fatalf("withdraw = %v, %v", ok, err)
	}
	if _, err := s.ReaderVerdict(ctx, "t", fx.items[1], "hash-a"); !errors.Is(err, ErrNotFound) {
		t.Errorf("after withdrawing: %v", err)
	}
	if ok, _ := s.WithdrawJudgment(ctx, "t", fx.items[1], "hash-a"); ok {
		t.Error("withdrew twice")
	}
	if _, err := s.JudgeAsReader(ctx, ReaderJudgment{TopicID: "t", ItemID: 99999, Reader: "h"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("judging a missing item = %v", err)
	}
}

// TestEraseLeavesNoReader: erasing a subscriber keeps their judgments and
// reports but no trace of who made them.
func TestEraseLeavesNoReader(t *testing.T) {
	fx := newLabelFixture(t)
	ctx := context.Background()
	s := fx.s
	const hash = "9f2c-reader-hash-of-a"
	if _, err := s.JudgeAsReader(ctx, ReaderJudgment{TopicID: "t", ItemID: fx.items[0], Reader: hash, SubscriberID: fx.subA}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReportMissed(ctx, MissedReport{TopicID: "t", URL: "https://news.example/b?utm_medium=mail", Note: "this one", Reader: hash, SubscriberID: fx.subA}, 10); err != nil {
		t.Fatal(err)
	}
	if _, err := s.JudgeAsReader(ctx, ReaderJudgment{TopicID: "t", ItemID: fx.items[0], Reader: "hash-b", SubscriberID: fx.subB}); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveSubscriber(ctx, "a@example.org"); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"labelled_items", "judgments", "missed_reports"} {
		dump := dumpTable(t, s, table)
		for _, trace := range []string{"a@example.org", hash} {
			if strings.Contains(dump, trace) {
				t.Errorf("%s still holds %q after erasure:\n%s", table, trace, dump)
			}
		}
	}
	labels, err := s.Labels(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	// Both items keep their judgments: a's "not about" and "missed", b's.
	var not, yes int
	for _, l := range labels {
		not += l.ReadersNot
		yes += l.ReadersYes
	}
	if not != 2 || yes != 1 {
		t.Errorf("after erasure %d not / %d yes judgments, want 2 / 1", not, yes)
	}
	if v, err := s.ReaderVerdict(ctx, "t", fx.items[0], "hash-b"); err != nil || v.Relevant {
		t.Errorf("the other reader's judgment: %+v, %v", v, err)
	}
}

func dumpTable(t *testing.T, s *Store, table string) string {
	t.Helper()
	rows, err := s.db.Query("SELECT * FROM " + table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			fmt.Fprintf(&b, "%s=%v ", cols[i], v)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestReportMissed(t *testing.T) {
	fx := newLabelFixture(t)
	ctx := context.Background()
	s := fx.s
	// Tracking parameters and a fragment do not hide a stored item.
	r, err := s.ReportMissed(ctx, MissedReport{TopicID: "t", URL: " https://news.example/c?utm_campaign=z#top ", Note: "why not?", Reader: "hash-a", SubscriberID: fx.subA}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if r.ItemID != fx.items[2] {
		t.Errorf("found item %d, want %d", r.ItemID, fx.items[2])
	}
	anon, err := s.ReportMissed(ctx, MissedReport{TopicID: "t", URL: "https://elsewhere.example/story"}, 10)
	if err != nil || anon.ItemID != 0 {
		t.Fatalf("anonymous report = %+v, %v", anon, err)
	}
	reports, err := s.MissedReports(ctx, "t", 10)
	if err != nil || len(reports) != 2 {
		t.Fatalf("reports = %+v, %v", reports, err)
	}
	if reports[0].ID != anon.ID || reports[1].Item.Title != "Later story" || reports[1].Note != "why not?" {
		t.Errorf("reports = %+v", reports)
	}
	// The reader's report of a stored item is their "relevant" label; the
	// anonymous one makes none.
	labels, _ := s.Labels(ctx, "t")
	if len(labels) != 1 || labels[0].ReadersYes != 1 || labels[0].ItemID != fx.items[2] {
		t.Errorf("labels after reports = %+v", labels)
	}
	if err := s.ResolveMissedReport(ctx, anon.ID); err != nil {
		t.Fatal(err)
	}
	reports, _ = s.MissedReports(ctx, "t", 10)
	if reports[0].ID != r.ID || reports[1].ResolvedAt.IsZero() {
		t.Errorf("resolved report not listed last: %+v", reports)
	}
	if err := s.ResolveMissedReport(ctx, anon.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("resolving twice = %v", err)
	}
	// An editor confirms the anonymous one's item by labelling it.
	lid, err := s.LabelItemAsEditor(ctx, "t", fx.items[1], true, "confirmed")
	if err != nil || lid == 0 {
		t.Fatal(err)
	}
}

func TestImportLabelsAndPrunedItems(t *testing.T) {
	fx := newLabelFixture(t)
	ctx := context.Background()
	s := fx.s
	file := []ImportedLabel{
		{Key: "x001", Title: "Rubio and Lavrov speak", Relevant: true, Note: "call"},
		{Key: "x002", Title: "Moscow, Idaho", Relevant: false},
	}
	if n, err := s.ImportLabels(ctx, "t", file); err != nil || n != 2 {
		t.Fatalf("import = %d, %v", n, err)
	}
	// Importing the same file again changes nothing; a changed verdict counts.
	file[1].Relevant = true
	if n, err := s.ImportLabels(ctx, "t", file); err != nil || n != 1 {
		t.Fatalf("re-import = %d, %v", n, err)
	}
	if _, err := s.ImportLabels(ctx, "t", []ImportedLabel{{Key: " "}}); err == nil {
		t.Error("an item without id was imported")
	}
	if _, err := s.JudgeAsReader(ctx, ReaderJudgment{TopicID: "t", ItemID: fx.items[0], Reader: "h"}); err != nil {
		t.Fatal(err)
	}
	// Retention prunes the stored item; its label keeps the text.
	if _, err := s.PruneItems(ctx, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), 10); err != nil {
		t.Fatal(err)
	}
	labels, err := s.Labels(ctx, "")
	if err != nil || len(labels) != 3 {
		t.Fatalf("labels = %+v, %v", labels, err)
	}
	for _, l := range labels {
		if l.Key == ItemKey(fx.items[0]) && (l.ItemID != 0 || l.Title != "Kremlin spokesman on talks") {
			t.Errorf("pruned item's label = %+v", l)
		}
		if l.Key == "x002" {
			if rel, _, src := l.Verdict(); !rel || src != SourceImport {
				t.Errorf("imported verdict = %v %s", rel, src)
			}
		}
	}
	if err := s.DeleteLabel(ctx, labels[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteLabel(ctx, labels[0].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("delete twice = %v", err)
	}
}
