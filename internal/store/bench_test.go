package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/normalize"
	"github.com/feedwatch/feedwatch/internal/parse"
)

// BenchmarkSaveFetches stores what a first poll stores: groups of 64 new
// feeds of 25 items each (feedgen's documents in internal/ingest/testdata/bench,
// parsed and normalised), one item in five matching a topic, one group per
// transaction as ingest's group commit does.
//
//	go test -run '^$' -bench SaveFetches -benchtime 40x -cpuprofile cpu.out ./internal/store/
func BenchmarkSaveFetches(b *testing.B) {
	const feedsPerGroup = 64
	paths, _ := filepath.Glob("../ingest/testdata/bench/*.xml")
	if len(paths) == 0 {
		b.Fatal("no ../ingest/testdata/bench/*.xml")
	}
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	var docs [][]model.Item
	for _, p := range paths {
		body, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		f, err := parse.Parse(body, "application/xml", "http://bench.test/feed.xml")
		if err != nil {
			b.Fatal(err)
		}
		docs = append(docs, normalize.Items(f, "http://bench.test/feed.xml", now))
	}
	s := mustOpen(b)
	ctx := context.Background()
	b.ResetTimer()
	items := 0
	for iter := range b.N {
		b.StopTimer()
		group := make([]Fetch, feedsPerGroup)
		for i := range group {
			feed, err := s.AddFeed(ctx, model.Feed{URL: fmt.Sprintf("http://bench.test/%d/%d.xml", iter, i), Enabled: true})
			if err != nil {
				b.Fatal(err)
			}
			src := docs[i%len(docs)]
			fetch := Fetch{Feed: feed, Items: make([]model.Item, len(src)), Matches: make([][]model.Match, len(src))}
			copy(fetch.Items, src)
			for j := range fetch.Items {
				if j%5 == 0 {
					fetch.Matches[j] = []model.Match{{TopicID: "us-russia", Score: 3, Terms: []string{"sanctions", "Kremlin"}}}
				}
			}
			items += len(src)
			group[i] = fetch
		}
		b.StartTimer()
		if _, err := s.SaveFetches(ctx, group); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(items), "µs/item")
}

// BenchmarkRecordPolls is the poll history a poll of 100 feeds adds, in one
// transaction, once every feed already holds pollsKept polls (so each
// insert also trims one).
//
//	go test -run '^$' -bench RecordPolls -benchtime 200x ./internal/store/
func BenchmarkRecordPolls(b *testing.B) {
	const feeds = 100
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	polls := make([]Poll, feeds)
	for i := range polls {
		f, err := s.AddFeed(ctx, model.Feed{URL: fmt.Sprintf("http://bench.test/%d", i)})
		if err != nil {
			b.Fatal(err)
		}
		polls[i] = Poll{FeedID: f.ID, At: now, Outcome: "ok", Duration: 120 * time.Millisecond, New: 1}
	}
	for range pollsKept {
		if err := s.RecordPolls(ctx, polls); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		if err := s.RecordPolls(ctx, polls); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed())/float64(b.N*feeds)/float64(time.Microsecond), "µs/feed")
}
