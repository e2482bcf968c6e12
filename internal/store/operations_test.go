package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/model"
)

// TestOperationsMigration: the feeds table rebuilt by migration 0013 keeps
// the item count trigger, and takes the origins of feeds added on the web
// and through the API, and no others.
func TestOperationsMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "feedwatch.db")
	// The version before the operations migration, which is the latest.
	before := LatestVersion() - 1
	old, err := OpenAt(ctx, path, before)
	if err != nil {
		t.Fatal(err)
	}
	seedAt(t, old, before)
	old.Close()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.db.ExecContext(ctx, "DELETE FROM items WHERE key = 'guid:1'"); err != nil {
		t.Fatal(err)
	}
	if f, _ := s.FeedByURL(ctx, "https://a.example/feed"); f.ItemCount != 0 {
		t.Errorf("item count after a delete = %d: the trigger is gone", f.ItemCount)
	}
	for _, origin := range []string{"web", "api"} {
		if f, err := s.AddFeed(ctx, model.Feed{URL: "https://" + origin + ".example/feed", Origin: origin}); err != nil || f.Origin != origin {
			t.Errorf("origin %s: %+v, %v", origin, f, err)
		}
	}
	if _, err := s.AddFeed(ctx, model.Feed{URL: "https://x.example/feed", Origin: "elsewhere"}); err == nil {
		t.Error("an unknown origin was stored")
	}
}

func TestAPIKeysStore(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	if _, err := s.AddAPIKey(ctx, "a", "h1", true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddAPIKey(ctx, "a", "h2", false); !errors.Is(err, ErrExists) {
		t.Errorf("same name = %v", err)
	}
	k, err := s.APIKeyByHash(ctx, "h1")
	if err != nil || !k.ReadOnly || !k.LastUsedAt.Equal(now) {
		t.Errorf("by hash = %+v, %v", k, err)
	}
	if err := s.RevokeAPIKey(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.APIKeyByHash(ctx, "h1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoked = %v", err)
	}
	if _, err := s.AddAPIKey(ctx, "a", "h3", false); !errors.Is(err, ErrExists) {
		t.Errorf("a revoked key's name is reused: %v", err)
	}
}

func TestPollsKeepTheLatest(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	f, _ := s.AddFeed(ctx, model.Feed{URL: "https://a.example/feed"})
	g, _ := s.AddFeed(ctx, model.Feed{URL: "https://b.example/feed"})
	t0 := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	for i := range pollsKept + 5 {
		if err := s.RecordPolls(ctx, []Poll{{FeedID: f.ID, At: t0.Add(time.Duration(i) * time.Minute), Outcome: "ok", New: i}, {FeedID: g.ID, At: t0, Outcome: "failed", Error: "boom"}}); err != nil {
			t.Fatal(err)
		}
	}
	polls, _ := s.Polls(ctx, f.ID)
	if len(polls) != pollsKept || polls[0].New != pollsKept+4 || polls[len(polls)-1].New != 5 {
		t.Errorf("%d polls kept, newest %+v", len(polls), polls[0])
	}
	// A poll of a feed removed meanwhile is dropped, not an error.
	if err := s.RecordPolls(ctx, []Poll{{FeedID: 999, At: t0, Outcome: "ok"}}); err != nil {
		t.Errorf("poll of a removed feed: %v", err)
	}
	if err := s.RemoveFeed(ctx, g.URL); err != nil {
		t.Fatal(err)
	}
	if polls, _ := s.Polls(ctx, g.ID); len(polls) != 0 {
		t.Errorf("a removed feed keeps %d polls", len(polls))
	}
}

func TestItemsPage(t *testing.T) {
	s := mustOpen(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	f, _ := s.AddFeed(ctx, model.Feed{URL: "https://a.example/feed"})
	g, _ := s.AddFeed(ctx, model.Feed{URL: "https://b.example/feed"})
	for i := range 6 {
		feed := f
		if i%2 == 1 {
			feed = g
		}
		s.Now = func() time.Time { return t0.Add(time.Duration(i) * time.Hour) }
		it := model.Item{Key: fmt.Sprint(i), Title: fmt.Sprint("item ", i), Published: t0, FetchedAt: t0.Add(time.Duration(i) * time.Hour)}
		var ms [][]model.Match
		if i%3 == 0 {
			ms = [][]model.Match{{{TopicID: "t", Score: 1, MatchedAt: it.FetchedAt}}}
		}
		if _, err := s.SaveFetch(ctx, feed, []model.Item{it}, ms); err != nil {
			t.Fatal(err)
		}
	}
	titles := func(f ItemFilter) []string {
		items, err := s.ItemsPage(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, it := range items {
			out = append(out, it.Title)
		}
		return out
	}
	yes, no := true, false
	for _, tc := range []struct {
		f    ItemFilter
		want string
	}{
		{ItemFilter{Limit: 10}, "[item 5 item 4 item 3 item 2 item 1 item 0]"},
		{ItemFilter{Limit: 2}, "[item 5 item 4]"},
		{ItemFilter{Limit: 2, Before: 5}, "[item 3 item 2]"},
		{ItemFilter{FeedID: g.ID, Limit: 10}, "[item 5 item 3 item 1]"},
		{ItemFilter{TopicID: "t", Limit: 10}, "[item 3 item 0]"},
		{ItemFilter{Matched: &yes, Limit: 10}, "[item 3 item 0]"},
		{ItemFilter{Matched: &no, FeedID: f.ID, Limit: 10}, "[item 4 item 2]"},
		{ItemFilter{Since: t0.Add(3 * time.Hour), Limit: 10}, "[item 5 item 4 item 3]"},
		{ItemFilter{Since: t0.Add(9 * time.Hour), Limit: 10}, "[]"},
	} {
		if got := fmt.Sprint(titles(tc.f)); got != tc.want {
			t.Errorf("%+v = %s, want %s", tc.f, got, tc.want)
		}
	}
	items, _ := s.ItemsPage(ctx, ItemFilter{TopicID: "t", Limit: 1})
	if len(items) != 1 || fmt.Sprint(items[0].Topics) != "[t]" {
		t.Errorf("topics of a matched item = %+v", items)
	}
}
