// Command soak polls an in-process feed server for many cycles through the
// real pipeline (ingest.Poller: fetch, parse, normalize, match with the
// shipped topics, store in SQLite) and reports the heap in use and the
// number of goroutines, after a GC, as the cycles go by. A leak of
// anything held per feed, per fetch or per item shows as a line that keeps
// rising. docs/performance.md ("Memory") records a run:
//
//	go run ./bench/soak                        # 500 cycles of 200 feeds
//	go run ./bench/soak -cycles 100 -cpuprofile poll.prof   # profile the poll pipeline
//
// Every cycle each feed's document moves on by -new entries, so every
// poll fetches (no 304), parses and stores new items.
package main

import (
	"context"
	"flag"
	"fmt"
	"html"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	feedwatch "github.com/feedwatch/feedwatch"
	"github.com/feedwatch/feedwatch/internal/fetch"
	"github.com/feedwatch/feedwatch/internal/ingest"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/topic"
)

func main() {
	cycles := flag.Int("cycles", 500, "poll cycles")
	nFeeds := flag.Int("feeds", 200, "feeds")
	perFeed := flag.Int("items", 25, "entries in each document")
	newPer := flag.Int("new", 5, "new entries per feed per cycle")
	workers := flag.Int("workers", 16, "poll.workers")
	keep := flag.Int("keep", 20, "prune items older than this many cycles every 10 cycles, as retention does (0: keep all)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the polling to this file")
	dir := flag.String("dir", "", "folder for the database (default: a temporary one, removed at the end)")
	flag.Parse()
	ctx := context.Background()

	fmt.Printf("date:    %s\n", time.Now().UTC().Format(time.RFC3339))
	fmt.Printf("machine: %d cores, %s %s/%s\n", runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Printf("command: go run ./bench/soak %s\n", strings.Join(os.Args[1:], " "))
	fmt.Printf("load:    %d cycles x %d feeds, %d entries per document, %d new per cycle, %d workers\n\n", *cycles, *nFeeds, *perFeed, *newPer, *workers)

	if *dir == "" {
		d, err := os.MkdirTemp("", "feedwatch-soak-")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(d)
		*dir = d
	}
	srv := &server{perFeed: *perFeed, newPer: *newPer}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	defer hs.Close()

	st, err := store.Open(ctx, filepath.Join(*dir, "soak.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	// The simulated clock advances 30 minutes a cycle, so that retention
	// has something to prune and every feed is due.
	clock := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	srv.base = clock
	now := func() time.Time { return clock }
	st.Now = now
	feeds := make([]model.Feed, *nFeeds)
	for i := range feeds {
		if feeds[i], err = st.AddFeed(ctx, model.Feed{URL: fmt.Sprintf("http://%s/feed/%d.xml", ln.Addr(), i)}); err != nil {
			log.Fatal(err)
		}
	}
	topicsFile, err := feedwatch.Defaults.Open("config/topics.yaml")
	if err != nil {
		log.Fatal(err)
	}
	topics, err := topic.Parse(topicsFile, "config/topics.yaml")
	topicsFile.Close()
	if err != nil {
		log.Fatal(err)
	}
	fetcher := fetch.New(fetch.Options{Timeout: 20 * time.Second, MaxBytes: 16 << 20, MaxRedirects: 5, UserAgent: "feedwatch-soak"})
	poller := ingest.New(st, fetcher, func() ingest.Matcher { return topics }, ingest.Options{
		Workers: *workers, PerHost: *workers, Interval: 30 * time.Minute, MinInterval: time.Minute, Now: now,
	})

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	fmt.Println("| cycle | heap in use | heap objects | goroutines | items stored | new this cycle | cycle time |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|")
	var total ingest.Summary
	var first, last runtime.MemStats
	var firstG, lastG int
	began := time.Now()
	for c := 1; c <= *cycles; c++ {
		srv.cycle.Store(int64(c))
		clock = clock.Add(30 * time.Minute)
		t0 := time.Now()
		sum := poller.PollFeeds(ctx, feeds, nil)
		if sum.Failed > 0 {
			log.Fatalf("cycle %d: %d feeds failed", c, sum.Failed)
		}
		total.New += sum.New
		total.Matches += sum.Matches
		if *keep > 0 && c%10 == 0 {
			if _, err := st.PruneItems(ctx, clock.Add(-time.Duration(*keep)*30*time.Minute), 500); err != nil {
				log.Fatal(err)
			}
		}
		took := time.Since(t0)
		// Poll results carry the feeds' new state; the next cycle polls
		// them as the daemon would, from the store.
		if feeds, err = st.Feeds(ctx); err != nil {
			log.Fatal(err)
		}
		if c == 10 || c%50 == 0 || c == 1 || c == *cycles {
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			g := runtime.NumGoroutine()
			n, _ := st.ItemCount(ctx)
			fmt.Printf("| %d | %.1f MB | %d | %d | %d | %d | %s |\n", c, float64(ms.HeapInuse)/(1<<20), ms.HeapObjects, g, n, sum.New, took.Round(time.Millisecond))
			if c == 10 {
				first, firstG = ms, g
			}
			last, lastG = ms, g
		}
	}
	elapsed := time.Since(began)
	fmt.Printf("\n%d polls in %s (%.0f polls/s), %d new items, %d matches\n", *cycles**nFeeds, elapsed.Round(time.Second),
		float64(*cycles**nFeeds)/elapsed.Seconds(), total.New, total.Matches)
	fmt.Printf("heap in use after GC: %.1f MB at cycle 10, %.1f MB at cycle %d; goroutines %d and %d; peak heap (sys) %.1f MB\n",
		float64(first.HeapInuse)/(1<<20), float64(last.HeapInuse)/(1<<20), *cycles, firstG, lastG, float64(last.HeapSys)/(1<<20))
}

// server serves /feed/N.xml: an RSS document of perFeed entries that moves
// on by newPer entries every cycle, with an ETag that changes with it.
type server struct {
	perFeed, newPer int
	base            time.Time
	cycle           atomic.Int64
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/feed/"), ".xml"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	c := int(s.cycle.Load())
	etag := fmt.Sprintf(`"%d-%d"`, n, c)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Soak feed %d</title><link>https://soak%d.example/</link><description>soak</description>
`, n, n)
	newest := c * s.newPer
	for j := newest; j > newest-s.perFeed && j >= 0; j-- {
		at := s.base.Add(time.Duration(j) * 30 * time.Minute / time.Duration(s.newPer))
		title := fmt.Sprintf("Budget vote %d in city council %d", j, n)
		summary := "<p>Officials said the new policy would affect markets across the region while analysts expected further talks.</p>"
		if j%5 == 0 {
			title = fmt.Sprintf("Lavrov and the US ambassador to Russia discuss sanctions (%d)", j)
			summary = "<p><strong>Russian diplomats</strong> said US-Russia relations were at a turning point after a prisoner exchange.</p>"
		}
		fmt.Fprintf(&b, `<item><title>%s</title><link>https://soak%d.example/story/%d</link><guid>soak-%d-%d</guid><pubDate>%s</pubDate><description>%s</description></item>
`, html.EscapeString(title), n, j, n, j, at.Format(time.RFC1123Z), html.EscapeString(summary))
	}
	b.WriteString("</channel></rss>\n")
	w.Write([]byte(b.String()))
}
