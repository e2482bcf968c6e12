// Command growth measures how feedwatch's queries behave on a database of
// the size a busy installation reaches: it fills a database with -items
// stored items (default 1,000,000) from -feeds feeds over -days days, of
// which -matches matched one of -topics topics, with a daily digest per
// topic and its outbox, then times every query the daemon, the commands and
// the admin pages ask and prints p50 and p99 latencies. The figures in
// docs/performance.md ("Growth") come from it:
//
//	go run ./bench/growth -db /tmp/growth.db                  # fill (a few minutes) and measure
//	go run ./bench/growth -db /tmp/growth.db -cpuprofile cpu.out  # measure again, profiling
//
// A database already filled with the same -items is reused. The digest
// run (digest.Builder.DispatchNow for every topic) is measured last, on a copy
// of the day, because it records digests.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	feedwatch "github.com/feedwatch/feedwatch"
	"github.com/feedwatch/feedwatch/internal/digest"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/render"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/topic"
)

// end is the simulated "now": the fill ends here and queries ask about the
// day before it.
var end = time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC)

func main() {
	dbPath := flag.String("db", "", "database file (required; reused when already filled)")
	nItems := flag.Int("items", 1_000_000, "stored items")
	nMatches := flag.Int("matches", 100_000, "matches (every items/matches-th item matches one topic)")
	nTopics := flag.Int("topics", 10, "topics")
	nFeeds := flag.Int("feeds", 2000, "feeds")
	days := flag.Int("days", 90, "days the items span (the default retention)")
	subsPerTopic := flag.Int("subscribers", 20, "active subscribers per topic")
	budget := flag.Duration("budget", 2*time.Second, "time to spend on each query (at least 10 runs, at most 500)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the run (fill included) to this file")
	only := flag.String("only", "", "measure only queries whose name contains this")
	flag.Parse()
	if *dbPath == "" {
		log.Fatal("growth: -db is required")
	}
	ctx := context.Background()

	fmt.Printf("date:    %s\n", time.Now().UTC().Format(time.RFC3339))
	fmt.Printf("machine: %s\n", machine())
	fmt.Printf("command: go run ./bench/growth %s\n", strings.Join(os.Args[1:], " "))

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	st, err := store.Open(ctx, *dbPath)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	st.Now = func() time.Time { return end }
	var have int
	st.DB().QueryRowContext(ctx, "SELECT count(*) FROM items").Scan(&have)
	// The SaveFetch measurement adds a few thousand items to a reused file.
	if have < *nItems {
		if have != 0 {
			log.Fatalf("growth: %s holds %d items, fewer than %d: use a new file", *dbPath, have, *nItems)
		}
		start := time.Now()
		if err := fill(ctx, st.DB(), *nItems, *nMatches, *nTopics, *nFeeds, *days, *subsPerTopic); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("fill:    %s for %d items, %d matches, %d feeds, %d topics over %d days\n",
			time.Since(start).Round(time.Second), *nItems, *nMatches, *nFeeds, *nTopics, *days)
	}
	if _, err := st.DB().ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		log.Fatal(err)
	}
	if fi, err := os.Stat(*dbPath); err == nil {
		var c store.Counts
		c, _ = st.Count(ctx)
		fmt.Printf("data:    %d items, %d matches, %d feeds, %d digests, %d subscribers; file %d MB\n",
			c.Items, c.Matches, c.Feeds, c.Digests, c.Subscribers, fi.Size()>>20)
	}
	fmt.Println()

	m := &measurer{budget: *budget, only: *only}
	queries(ctx, st, m, *nTopics)
	digestRun(ctx, st, m, *nTopics)
}

func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "model name") {
				_, model, _ = strings.Cut(line, ": ")
				break
			}
		}
	}
	mem := ""
	if out, err := exec.Command("free", "-m").Output(); err == nil {
		for _, line := range strings.Split(string(out), "\n") {
			if f := strings.Fields(line); len(f) > 1 && f[0] == "Mem:" {
				mem = ", " + f[1] + " MB RAM"
			}
		}
	}
	return fmt.Sprintf("%d cores (%s)%s, %s %s/%s", runtime.NumCPU(), model, mem, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

type measurer struct {
	budget time.Duration
	only   string
}

// run times f until the budget is spent (10 to 500 runs) and prints p50
// and p99; rows is what the last run returned, to show the work done.
func (m *measurer) run(name string, f func(i int) (rows int, err error)) {
	if m.only != "" && !strings.Contains(name, m.only) {
		return
	}
	var ds []time.Duration
	var rows int
	began := time.Now()
	for i := 0; i < 500 && (i < 10 || time.Since(began) < m.budget); i++ {
		t0 := time.Now()
		n, err := f(i)
		ds = append(ds, time.Since(t0))
		if err != nil {
			log.Fatalf("%s: %v", name, err)
		}
		rows = n
	}
	slices.Sort(ds)
	p := func(q float64) string { return fmtDur(ds[min(len(ds)-1, int(float64(len(ds))*q))]) }
	fmt.Printf("| %-52s | %9s | %9s | %5d | %6d |\n", name, p(0.50), p(0.99), len(ds), rows)
}

func fmtDur(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
	case d < 100*time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	}
}

