package ingest

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/fetch"
	"github.com/feedwatch/feedwatch/internal/model"
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
	paths, _ := filepath.Glob("testdata/bench/*.xml")
	if len(paths) == 0 {
		b.Fatal("no testdata/bench/*.xml")
	}
	var docs [][]byte
	var size int
	for _, p := range paths {
		d, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		docs = append(docs, d)
		size += len(d)
	}
	srv := newServer(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The iteration in the path only makes every URL new.
		var iter, i int
		fmt.Sscanf(r.URL.Path, "/%d/feed%d.xml", &iter, &i)
		w.Header().Set("Content-Type", "application/xml")
		w.Write(docs[i%len(docs)])
	}))
	topics, err := topic.Load("../../config/topics.yaml")
	if err != nil {
		b.Fatal(err)
	}
	st := mustOpenStore(b)
	p := New(st, fetch.New(fetch.Options{}), func() Matcher { return topics }, Options{Workers: 32, PerHost: 32})
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
