// Command mailday measures a day of mail the way the daemon sends it: a
// database of -subscribers subscribers of the shipped us-russia topic,
// spread over instant alerts, daily and weekly digests and the topic's own
// schedule, and over 24 time zones; a simulated day on a clock the program
// moves a minute at a time, with the labelled reports of testdata/stories
// arriving through the day in the polls of their outlets' feeds (every 5
// minutes, each feed every 30), and after every minute the dispatcher and
// the outbox run as the daemon's dispatch job runs them (digest.Dispatch,
// then deliver.Outbox.Drain) against the SMTP server at -smtp
// (bench/mailsink; bench/mailday.sh starts one).
//
// It prints the CPU (user + sys, of this process) of the polls' writes, of
// the dispatches and of the sending, the CPU per delivered mail, the peak
// RSS of the day, the mails per frequency, and what the dispatches that
// found nothing to send cost. Setting up (subscribing, placing) is not
// counted: the peak RSS is reset when the day begins (/proc/self/clear_refs)
// and the CPU is counted from then.
//
//	go run ./bench/mailday -smtp 127.0.0.1:2525 [-subscribers 10000] [-cpuprofile FILE]
//
// docs/performance.md ("Mail", "A day of mail") records runs.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata"

	feedwatch "github.com/feedwatch/feedwatch"
	"github.com/feedwatch/feedwatch/internal/deliver"
	"github.com/feedwatch/feedwatch/internal/digest"
	"github.com/feedwatch/feedwatch/internal/mail"
	"github.com/feedwatch/feedwatch/internal/match"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/render"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/topic"
)

// dayStart is the simulated day's first minute (a Tuesday, UTC).
var dayStart = time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)

// zones are 24 zones, one for each hour of standard offset from UTC-11 to
// UTC+12 (Kolkata's is +5:30), several with daylight saving time.
var zones = []string{
	"Pacific/Pago_Pago", "Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Denver",
	"America/Chicago", "America/New_York", "America/Halifax", "America/Sao_Paulo", "Atlantic/South_Georgia",
	"Atlantic/Azores", "Europe/London", "Europe/Berlin", "Europe/Kyiv", "Europe/Moscow", "Asia/Dubai",
	"Asia/Kolkata", "Asia/Dhaka", "Asia/Bangkok", "Asia/Shanghai", "Asia/Tokyo", "Australia/Brisbane",
	"Pacific/Noumea", "Pacific/Auckland",
}

// times are the delivery times subscribers choose from, minutes after
// midnight: mornings mostly, some at noon and in the evening.
var times = []int{6 * 60, 6*60 + 30, 7 * 60, 7 * 60, 7*60 + 15, 7*60 + 30, 8 * 60, 8 * 60, 8*60 + 45, 9 * 60, 12 * 60, 18 * 60, 18*60 + 30, 21 * 60}

const (
	pollEvery = 5 * time.Minute  // poll.schedule's default
	feedEvery = 30 * time.Minute // each feed's interval
)

