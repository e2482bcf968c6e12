// Command retention simulates a year of polling, compressed: day by day it
// stores -per-day new items for each of -feeds feeds through
// store.SaveFetch (one fetch per feed per day, one item in ten matched)
// and then prunes what is older than -keep days with store.PruneItems, as
// the daemon's hourly job does. Every -report days it prints the items
// kept and the database file's size, which must level off once -keep days
// are in. bench/retention.sh runs it; docs/performance.md ("Retention")
// records the result.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/store"
)

func main() {
	nFeeds := flag.Int("feeds", 2000, "feeds")
	perDay := flag.Int("per-day", 20, "new items per feed per day")
	days := flag.Int("days", 365, "days to simulate")
	keep := flag.Int("keep", 90, "retention.max_age in days")
	report := flag.Int("report", 30, "print the size every this many days")
	dir := flag.String("dir", "", "folder for the database (default: a temporary one, removed at the end)")
	flag.Parse()
	ctx := context.Background()

	fmt.Printf("date:    %s\n", time.Now().UTC().Format(time.RFC3339))
	fmt.Printf("machine: %d cores, %s %s/%s\n", runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Printf("command: bench/retention.sh %s\n", strings.Join(os.Args[1:], " "))
	fmt.Printf("load:    %d feeds x %d new items a day = %d items a day, kept %d days, %d days simulated\n\n",
		*nFeeds, *perDay, *nFeeds**perDay, *keep, *days)
	if *dir == "" {
		d, err := os.MkdirTemp("", "feedwatch-retention-")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(d)
		*dir = d
	}
	path := filepath.Join(*dir, "feedwatch.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	feeds := make([]model.Feed, *nFeeds)
	for i := range feeds {
		if feeds[i], err = st.AddFeed(ctx, model.Feed{URL: fmt.Sprintf("https://news%d.example/feed.xml", i), Title: fmt.Sprintf("News %d", i)}); err != nil {
			log.Fatal(err)
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	fmt.Println("| day | items kept | file size | pruned that day | day's time (store + prune) |")
	fmt.Println("|---:|---:|---:|---:|---:|")
	began := time.Now()
	var peak int64
	for d := range *days {
		day := start.AddDate(0, 0, d)
		st.Now = func() time.Time { return day }
		t0 := time.Now()
		for _, f := range feeds {
			items := make([]model.Item, *perDay)
			matches := make([][]model.Match, *perDay)
			for j := range items {
				at := day.Add(time.Duration(j) * 24 * time.Hour / time.Duration(*perDay))
				items[j] = model.Item{
					Key: fmt.Sprintf("%d/%d", d, j), Title: title(r), Summary: summary(r),
					Link: fmt.Sprintf("https://news%d.example/%s/%d.html", f.ID, day.Format("2006/01/02"), j), Published: at, FetchedAt: at,
				}
				items[j].CanonicalLink = items[j].Link
				if r.IntN(10) == 0 {
					matches[j] = []model.Match{{TopicID: "us-russia", Score: 2, Terms: []string{"sanctions"}}}
				}
			}
			if _, err := st.SaveFetch(ctx, f, items, matches); err != nil {
				log.Fatal(err)
			}
		}
		pruned, err := st.PruneItems(ctx, day.Add(-time.Duration(*keep)*24*time.Hour), 500)
		if err != nil {
			log.Fatal(err)
		}
		took := time.Since(t0)
		size := fileSize(ctx, st, path)
		peak = max(peak, size)
		if (d+1)%*report == 0 || d == *days-1 || d == *keep {
			n, _ := st.ItemCount(ctx)
			fmt.Printf("| %d | %d | %d MB | %d | %s |\n", d+1, n, size>>20, pruned, took.Round(time.Millisecond))
		}
	}
	fmt.Printf("\n%d days in %s; largest file %d MB, last %d MB\n", *days, time.Since(began).Round(time.Second), peak>>20, fileSize(ctx, st, path)>>20)
}

// fileSize is the main file's size once the WAL is checkpointed into it
// (a daemon's file between its automatic checkpoints).
func fileSize(ctx context.Context, st *store.Store, path string) int64 {
	if _, err := st.DB().ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		log.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		log.Fatal(err)
	}
	return fi.Size()
}

var words = strings.Fields(`government minister officials said on Tuesday that the new policy would
	affect markets across the region while analysts expected further talks in the coming weeks
	parliament budget election economy trade agreement energy prices inflation central bank report
	committee hearing investigation court ruling protest city council infrastructure transport
	sanctions embassy diplomats Kremlin Washington treaty summit exchange envoy`)

func sentence(r *rand.Rand, n int) string {
	var b strings.Builder
	for j := range n {
		if j > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[r.IntN(len(words))])
	}
	return b.String() + "."
}

func title(r *rand.Rand) string { return sentence(r, 6+r.IntN(5)) }

// summary is 300–800 bytes of HTML, like bench/feedgen's.
func summary(r *rand.Rand) string {
	var b strings.Builder
	b.WriteString("<p>")
	for target := 250 + r.IntN(450); b.Len() < target; {
		b.WriteString(sentence(r, 8+r.IntN(10)))
		b.WriteByte(' ')
	}
	b.WriteString(`<a href="https://example.org/more">Read more</a></p>`)
	return b.String()
}