func topicID(k int) string { return fmt.Sprintf("topic-%02d", k) }

func queries(ctx context.Context, st *store.Store, m *measurer, nTopics int) {
	fmt.Println("| query | p50 | p99 | runs | rows |")
	fmt.Println("|---|---:|---:|---:|---:|")
	// A digest's selection: one topic's matches of one day, the range the
	// daily digests recorded.
	type period struct {
		topic    string
		from, to int64
	}
	var periods []period
	rows, err := st.DB().QueryContext(ctx, "SELECT topic_id, from_seq, to_seq FROM digests ORDER BY id DESC LIMIT 200")
	if err != nil {
		log.Fatal(err)
	}
	for rows.Next() {
		var p period
		rows.Scan(&p.topic, &p.from, &p.to)
		periods = append(periods, p)
	}
	rows.Close()
	if len(periods) == 0 {
		log.Fatal("no digests in the database")
	}
	m.run("MatchedItems (a topic's day: digest selection)", func(i int) (int, error) {
		p := periods[i%len(periods)]
		r, err := st.MatchedItems(ctx, p.topic, p.from, p.to)
		return len(r), err
	})
	m.run("MaxMatchSeq", func(int) (int, error) { _, err := st.MaxMatchSeq(ctx); return 1, err })
	m.run("MatchSeqBefore (a topic's first digest)", func(i int) (int, error) {
		_, err := st.MatchSeqBefore(ctx, topicID(i%nTopics), end.Add(-24*time.Hour))
		return 1, err
	})
	m.run("TopicMaxSeq (every dispatch)", func(i int) (int, error) { _, err := st.TopicMaxSeq(ctx, topicID(i%nTopics)); return 1, err })
	m.run("DueSubscriptions (every dispatch)", func(int) (int, error) {
		r, err := st.DueSubscriptions(ctx, end, 6, 0, 200)
		return len(r), err
	})
	m.run("ActiveSubscriptions", func(i int) (int, error) {
		r, err := st.ActiveSubscriptions(ctx, topicID(i%nTopics))
		return len(r), err
	})
	m.run("DueDeliveries (outbox drain)", func(int) (int, error) {
		r, err := st.DueDeliveries(ctx, end, 100)
		return len(r), err
	})
	m.run("DueFeeds (every poll tick)", func(int) (int, error) {
		r, err := st.DueFeeds(ctx, end, false)
		return len(r), err
	})
	m.run("Feeds (feeds list, admin feeds page)", func(int) (int, error) {
		r, err := st.Feeds(ctx)
		return len(r), err
	})
	m.run("Digests (archive list, 50)", func(int) (int, error) {
		r, err := st.Digests(ctx, 50)
		return len(r), err
	})
	m.run("DigestsBefore (archive page 2)", func(int) (int, error) {
		first, err := st.DigestsBefore(ctx, 0, 20)
		if err != nil || len(first) == 0 {
			return 0, err
		}
		r, err := st.DigestsBefore(ctx, first[len(first)-1].ID, 20)
		return len(r), err
	})
	m.run("DailyMatches (admin, 30 days)", func(int) (int, error) {
		r, err := st.DailyMatches(ctx, end.Add(-30*24*time.Hour))
		return len(r), err
	})
	m.run("DeliveryCounts (metrics)", func(int) (int, error) {
		r, err := st.DeliveryCounts(ctx)
		return len(r), err
	})
	m.run("ItemCount (metrics)", func(int) (int, error) { _, err := st.ItemCount(ctx); return 1, err })
	m.run("Count (feeds list totals)", func(int) (int, error) { _, err := st.Count(ctx); return 1, err })
	m.run("Deliveries (outbox list, 50)", func(int) (int, error) {
		r, err := st.Deliveries(ctx, "", 50)
		return len(r), err
	})
	m.run("RecentItems (rule editor preview, 7 days, 2000)", func(int) (int, error) {
		r, err := st.RecentItems(ctx, end.Add(-7*24*time.Hour), 2000)
		return len(r), err
	})
	for _, q := range []string{"sanctions", "lavrov", `"prisoner exchange"`, "negotiat*", "переговоры", "lavrov harvest", "zeppelin", "the"} {
		m.run(fmt.Sprintf("Search %s (20)", q), func(int) (int, error) {
			r, err := st.Search(ctx, q, 20)
			return len(r), err
		})
	}
	m.run("SearchTopic topic-03 talks (20)", func(int) (int, error) {
		r, err := st.SearchTopic(ctx, topicID(3), "talks", 20)
		return len(r), err
	})

	// One poll's write: a feed's 25 entries of which 5 are new, as
	// SaveFetch stores them (items, their index entries, matches).
	feeds, err := st.Feeds(ctx)
	if err != nil {
		log.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 7))
	run := time.Now().UnixNano() // new keys on a reused database
	m.run("SaveFetch (25 entries, 5 new, 1 match)", func(i int) (int, error) {
		// 20 feeds in turn: after the first round, 20 of the 25 entries
		// are ones the feed carried before.
		f := feeds[i%20]
		at := end.Add(time.Duration(i) * time.Second)
		items := make([]model.Item, 25)
		matches := make([][]model.Match, 25)
		for j := range items {
			key := fmt.Sprintf("poll-%d-%d-%d", run, i, j)
			if j >= 5 {
				key = fmt.Sprintf("poll-seen-%d", j)
			}
			title, summary := entry(r, false)
			items[j] = model.Item{Key: key, Title: title, Summary: summary, Published: at, FetchedAt: at}
		}
		matches[0] = []model.Match{{TopicID: topicID(i % nTopics), Score: 2}}
		res, err := st.SaveFetch(ctx, f, items, matches)
		return res.NewItems, err
	})
}