func main() {
	smtpAddr := flag.String("smtp", "", "SMTP server host:port to send to (required)")
	n := flag.Int("subscribers", 10000, "subscribers")
	instant := flag.Float64("instant", 0.05, "share of subscriptions with instant alerts")
	daily := flag.Float64("daily", 0.35, "share with a daily digest at a time of their own")
	weekly := flag.Float64("weekly", 0.20, "share with a weekly digest (the rest follow the topic's schedule, daily at 07:00)")
	best := flag.Float64("best", 0.10, "share that want only the strongest matches")
	seed := flag.Uint64("seed", 1, "random seed for the subscribers' choices")
	dir := flag.String("dir", "", "folder for the database (default: a temporary one, removed at the end)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the day (not the setup) to this file")
	flag.Parse()
	if *smtpAddr == "" {
		log.Fatal("mailday: -smtp is required")
	}
	// What cmd/feedwatch sets for the daemon.
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(400)
	}
	if *dir == "" {
		d, err := os.MkdirTemp("", "feedwatch-mailday-")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(d)
		*dir = d
	}
	ctx := context.Background()
	now := dayStart.Add(-time.Minute)
	clock := func() time.Time { return now }

	st, err := store.Open(ctx, filepath.Join(*dir, "feedwatch.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	st.Now = clock
	set := shippedTopics()
	templates, err := fs.Sub(feedwatch.Defaults, "templates")
	if err != nil {
		log.Fatal(err)
	}
	r, err := render.New(templates)
	if err != nil {
		log.Fatal(err)
	}
	b := digest.New(st, r, digest.Options{From: "feedwatch bench <digest@bench.example.org>", BaseURL: "https://news.bench.example.org",
		Secret: []byte("mailday-bench-secret"), Now: clock})
	host, portText, _ := strings.Cut(*smtpAddr, ":")
	port, err := strconv.Atoi(portText)
	if err != nil {
		log.Fatalf("mailday: -smtp %s: %v", *smtpAddr, err)
	}
	sender := mail.NewSMTP(mail.SMTPOptions{Host: host, Port: port, TLS: mail.TLSNone, Timeout: 30 * time.Second})
	defer sender.Close()
	ob := deliver.New(st, sender, deliver.Options{From: "feedwatch bench <digest@bench.example.org>", Now: clock})

	mix := subscribe(ctx, st, *n, *seed, *instant, *daily, *weekly, *best)
	arrivals, feeds, matched, reports := schedulePolls(ctx, st, set)
	// The first dispatch places every subscription (a cursor, a next
	// delivery time); nothing has matched yet, so it sends nothing.
	if _, err := b.Dispatch(ctx, set, ""); err != nil {
		log.Fatal(err)
	}

	fmt.Printf("date:        %s\n", time.Now().UTC().Format(time.RFC3339))
	fmt.Printf("setup:       %d subscribers of us-russia: %s; %d zones; %d want only the strongest; headlines: %s\n",
		*n, mix.frequencies(), len(zones), mix.best, mix.langs())
	fmt.Printf("reports:     %d labelled reports (testdata/stories) over the day, %d of them match us-russia, from %d feeds\n",
		reports, matched, feeds)
	fmt.Printf("simulated:   %s to %s, a dispatch and a drain of the outbox every minute, a poll every %s (each feed every %s)\n",
		dayStart.Format("2006-01-02 15:04 MST"), dayStart.Add(24*time.Hour).Format("15:04 MST"), pollEvery, feedEvery)

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	resetPeakRSS()
	var polls, dispatches, sends, idle cpu
	var idleCount, mailDispatches int
	var queued, sent int
	begin := cpuNow()
	wallBegin := time.Now()
	for now = dayStart; now.Before(dayStart.Add(24 * time.Hour)); now = now.Add(time.Minute) {
		if batch, ok := arrivals[now]; ok {
			c := cpuNow()
			for _, a := range batch {
				if _, err := st.SaveFetch(ctx, a.feed, a.items, a.matches); err != nil {
					log.Fatal(err)
				}
			}
			polls.add(c)
		}
		c := cpuNow()
		res, err := b.Dispatch(ctx, set, "")
		if err != nil {
			log.Fatalf("dispatch at %v: %v", now, err)
		}
		dispatches.add(c)
		if res.Mails == 0 {
			idle.add(c)
			idleCount++
		} else {
			mailDispatches++
		}
		queued += res.Mails
		c = cpuNow()
		sum, err := ob.Drain(ctx)
		if err != nil {
			log.Fatalf("drain at %v: %v", now, err)
		}
		sends.add(c)
		sent += sum.Sent
		if sum.Failed > 0 || sum.Retrying > 0 {
			log.Fatalf("drain at %v: %+v", now, sum)
		}
	}
	total := cpuSince(begin)
	wall := time.Since(wallBegin)
	peak := peakRSS()

	byFreq, err := mailsByFrequency(ctx, st)
	if err != nil {
		log.Fatal(err)
	}
	dbSize := fileSize(filepath.Join(*dir, "feedwatch.db")) + fileSize(filepath.Join(*dir, "feedwatch.db-wal"))
	fmt.Printf("mails:       %d queued, %d sent: %s\n", queued, sent, byFreq)
	fmt.Printf("wall:        %.1f s for the simulated day\n", wall.Seconds())
	fmt.Printf("CPU:         %.2f s (user + sys): %.2f s storing the polls' matches, %.2f s dispatching, %.2f s sending\n",
		total.Seconds(), polls.Seconds(), dispatches.Seconds(), sends.Seconds())
	if sent > 0 {
		mailCPU := dispatches.d + sends.d
		fmt.Printf("per mail:    %.3f ms of CPU per delivered mail (dispatch and send; %.3f ms with the polls' writes): %.3f ms dispatching, %.3f ms sending\n",
			ms(mailCPU)/float64(sent), ms(total.d)/float64(sent), ms(dispatches.d)/float64(sent), ms(sends.d)/float64(sent))
	}
	fmt.Printf("dispatches:  %d with mail, %d without: those cost %.2f s, %.2f ms each\n",
		mailDispatches, idleCount, idle.Seconds(), ms(idle.d)/float64(max(idleCount, 1)))
	fmt.Printf("peak RSS:    %.0f MB during the day\n", float64(peak)/1024)
	fmt.Printf("database:    %.0f MB after the day\n", float64(dbSize)/(1<<20))
	if sent != queued {
		log.Fatalf("mailday: %d mails queued but %d sent", queued, sent)
	}
}

// mixCount says how many subscriptions chose what.
type mixCount struct {
	freq       map[string]int
	best       int
	ruLang, en int
}

func (m mixCount) frequencies() string {
	return fmt.Sprintf("%d instant, %d daily, %d weekly, %d on the topic's schedule",
		m.freq[model.FrequencyInstant], m.freq[model.FrequencyDaily], m.freq[model.FrequencyWeekly], m.freq[model.FrequencyTopic])
}

func (m mixCount) langs() string {
	return fmt.Sprintf("%d prefer Russian, %d English, the rest any", m.ruLang, m.en)
}

// subscribe adds n active subscribers of us-russia, each with a zone,
// frequency, time, day and language drawn with seed.
func subscribe(ctx context.Context, st *store.Store, n int, seed uint64, instant, daily, weekly, best float64) mixCount {
	rng := rand.New(rand.NewPCG(seed, 0))
	m := mixCount{freq: map[string]int{}}
	for i := range n {
		sch := model.Schedule{Frequency: model.FrequencyTopic}
		switch p := rng.Float64(); {
		case p < instant:
			sch.Frequency = model.FrequencyInstant
		case p < instant+daily:
			sch = model.Schedule{Frequency: model.FrequencyDaily, DeliverAt: times[rng.IntN(len(times))]}
		case p < instant+daily+weekly:
			sch = model.Schedule{Frequency: model.FrequencyWeekly, DeliverAt: times[rng.IntN(len(times))], Weekday: time.Weekday(rng.IntN(7))}
		}
		if sch.Frequency != model.FrequencyTopic && rng.Float64() < best {
			sch.BestOnly = true
			m.best++
		}
		m.freq[sch.Frequency]++
		email := fmt.Sprintf("reader%06d@bench.example.net", i+1)
		if _, err := st.Subscribe(ctx, model.Subscription{Email: email, Name: fmt.Sprintf("Reader %d", i+1),
			TimeZone: zones[rng.IntN(len(zones))], TopicID: "us-russia", Status: model.SubscriptionActive, Schedule: sch}); err != nil {
			log.Fatal(err)
		}
		var lang string
		switch p := rng.Float64(); {
		case p < 0.1:
			lang, m.ruLang = "ru", m.ruLang+1
		case p < 0.2:
			lang, m.en = "en", m.en+1
		}
		if lang != "" {
			if err := st.SetSubscriber(ctx, email, store.SubscriberSettings{Lang: &lang}); err != nil {
				log.Fatal(err)
			}
		}
	}
	return m
}

func shippedTopics() *topic.Set {
	f, err := feedwatch.Defaults.Open("config/topics.yaml")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	set, err := topic.Parse(f, "config/topics.yaml")
	if err != nil {
		log.Fatal(err)
	}
	if _, ok := set.Topic("us-russia"); !ok {
		log.Fatal("mailday: the shipped topics have no us-russia")
	}
	return set
}

// report is a line of testdata/stories.
type report struct {
	ID, Event, Title, Summary, Lang, Source string
	Published                               time.Time
}

// arrival is what one feed's poll stores.
type arrival struct {
	feed    model.Feed
	items   []model.Item
	matches [][]model.Match
}

// schedulePolls lays the labelled reports over the day, in the order they
// were published, and works out which poll stores each: the first of its
// outlet's feed at or after its publication. It adds a feed per outlet and
// returns the polls by minute, the number of feeds, of matching reports
// and of reports.
func schedulePolls(ctx context.Context, st *store.Store, set *topic.Set) (map[time.Time][]arrival, int, int, int) {
	var reports []report
	for _, name := range []string{"tuning.jsonl", "holdout.jsonl"} {
		reports = append(reports, readReports(filepath.Join("testdata", "stories", name))...)
	}
	sort.SliceStable(reports, func(i, j int) bool { return reports[i].Published.Before(reports[j].Published) })
	feeds := map[string]model.Feed{}
	var outlets []string
	for _, r := range reports {
		if _, ok := feeds[r.Source]; ok {
			continue
		}
		f, err := st.AddFeed(ctx, model.Feed{URL: fmt.Sprintf("https://feed%02d.bench.example/rss", len(outlets)+1), Title: r.Source, Enabled: true})
		if err != nil {
			log.Fatal(err)
		}
		feeds[r.Source] = f
		outlets = append(outlets, r.Source)
	}
	offset := map[string]time.Duration{}
	for i, o := range outlets {
		offset[o] = time.Duration(i) * pollEvery % feedEvery
	}
	byPoll := map[time.Time]map[string]*arrival{}
	matched := 0
	for i, r := range reports {
		published := dayStart.Add(time.Duration(float64(24*time.Hour) * (float64(i) + 0.5) / float64(len(reports)))).Truncate(time.Second)
		// The first poll of the outlet's feed at or after publication.
		poll := dayStart.Add(offset[r.Source])
		for poll.Before(published) {
			poll = poll.Add(feedEvery)
		}
		if !poll.Before(dayStart.Add(24 * time.Hour)) {
			continue
		}
		var ms []model.Match
		for _, res := range set.Match(match.Document{Title: r.Title, Summary: r.Summary}) {
			if res.Matched {
				ms = append(ms, model.Match{TopicID: res.TopicID, Score: res.Score, Terms: res.Terms, Words: res.Words})
			}
		}
		if len(ms) > 0 {
			matched++
		}
		link := fmt.Sprintf("https://%s/%s", strings.TrimPrefix(feeds[r.Source].URL[:strings.Index(feeds[r.Source].URL, "/rss")], "https://"), r.ID)
		item := model.Item{Key: r.ID, GUID: r.ID, Link: link, CanonicalLink: link, Title: r.Title,
			Summary: "<p>" + r.Summary + "</p>", SummaryText: r.Summary, Published: published, FetchedAt: poll, Lang: r.Lang}
		if byPoll[poll] == nil {
			byPoll[poll] = map[string]*arrival{}
		}
		a := byPoll[poll][r.Source]
		if a == nil {
			a = &arrival{feed: feeds[r.Source]}
			byPoll[poll][r.Source] = a
		}
		a.items = append(a.items, item)
		a.matches = append(a.matches, ms)
	}
	out := map[time.Time][]arrival{}
	for t, m := range byPoll {
		for _, o := range outlets {
			if a, ok := m[o]; ok {
				out[t] = append(out[t], *a)
			}
		}
	}
	return out, len(outlets), matched, len(reports)
}

func readReports(path string) []report {
	f, err := os.Open(path)
	if err != nil {
		log.Fatalf("mailday: %v (run it from the repository's root)", err)
	}
	defer f.Close()
	var out []report
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		var r report
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			log.Fatalf("%s:%d: %v", path, line, err)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		log.Fatalf("%s: %v", path, err)
	}
	return out
}

