package ingest

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/feedwatch/feedwatch/internal/match"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/normalize"
	"github.com/feedwatch/feedwatch/internal/parse"
	"github.com/feedwatch/feedwatch/internal/store"
)

// BenchmarkStages runs the first poll's work on bench/feedgen's documents
// one stage more at a time, in one goroutine and without HTTP, so that each
// stage's cost per item can be read off as a difference: gofeed alone (what
// bench/parsebare measures), then feedwatch's parse (charset, raw pass when
// needed, dates), + normalise, + match, + store with the search index.
// docs/performance.md ("Where the first poll's CPU goes") records a run.
//
//	go test -run '^$' -bench Stages -benchtime 2000x ./internal/ingest/
func BenchmarkStages(b *testing.B) {
	docs := benchDocs(b)
	topics := shippedTopics(b)
	const feedURL = "https://bench.example/feed.xml"
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

	// stage runs one document through the pipeline up to last and returns
	// the number of entries it held.
	type stage int
	const (
		gofeedOnly stage = iota
		parsed
		normalized
		matched
		stored
	)
	var st *store.Store
	feedSeq := 0
	run := func(b *testing.B, doc []byte, last stage) int {
		if last == gofeedOnly {
			f, err := gofeed.NewParser().Parse(bytes.NewReader(doc))
			if err != nil {
				b.Fatal(err)
			}
			return len(f.Items)
		}
		feed, err := parse.Parse(doc, "application/xml", feedURL)
		if err != nil {
			b.Fatal(err)
		}
		if last == parsed {
			return len(feed.Entries)
		}
		items := normalize.Items(feed, feedURL, now)
		if last == normalized {
			return len(items)
		}
		matches := make([][]model.Match, len(items))
		for i, it := range items {
			for _, res := range topics.Match(match.Document{Title: it.Title, Summary: it.SummaryText, Content: it.ContentText}) {
				if res.Matched {
					matches[i] = append(matches[i], model.Match{TopicID: res.TopicID, Score: res.Score, Terms: res.Terms})
				}
			}
		}
		if last == matched {
			return len(items)
		}
		// A new feed for every document, so that every item is new, as in
		// a first poll; one document per transaction, as when the writer
		// finds no other feed waiting.
		b.StopTimer()
		feedSeq++
		f, err := st.AddFeed(context.Background(), model.Feed{URL: fmt.Sprintf("https://bench.example/%d.xml", feedSeq), Origin: "db"})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := st.SaveFetches(context.Background(), []store.Fetch{{Feed: f, Items: items, Matches: matches}})
		if err != nil {
			b.Fatal(err)
		}
		if res[0].NewItems != len(items) {
			b.Fatalf("stored %d new items of %d", res[0].NewItems, len(items))
		}
		return len(items)
	}
	for _, s := range []struct {
		name string
		last stage
	}{
		{"gofeed", gofeedOnly},
		{"parse", parsed},
		{"normalize", normalized},
		{"match", matched},
		{"store", stored},
	} {
		b.Run(s.name, func(b *testing.B) {
			if s.last == stored {
				st = mustOpenStore(b)
			}
			items := 0
			b.ResetTimer()
			for i := range b.N {
				items += run(b, docs[i%len(docs)], s.last)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(items), "µs/item")
		})
	}
}
