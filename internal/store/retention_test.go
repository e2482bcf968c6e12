package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/model"
)

// simulateDay stores one day of polling: perFeed new items for each feed,
// one fetch per feed, about one item in ten matched, then prunes what is
// older than keep, as the daemon does. bench/growth -retention runs the
// same at full scale.
func simulateDay(tb testing.TB, s *Store, feeds []model.Feed, day time.Time, perFeed int, keep time.Duration, r *rand.Rand) {
	tb.Helper()
	ctx := context.Background()
	s.Now = func() time.Time { return day }
	for _, f := range feeds {
		items := make([]model.Item, perFeed)
		matches := make([][]model.Match, perFeed)
		for j := range items {
			at := day.Add(time.Duration(j) * 24 * time.Hour / time.Duration(perFeed))
			items[j] = model.Item{
				Key: fmt.Sprintf("%s/%d", day.Format("20060102"), j), Title: fmt.Sprintf("Story %d of %s", j, day.Format(time.DateOnly)),
				Summary: "<p>" + strings.Repeat("Officials said the talks would continue. ", 8+r.IntN(8)) + "</p>",
				Link:    fmt.Sprintf("https://news.example/%d/%s/%d", f.ID, day.Format("20060102"), j), Published: at, FetchedAt: at,
			}
			if r.IntN(10) == 0 {
				matches[j] = []model.Match{{TopicID: "us-russia", Score: 2, Terms: []string{"talks"}}}
			}
		}
		if _, err := s.SaveFetch(ctx, f, items, matches); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := s.PruneItems(ctx, day.Add(-keep), 500); err != nil {
		tb.Fatal(err)
	}
}

func pragmaInt(tb testing.TB, s *Store, name string) int {
	tb.Helper()
	var n int
	if err := s.db.QueryRow("PRAGMA " + name).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// TestRetentionKeepsSizeFlat simulates two months of polling with a 15-day
// retention: once the first 15 days are in, the database must stop
// growing, because pruning deletes a day for every day stored and the
// incremental vacuum returns the freed pages.
func TestRetentionKeepsSizeFlat(t *testing.T) {
	s := mustOpen(t)
	if mode := pragmaInt(t, s, "auto_vacuum"); mode != 2 {
		t.Fatalf("new database: auto_vacuum = %d, want 2 (incremental)", mode)
	}
	ctx := context.Background()
	var feeds []model.Feed
	for i := range 4 {
		f, err := s.AddFeed(ctx, model.Feed{URL: fmt.Sprintf("https://news%d.example/feed", i)})
		if err != nil {
			t.Fatal(err)
		}
		feeds = append(feeds, f)
	}
	const keep, days, perFeed = 15 * 24 * time.Hour, 60, 12
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := rand.New(rand.NewPCG(1, 2))
	pages := make([]int, days)
	for d := range days {
		simulateDay(t, s, feeds, start.AddDate(0, 0, d), perFeed, keep, r)
		pages[d] = pragmaInt(t, s, "page_count")
		if free := pragmaInt(t, s, "freelist_count"); d > 15 && free != 0 {
			t.Fatalf("day %d: %d free pages left after pruning", d, free)
		}
	}
	c, _ := s.Count(ctx)
	if c.Items > 16*len(feeds)*perFeed {
		t.Errorf("%d items kept, want at most 31 days' worth", c.Items)
	}
	// Steady state from day 16 on: no day after 30 may exceed the largest
	// size seen between days 18 and 30 by more than 10% (FTS5's segment
	// merges make the size oscillate a little).
	ref := slices.Max(pages[18:30])
	for d := 30; d < days; d++ {
		if pages[d] > ref*11/10 {
			t.Errorf("day %d: %d pages, at most %d before: the file keeps growing (%v)", d, pages[d], ref, pages[18:])
			break
		}
	}
	if _, err := s.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	pageSize := pragmaInt(t, s, "page_size")
	if st.Size() != int64(pages[days-1]*pageSize) {
		t.Errorf("file is %d bytes, %d pages of %d expected", st.Size(), pages[days-1], pageSize)
	}
	t.Logf("pages at day 15: %d, 30: %d, 45: %d, %d: %d (%d KiB); %d items", pages[15], pages[30], pages[45], days-1, pages[days-1], st.Size()/1024, c.Items)
}

// TestPruneKeepsUndatedItemsStillListed: an undated item is dated by its
// first fetch; pruned while its feed still lists it, it would come back as
// new at the feed's next change, and be matched and mailed again.
func TestPruneKeepsUndatedItemsStillListed(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return t0 }
	f, err := s.AddFeed(ctx, model.Feed{URL: "https://a.example/feed"})
	if err != nil {
		t.Fatal(err)
	}
	items := []model.Item{
		{Key: "still-listed", Title: "Undated, still listed", Published: t0, FetchedAt: t0, DateMissing: true},
		{Key: "gone", Title: "Undated, gone from the feed", Published: t0, FetchedAt: t0, DateMissing: true},
		{Key: "dated", Title: "Dated", Published: t0, FetchedAt: t0},
	}
	if _, err := s.SaveFetch(ctx, f, items, nil); err != nil {
		t.Fatal(err)
	}
	// A hundred days on, a poll finds the first and the dated one listed.
	later := t0.Add(100 * 24 * time.Hour)
	s.Now = func() time.Time { return later }
	if _, err := s.SaveFetches(ctx, []Fetch{{Feed: f, Seen: []string{"still-listed", "dated"}}}); err != nil {
		t.Fatal(err)
	}
	n, err := s.PruneItems(ctx, later.Add(-90*24*time.Hour), 100)
	if err != nil || n != 2 {
		t.Fatalf("PruneItems = %d, %v; want 2 (the undated item gone from the feed and the dated one)", n, err)
	}
	var left []string
	rows, _ := s.db.QueryContext(ctx, "SELECT key FROM items")
	for rows.Next() {
		var k string
		rows.Scan(&k)
		left = append(left, k)
	}
	rows.Close()
	if len(left) != 1 || left[0] != "still-listed" {
		t.Errorf("left after pruning: %v", left)
	}
}