// mailsByFrequency counts the deliveries by the frequency of the
// subscription they went to (each subscriber has one).
func mailsByFrequency(ctx context.Context, st *store.Store) (string, error) {
	rows, err := st.DB().QueryContext(ctx, `SELECT t.frequency, count(*) FROM deliveries d
		JOIN subscriptions t ON t.subscriber_id = d.subscriber_id AND t.topic_id = 'us-russia' GROUP BY t.frequency`)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	count := map[string]int{}
	for rows.Next() {
		var f string
		var c int
		if err := rows.Scan(&f, &c); err != nil {
			return "", err
		}
		count[f] = c
	}
	return fmt.Sprintf("%d instant alerts, %d daily, %d weekly, %d on the topic's schedule",
		count[model.FrequencyInstant], count[model.FrequencyDaily], count[model.FrequencyWeekly], count[model.FrequencyTopic]), rows.Err()
}

// cpu accumulates CPU time (user + sys) of this process.
type cpu struct{ d time.Duration }

func (c *cpu) add(since time.Duration) { c.d += cpuNow() - since }
func (c cpu) Seconds() float64         { return c.d.Seconds() }

func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		log.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func cpuSince(t time.Duration) cpu { return cpu{cpuNow() - t} }

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// resetPeakRSS starts the kernel's count of peak resident memory (VmHWM)
// afresh, so that what setting up used is not counted.
func resetPeakRSS() {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		log.Printf("mailday: peak RSS not reset, it includes the setup: %v", err)
	}
}

// peakRSS is VmHWM in kB.
func peakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		log.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			v, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return v
		}
	}
	return 0
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}
