package ingest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/fetch"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/parse"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/topic"
)

// BenchmarkPollFeeds is the first poll of bench/poll.sh in-process, for
// profiling: 100 new feeds per iteration, each ~25 KB of RSS or Atom from
// bench/feedgen (testdata/bench), fetched from an httptest server, matched
// against the shipped topics and stored in a real SQLite file.
//
//	go test -run '^$' -bench PollFeeds -benchtime 10x -cpuprofile cpu.out ./internal/ingest/
func BenchmarkPollFeeds(b *testing.B) {
	const perIter = 100
	docs := benchDocs(b)
	var size int
	for _, d := range docs {
		size += len(d)
	}
	srv := newServer(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The iteration in the path only makes every URL new.
		var iter, i int
		fmt.Sscanf(r.URL.Path, "/%d/feed%d.xml", &iter, &i)
		w.Header().Set("Content-Type", "application/xml")
		w.Write(docs[i%len(docs)])
	}))
	st, p := benchPoller(b)
	ctx := context.Background()
	b.SetBytes(int64(perIter * size / len(docs)))
	b.ResetTimer()
	for iter := range b.N {
		b.StopTimer()
		feeds := make([]model.Feed, perIter)
		for i := range feeds {
			feeds[i] = addFeed(b, st, fmt.Sprintf("%s/%d/feed%d.xml", srv.URL, iter, i))
		}
		b.StartTimer()
		sum := p.PollFeeds(ctx, feeds, nil)
		if sum.Failed > 0 || sum.New == 0 {
			b.Fatalf("summary %+v", sum)
		}
	}
	b.ReportMetric(float64(b.Elapsed())/float64(b.N*perIter)/float64(time.Millisecond), "ms/feed")
}

// BenchmarkPollChangedFeeds is a later poll: 100 feeds stored before, each
// of whose documents has gained one entry at the top since; 1 of its 25
// entries is new.
//
//	go test -run '^$' -bench PollChangedFeeds -benchtime 20x ./internal/ingest/
func BenchmarkPollChangedFeeds(b *testing.B) {
	const feeds = 100
	var docs []string
	for _, d := range benchDocs(b) {
		docs = append(docs, string(d))
	}
	var round atomic.Int64
	srv := newServer(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var i int
		fmt.Sscanf(r.URL.Path, "/feed%d.xml", &i)
		w.Header().Set("Content-Type", "application/xml")
		io.WriteString(w, withNewEntry(docs[i%len(docs)], i, int(round.Load())))
	}))
	st, p := benchPoller(b)
	ctx := context.Background()
	for i := range feeds {
		addFeed(b, st, fmt.Sprintf("%s/feed%d.xml", srv.URL, i))
	}
	poll := func(wantNew int) {
		list, err := st.Feeds(ctx)
		if err != nil {
			b.Fatal(err)
		}
		sum := p.PollFeeds(ctx, list, nil)
		if sum.Failed > 0 || sum.New != wantNew {
			b.Fatalf("summary %+v, want %d new", sum, wantNew)
		}
	}
	poll(feeds * 26) // the first poll stores every entry
	b.ResetTimer()
	for range b.N {
		round.Add(1)
		poll(feeds)
	}
	b.ReportMetric(float64(b.Elapsed())/float64(b.N*feeds)/float64(time.Millisecond), "ms/feed")
}

// withNewEntry puts one entry, unique to feed and round, before the first
// of doc's (RSS or Atom).
func withNewEntry(doc string, feed, round int) string {
	for _, tag := range []string{"<item>", "<entry>"} {
		if i := strings.Index(doc, tag); i >= 0 {
			var e string
			if tag == "<item>" {
				e = fmt.Sprintf("<item><title>Round %d of feed %d</title><link>https://bench.example/%d/%d</link><guid>r%d-%d</guid><description>New.</description></item>", round, feed, feed, round, feed, round)
			} else {
				e = fmt.Sprintf("<entry><title>Round %d of feed %d</title><link href=\"https://bench.example/%d/%d\"/><id>r%d-%d</id><updated>2026-11-25T12:00:00Z</updated><summary>New.</summary></entry>", round, feed, feed, round, feed, round)
			}
			return doc[:i] + e + doc[i:]
		}
	}
	return doc
}

// benchDocs reads feedgen's documents kept in testdata/bench.
func benchDocs(b testing.TB) [][]byte {
	paths, _ := filepath.Glob("testdata/bench/*.xml")
	if len(paths) == 0 {
		b.Fatal("no testdata/bench/*.xml")
	}
	var docs [][]byte
	for _, p := range paths {
		d, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		docs = append(docs, d)
	}
	return docs
}

// shippedTopics loads the topics feedwatch ships, which the benchmarks
// match against.
func shippedTopics(b testing.TB) *topic.Set {
	b.Helper()
	topics, err := topic.Load("../../config/topics.yaml")
	if err != nil {
		b.Fatal(err)
	}
	return topics
}

// benchPoller is a poller on a fresh database that matches against the
// shipped topics, with workers enough that the CPU is the limit.
func benchPoller(b *testing.B) (*store.Store, *Poller) {
	b.Helper()
	topics := shippedTopics(b)
	st := mustOpenStore(b)
	return st, New(st, fetch.New(fetch.Options{}), func() Matcher { return topics }, Options{Workers: 32, PerHost: 32})
}

// BenchmarkCutAndParse is what a first poll adds to its parse: cutting a
// document at its entries and fingerprinting them (sub-benchmark "cut"),
// beside the parse itself ("parse").
//
//	go test -run '^$' -bench CutAndParse -benchtime 200x ./internal/ingest/
func BenchmarkCutAndParse(b *testing.B) {
	docs := benchDocs(b)
	b.Run("cut", func(b *testing.B) {
		for i := range b.N {
			l, ok := parse.Cut(docs[i%len(docs)], "application/xml")
			if !ok {
				b.Fatal("not cut")
			}
			for j := range l.Entries {
				l.Fingerprint(j, "https://x.example/feed")
			}
		}
	})
	b.Run("parse", func(b *testing.B) {
		for i := range b.N {
			if _, err := parse.Parse(docs[i%len(docs)], "application/xml", "https://x.example/feed"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
