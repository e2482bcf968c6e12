package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/model"
)

// TestSaveFetchInChunks: SaveFetch inserts items with multi-row statements
// (items.go); a document longer than one chunk, with an entry listed twice
// and entries stored before, must come out as item-by-item saving did.
func TestSaveFetchInChunks(t *testing.T) {
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
