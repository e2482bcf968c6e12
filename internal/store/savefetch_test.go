package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/model"
)

// TestSaveFetchCounts: a long document with an entry listed twice and
// entries stored before stores each entry once, with its own matches, and
// the search index holds every stored item once.
func TestSaveFetchCounts(t *testing.T) {
	const saveChunk = 200
	ctx := context.Background()
	s := mustOpen(t)
	f, err := s.AddFeed(ctx, model.Feed{URL: "https://a.example/feed"})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	item := func(k int) model.Item {
		return model.Item{Key: fmt.Sprintf("k%d", k), Title: fmt.Sprintf("Story %d", k), Published: at, FetchedAt: at}
	}
	if _, err := s.SaveFetch(ctx, f, []model.Item{item(0), item(1)}, nil); err != nil {
		t.Fatal(err)
	}
	var items []model.Item
	var matches [][]model.Match
	for k := range saveChunk + 50 {
		items = append(items, item(k))
		matches = append(matches, []model.Match{{TopicID: "t", Score: 1}})
	}
	items = append(items, item(7)) // listed twice
	matches = append(matches, []model.Match{{TopicID: "u", Score: 1}})
	res, err := s.SaveFetch(ctx, f, items, matches)
	if err != nil {
		t.Fatal(err)
	}
	if res.NewItems != saveChunk+48 || res.SeenItems != 3 || res.NewMatches != saveChunk+48 || res.ByTopic["t"] != saveChunk+48 || res.ByTopic["u"] != 0 {
		t.Errorf("SaveFetch = %+v", res)
	}
	got, err := s.MatchedItems(ctx, "t", 0, 1<<62)
	if err != nil || len(got) != saveChunk+48 {
		t.Fatalf("MatchedItems = %d, %v", len(got), err)
	}
	for _, m := range got {
		if m.Item.Title != "Story "+m.Item.Key[1:] {
			t.Fatalf("match of item %q points at %q", m.Item.Key, m.Item.Title)
		}
	}
	if hits, _ := s.Search(ctx, "story", 1000); len(hits) != saveChunk+50 {
		t.Errorf("search index holds %d items, want %d", len(hits), saveChunk+50)
	}
}

// TestSaveFetchesSearchIndex: SaveFetches indexes a batch's new items after
// its other writes (items.go); every item of every feed in the batch must be
// found by a word of its own summary text, and by nothing of another's.
func TestSaveFetchesSearchIndex(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	at := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	var batch []Fetch
	for f := range 3 {
		feed, err := s.AddFeed(ctx, model.Feed{URL: fmt.Sprintf("https://%d.example/feed", f)})
		if err != nil {
			t.Fatal(err)
		}
		var items []model.Item
		for k := range 4 {
			word := fmt.Sprintf("zeta%dx%d", f, k)
			it := model.Item{Key: word, Title: "Story " + word, Published: at, FetchedAt: at,
				Summary: "<p>About <b>" + word + "</b></p>"}
			if k%2 == 0 {
				it.SummaryText = "About " + word // as normalize gives it
			}
			items = append(items, it)
		}
		batch = append(batch, Fetch{Feed: feed, Items: items})
	}
	if _, err := s.SaveFetches(ctx, batch); err != nil {
		t.Fatal(err)
	}
	for _, f := range batch {
		for _, it := range f.Items {
			hits, err := s.Search(ctx, "about "+it.Key, 10)
			if err != nil || len(hits) != 1 || hits[0].FeedID != f.Feed.ID || hits[0].Title != "Story "+MarkStart+it.Key+MarkEnd {
				t.Errorf("search %q = %+v, %v; want the one item of feed %d", it.Key, hits, err, f.Feed.ID)
			}
		}
	}
	if hits, _ := s.Search(ctx, "about", 100); len(hits) != 12 {
		t.Errorf("search index holds %d items, want 12", len(hits))
	}
	var automerge int
	if err := s.db.QueryRowContext(ctx, "SELECT v FROM items_fts_config WHERE k = 'automerge'").Scan(&automerge); err != nil || automerge != 8 {
		t.Errorf("automerge = %d, %v; want 8 (migration 0006)", automerge, err)
	}
}