// digestRun builds each topic's digest of the last day: Plan (selection
// and merging) timed repeatedly, then one dispatch per topic (rendering one
// message per subscriber and recording the digest).
func digestRun(ctx context.Context, st *store.Store, m *measurer, nTopics int) {
	tmpl, err := fs.Sub(feedwatch.Defaults, "templates")
	if err != nil {
		log.Fatal(err)
	}
	rd, err := render.New(tmpl)
	if err != nil {
		log.Fatal(err)
	}
	now := end.Add(time.Hour)
	// A previous run's dispatch recorded digests for this day; forget them so
	// that every run builds the same digests.
	if _, err := st.DB().ExecContext(ctx, "DELETE FROM digests WHERE period_end > ?", ts(end)); err != nil {
		log.Fatal(err)
	}
	b := digest.New(st, rd, digest.Options{From: "feedwatch <feedwatch@example.org>", BaseURL: "https://feedwatch.example.org",
		Secret: []byte("growth-benchmark-secret-0123456789"), Now: func() time.Time { return now }})
	topics := make([]topic.Topic, nTopics)
	sets := make([]*topic.Set, nTopics)
	for k := range topics {
		topics[k] = topic.Topic{ID: topicID(k), Name: fmt.Sprintf("Topic %d", k), Digest: topic.Digest{MaxItems: 50, Lookback: 24 * time.Hour,
			Schedule: topic.DefaultSchedule}}
		if sets[k], err = topic.New([]topic.Topic{topics[k]}); err != nil {
			log.Fatal(err)
		}
	}
	m.run("digest Preview (select + group a topic's day)", func(i int) (int, error) {
		p, err := b.Preview(ctx, topics[i%nTopics])
		return len(p.Items), err
	})
	if m.only != "" && !strings.Contains("digest dispatch", m.only) {
		return
	}
	var ds []time.Duration
	queued := 0
	for k := range topics {
		t0 := time.Now()
		res, err := b.DispatchNow(ctx, sets[k], "")
		if err != nil {
			log.Fatal(err)
		}
		ds = append(ds, time.Since(t0))
		queued += res.Mails
	}
	slices.Sort(ds)
	var total time.Duration
	for _, d := range ds {
		total += d
	}
	fmt.Printf("\ndigest dispatch, %d topics, %d messages: %s in all, median topic %s, slowest %s\n",
		nTopics, queued, fmtDur(total), fmtDur(ds[len(ds)/2]), fmtDur(ds[len(ds)-1]))
}

