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

// TestFeedItemCounts: each feed's stored count (migration 0008) stays equal
// to its items through new, repeated and failed saves, pruning and a
// removed feed.
func TestFeedItemCounts(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	old := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	recent := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	var feeds []model.Feed
	for i := range 3 {
		f, err := s.AddFeed(ctx, model.Feed{URL: fmt.Sprintf("https://%d.example/feed", i)})
		if err != nil {
			t.Fatal(err)
		}
		feeds = append(feeds, f)
	}
	items := func(from, to int, at time.Time) []model.Item {
		var out []model.Item
		for k := from; k < to; k++ {
			out = append(out, model.Item{Key: fmt.Sprintf("k%d", k), Title: "t", Published: at, FetchedAt: at})
		}
		return out
	}
	check := func(step string) {
		t.Helper()
		got, err := s.Feeds(ctx)
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, f := range got {
			var n int
			s.db.QueryRowContext(ctx, "SELECT count(*) FROM items WHERE feed_id = ?", f.ID).Scan(&n)
			if f.ItemCount != n {
				t.Errorf("%s: feed %s counts %d items, has %d", step, f.URL, f.ItemCount, n)
			}
			total += n
		}
		if n, err := s.ItemCount(ctx); err != nil || n != total {
			t.Errorf("%s: ItemCount = %d, %v; want %d", step, n, err, total)
		}
		if c, err := s.Count(ctx); err != nil || c.Items != total {
			t.Errorf("%s: Count().Items = %d, %v; want %d", step, c.Items, err, total)
		}
	}
	if _, err := s.SaveFetches(ctx, []Fetch{
		{Feed: feeds[0], Items: items(0, 10, old)},
		{Feed: feeds[1], Items: append(items(0, 5, old), items(5, 9, recent)...)},
	}); err != nil {
		t.Fatal(err)
	}
	check("first save")
	// Seen again, plus two new and one listed twice.
	if _, err := s.SaveFetch(ctx, feeds[0], append(items(8, 12, recent), items(11, 12, recent)...), nil); err != nil {
		t.Fatal(err)
	}
	check("second save")
	// A batch that fails stores nothing and counts nothing.
	bad := []Fetch{{Feed: feeds[2], Items: items(0, 4, recent)}, {Feed: feeds[1], Items: items(20, 22, recent), Matches: [][]model.Match{nil}}}
	if _, err := s.SaveFetches(ctx, bad); err == nil {
		t.Fatal("SaveFetches with a short match list: no error")
	}
	check("failed save")
	if n, err := s.PruneItems(ctx, recent.Add(-time.Hour), 3); err != nil || n != 15 {
		t.Fatalf("PruneItems = %d, %v; want 15", n, err)
	}
	check("prune")
	if err := s.RemoveFeed(ctx, feeds[1].URL); err != nil {
		t.Fatal(err)
	}
	check("remove")
	got, _ := s.Feeds(ctx)
	if len(got) != 2 || got[0].ItemCount != 2 || got[1].ItemCount != 0 {
		t.Errorf("after all steps: %+v", got)
	}
	// Counts a writer without them left wrong are set right again.
	if n, err := s.RecountItems(ctx); err != nil || n != 0 {
		t.Errorf("RecountItems of right counts = %d, %v", n, err)
	}
	s.db.ExecContext(ctx, "UPDATE feeds SET item_count = -5")
	if n, err := s.RecountItems(ctx); err != nil || n != 2 {
		t.Errorf("RecountItems = %d, %v; want 2 corrected", n, err)
	}
	check("recount")
}
