package store

import (
	"context"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/model"
)

func TestWebQueries(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	day := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
	clock := day.Add(9 * time.Hour)
	s.Now = func() time.Time { return clock }

	f, err := s.AddFeed(ctx, model.Feed{URL: "https://a.example/feed"})
	if err != nil {
		t.Fatal(err)
	}
	save := func(key string, topics ...string) {
		t.Helper()
		var ms []model.Match
		for _, tp := range topics {
			ms = append(ms, model.Match{TopicID: tp, Score: 1})
		}
		if _, err := s.SaveFetch(ctx, f, []model.Item{{Key: key, Title: key, Published: clock, FetchedAt: clock}}, [][]model.Match{ms}); err != nil {
			t.Fatal(err)
		}
	}
	save("a", "go", "rust")
	save("b", "go")
	clock = day.Add(24*time.Hour + time.Hour)
	save("c", "go")

	if n, err := s.ItemCount(ctx); err != nil || n != 3 {
		t.Errorf("ItemCount = %d, %v", n, err)
	}
	got, err := s.DailyMatches(ctx, day)
	if err != nil {
		t.Fatal(err)
	}
	want := []TopicDay{{"go", day, 2}, {"go", day.AddDate(0, 0, 1), 1}, {"rust", day, 1}}
	if len(got) != len(want) {
		t.Fatalf("DailyMatches = %+v", got)
	}
	for i := range want {
		if got[i].TopicID != want[i].TopicID || !got[i].Day.Equal(want[i].Day) || got[i].Matches != want[i].Matches {
			t.Errorf("DailyMatches[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	if got, _ := s.DailyMatches(ctx, day.AddDate(0, 0, 1)); len(got) != 1 {
		t.Errorf("DailyMatches since day 2 = %+v", got)
	}

	if c, err := s.DeliveryCounts(ctx); err != nil || len(c) != 0 {
		t.Errorf("DeliveryCounts on empty outbox = %v, %v", c, err)
	}
	sub, _ := s.Subscribe(ctx, model.Subscription{Email: "a@example.org", TopicID: "go", Status: model.SubscriptionActive})
	var ids []int64
	for i := 0; i < 5; i++ {
		d, err := s.CreateDigest(ctx, NewDigest{Digest: model.Digest{TopicID: "go", HTML: "<p>x</p>"}, FromSeq: int64(i), ToSeq: int64(i + 1),
			Deliveries: []model.Delivery{{SubscriberID: sub.SubscriberID, Email: sub.Email, MessageID: "<m>", Message: []byte("m")}}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, d.ID)
	}
	dl, _ := s.Deliveries(ctx, "queued", 1)
	if err := s.MarkSent(ctx, dl[0].ID, "250 ok"); err != nil {
		t.Fatal(err)
	}
	if c, err := s.DeliveryCounts(ctx); err != nil || c["queued"] != 4 || c["sent"] != 1 {
		t.Errorf("DeliveryCounts = %v, %v", c, err)
	}

	page, err := s.DigestsBefore(ctx, 0, 2)
	if err != nil || len(page) != 2 || page[0].ID != ids[4] || page[1].ID != ids[3] || page[0].HTML != "" {
		t.Fatalf("first page = %+v, %v", page, err)
	}
	page, err = s.DigestsBefore(ctx, page[1].ID, 10)
	if err != nil || len(page) != 3 || page[0].ID != ids[2] || page[2].ID != ids[0] {
		t.Fatalf("second page = %+v, %v", page, err)
	}
}