// fill writes the synthetic history in large transactions, straight into
// the tables (the triggers index every item for search as SaveFetch would).
func fill(ctx context.Context, db *sql.DB, nItems, nMatches, nTopics, nFeeds, days, subsPerTopic int) error {
	start := end.Add(-time.Duration(days) * 24 * time.Hour)
	created := ts(start)
	r := rand.New(rand.NewPCG(1, 8))

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for k := range nFeeds {
		// Next polls spread over the 30-minute interval around "now", so
		// that a sixth of the feeds are due.
		next := end.Add(time.Duration(k%30-5) * time.Minute)
		if _, err := tx.ExecContext(ctx, `INSERT INTO feeds (url, title, origin, next_poll_at, last_poll_at, last_success_at, etag, created_at)
			VALUES (?, ?, 'db', ?, ?, ?, ?, ?)`, fmt.Sprintf("https://news%d.example/feed.xml", k), fmt.Sprintf("News %d", k),
			ts(next), ts(next.Add(-30*time.Minute)), ts(next.Add(-30*time.Minute)), fmt.Sprintf(`"%x"`, k), created); err != nil {
			return err
		}
	}
	for k := range nTopics * subsPerTopic {
		if _, err := tx.ExecContext(ctx, "INSERT INTO subscribers (email, created_at) VALUES (?, ?)", fmt.Sprintf("reader%d@example.org", k), created); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO subscriptions (subscriber_id, topic_id, status, created_at, confirmed_at, changed_at)
			VALUES (?, ?, 'active', ?, ?, ?)`, k+1, topicID(k%nTopics), created, created, created); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}

	every := max(nItems/max(nMatches, 1), 1)
	step := time.Duration(days) * 24 * time.Hour / time.Duration(nItems)
	nextDigest := time.Date(start.Year(), start.Month(), start.Day(), 7, 0, 0, 0, time.UTC)
	if !nextDigest.After(start) {
		nextDigest = nextDigest.Add(24 * time.Hour)
	}
	lastTo := make([]int64, nTopics)
	var seq int64
	message := []byte(strings.Repeat("x", 4096))
	const batch = 50_000
	began := time.Now()
	for lo := 0; lo < nItems; lo += batch {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		insItem, err := tx.PrepareContext(ctx, `INSERT INTO items (feed_id, key, guid, link, canonical_link, title, summary, author, published_at, fetched_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		insMatch, err := tx.PrepareContext(ctx, `INSERT INTO matches (item_id, topic_id, score, terms, matched_at) VALUES (?, ?, ?, '["sanctions"]', ?)`)
		if err != nil {
			return err
		}
		for i := lo; i < min(lo+batch, nItems); i++ {
			at := start.Add(time.Duration(i) * step)
			for !at.Before(nextDigest) {
				if err := recordDigests(ctx, tx, nextDigest, lastTo, seq, subsPerTopic, message); err != nil {
					return err
				}
				nextDigest = nextDigest.Add(24 * time.Hour)
			}
			feed := i%nFeeds + 1
			matched := i%every == 0
			title, summary := entry(r, matched)
			link := fmt.Sprintf("https://news%d.example/%s/story-%d.html", feed-1, at.Format("2006/01/02"), i)
			if _, err := insItem.ExecContext(ctx, feed, fmt.Sprintf("guid-%d", i), fmt.Sprintf("guid-%d", i), link+"?utm_source=rss", link,
				title, summary, fmt.Sprintf("Reporter %d", i%97), ts(at), ts(at)); err != nil {
				return err
			}
			if matched {
				seq++
				if _, err := insMatch.ExecContext(ctx, i+1, topicID(int(seq)%nTopics), 1+r.Float64()*4, ts(at)); err != nil {
					return err
				}
			}
		}
		insItem.Close()
		insMatch.Close()
		// The search index, as store.SaveFetches writes it: once per
		// transaction, after the other writes (html_text is registered by
		// internal/store).
		if _, err := tx.ExecContext(ctx, `INSERT INTO items_fts (rowid, title, summary)
			SELECT id, title, html_text(summary) FROM items WHERE id > ?`, lo); err != nil {
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
		done := min(lo+batch, nItems)
		fmt.Fprintf(os.Stderr, "\rfill: %d/%d items, %.0f items/s   ", done, nItems, float64(done)/time.Since(began).Seconds())
	}
	fmt.Fprintln(os.Stderr)
	// Each subscription stands after the last digest it was given, as the
	// dispatcher leaves it, with its next mail due at the end.
	if _, err := db.ExecContext(ctx, `UPDATE subscriptions SET next_at = ?, last_sent_at = ?,
		cursor_seq = coalesce((SELECT max(to_seq) FROM digests WHERE digests.topic_id = subscriptions.topic_id), 0)`,
		ts(end), ts(end.Add(-24*time.Hour))); err != nil {
		return err
	}
	// Each feed's count, as SaveFetches keeps it (migration 0008).
	_, err = db.ExecContext(ctx, `UPDATE feeds SET item_count = (SELECT count(*) FROM items WHERE items.feed_id = feeds.id)`)
	return err
}

// recordDigests records every topic's digest at digestAt, covering the
// matches since the previous one, with an outbox entry per subscriber;
// all sent except the newest day's, which are queued.
func recordDigests(ctx context.Context, tx *sql.Tx, digestAt time.Time, lastTo []int64, seq int64, subsPerTopic int, message []byte) error {
	status, sent := "sent", ts(digestAt.Add(time.Minute))
	if digestAt.After(end.Add(-24 * time.Hour)) {
		status, sent = "queued", ""
	}
	html := strings.Repeat("<p>archived digest</p>", 1000)
	for k := range lastTo {
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO digests (topic_id, from_seq, to_seq, period_start, period_end, created_at, completed_at, item_count, subject, html, text)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, topicID(k), lastTo[k], seq, ts(digestAt.Add(-24*time.Hour)), ts(digestAt), ts(digestAt),
			ts(digestAt), 0, "Digest of "+digestAt.Format(time.DateOnly), html, "archived digest").Scan(&id); err != nil {
			return err
		}
		lastTo[k] = seq
		for s := range subsPerTopic {
			sub := s*len(lastTo) + k + 1
			var dl int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO deliveries (subscriber_id, email, status, attempts, next_attempt_at, message_id, message, created_at, sent_at)
				VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?) RETURNING id`, sub, fmt.Sprintf("reader%d@example.org", sub-1), status, ts(digestAt),
				fmt.Sprintf("<%d.%d@feedwatch.example>", id, sub), message, ts(digestAt), sent).Scan(&dl); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO delivery_sections (delivery_id, digest_id) VALUES (?, ?)", dl, id); err != nil {
				return err
			}
		}
	}
	return nil
}

func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

var (
	words = strings.Fields(`government minister officials said on Tuesday that the new policy would
		affect markets across the region while analysts expected further talks in the coming weeks
		parliament budget election economy trade agreement energy prices inflation central bank report
		committee hearing investigation court ruling protest city council infrastructure transport
		health ministry hospital schools teachers union strike negotiations spokesperson statement
		climate summit emissions farmers harvest exports imports shipping port authorities police`)
	ruWords = strings.Fields(`правительство министр заявил во вторник что новая политика повлияет на рынки
		региона аналитики ожидают переговоры в ближайшие недели парламент бюджет выборы экономика
		торговля соглашение энергетика цены инфляция центральный банк доклад`)
	subjects = []string{"Kremlin", "Washington", "Moscow", "the State Department", "Russian diplomats", "US officials",
		"the White House", "Lavrov", "Rubio", "the US ambassador to Russia", "Russia's foreign ministry"}
	business = []string{"sanctions", "arms control talks", "a prisoner exchange", "the New START treaty", "embassy staff",
		"a summit", "expelled diplomats", "espionage charges", "nuclear talks"}
)

func sentence(r *rand.Rand, vocab []string, n int) string {
	var b strings.Builder
	for j := range n {
		if j > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(vocab[r.IntN(len(vocab))])
	}
	return b.String() + "."
}

// entry is a synthetic item like bench/feedgen's: a title and a 300–800
// byte HTML summary, about US–Russia relations when related, Russian one
// time in twenty.
func entry(r *rand.Rand, related bool) (title, summary string) {
	vocab := words
	if r.IntN(20) == 0 {
		vocab = ruWords
	}
	if related {
		title = fmt.Sprintf("%s and %s discuss %s", subjects[r.IntN(len(subjects))], subjects[r.IntN(len(subjects))], business[r.IntN(len(business))])
	} else {
		title = sentence(r, vocab, 6+r.IntN(4))
	}
	var b strings.Builder
	b.WriteString("<p>")
	if related {
		fmt.Fprintf(&b, "<strong>%s</strong> said relations were at a turning point after %s. ", subjects[r.IntN(len(subjects))], business[r.IntN(len(business))])
	}
	for target := 250 + r.IntN(450); b.Len() < target; {
		b.WriteString(sentence(r, vocab, 8+r.IntN(10)))
		b.WriteByte(' ')
	}
	b.WriteString(`<a href="https://example.org/more">Read more</a></p>`)
	return title, b.String()
}
