// Package lifecycle runs subscribers through a simulated fortnight of
// polls and deliveries, on a controllable clock, against a real SMTP
// server, and checks what each of them received: every match exactly
// once, at the right local times, nothing while paused. The unit tests run
// it against the in-process test server (internal/smtptest) and the
// end-to-end tests against Mailpit. It is for tests only.
package lifecycle

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/deliver"
	"github.com/feedwatch/feedwatch/internal/digest"
	"github.com/feedwatch/feedwatch/internal/mail"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/render"
	"github.com/feedwatch/feedwatch/internal/schedule"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/topic"
)

// Received is one message as the mail server holds it.
type Received struct {
	To  string
	Raw []byte
}

// Options say where the simulation's mail goes and how to read it back.
type Options struct {
	Sender   mail.Sender
	Received func() ([]Received, error)
	// Templates is the folder of the digest templates.
	Templates string
	// Step is how far the clock moves between dispatches (default 15
	// minutes, an hour under the race detector): a scheduled mail goes
	// out at most a Step after its time.
	Step time.Duration
}

const topicsFile = `topics:
  - id: alpha
    name: Alpha
    digest: {schedule: "0 7 * * *", max_items: 1000}
    rules: {any: [zzzz-never]}
  - id: beta
    name: Beta
    digest: {schedule: "0 7 * * *", max_items: 1000}
    rules: {any: [zzzz-never]}
`

// The fortnight begins on a Monday and takes in the night the clocks go
// back in Berlin (25 October 2026) and in New York (1 November).
var (
	start = time.Date(2026, 10, 19, 0, 0, 0, 0, time.UTC)
	end   = start.AddDate(0, 0, 15)
	// tokyo-switch goes from daily to instant, and ny-pause pauses, at
	// these times.
	switchAt   = start.AddDate(0, 0, 7)
	pauseFrom  = start.AddDate(0, 0, 3)
	pauseUntil = start.AddDate(0, 0, 6)
)

// subscriber is one simulated reader.
type subscriber struct {
	email   string
	zone    string
	topics  []string
	sched   model.Schedule
	combine bool
}

func daily(hh, mm int) model.Schedule {
	return model.Schedule{Frequency: model.FrequencyDaily, DeliverAt: hh*60 + mm}
}

var readers = []subscriber{
	{"berlin-daily@example.net", "Europe/Berlin", []string{"alpha", "beta"}, daily(7, 0), true},
	{"berlin-dst@example.net", "Europe/Berlin", []string{"alpha"}, daily(2, 30), true},
	{"tokyo-instant@example.net", "Asia/Tokyo", []string{"alpha"}, model.Schedule{Frequency: model.FrequencyInstant}, true},
	{"ny-weekly@example.net", "America/New_York", []string{"alpha"},
		model.Schedule{Frequency: model.FrequencyWeekly, Weekday: time.Monday, DeliverAt: 8 * 60}, true},
	{"tokyo-switch@example.net", "Asia/Tokyo", []string{"beta"}, daily(9, 0), true},
	{"ny-pause@example.net", "America/New_York", []string{"alpha", "beta"}, daily(18, 0), true},
	{"tokyo-separate@example.net", "Asia/Tokyo", []string{"alpha", "beta"}, daily(12, 0), false},
}

// mailSeen is one received message, read.
type mailSeen struct {
	to     string
	date   time.Time
	kind   string
	topics []string
	links  []string
}

var storyLink = regexp.MustCompile(`https://wire\.example/story/\d+\b`)

// Run simulates the fortnight and checks what every reader received.
func Run(tb testing.TB, o Options) {
	tb.Helper()
	if o.Step <= 0 {
		o.Step = defaultStep
	}
	ctx := context.Background()
	now := start.Add(-time.Hour)
	clock := func() time.Time { return now }
	st, err := store.Open(ctx, filepath.Join(tb.TempDir(), "feedwatch.db"))
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	st.Now = clock
	set, err := topic.Parse(strings.NewReader(topicsFile), "lifecycle-topics.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	r, err := render.New(os.DirFS(o.Templates))
	if err != nil {
		tb.Fatal(err)
	}
	b := digest.New(st, r, digest.Options{From: "feedwatch <digest@feedwatch.test>", BaseURL: "https://news.feedwatch.test",
		Secret: []byte("lifecycle-secret"), Local: time.UTC, Now: clock})
	ob := deliver.New(st, o.Sender, deliver.Options{From: "feedwatch <digest@feedwatch.test>", Now: clock})
	feed, err := st.AddFeed(ctx, model.Feed{URL: "https://wire.example/rss", Title: "Wire", Enabled: true})
	if err != nil {
		tb.Fatal(err)
	}
	for _, rd := range readers {
		for _, id := range rd.topics {
			if _, err := st.Subscribe(ctx, model.Subscription{Email: rd.email, TimeZone: rd.zone, TopicID: id,
				Status: model.SubscriptionActive, Schedule: rd.sched}); err != nil {
				tb.Fatal(err)
			}
		}
		if !rd.combine {
			off := false
			if err := st.SetSubscriber(ctx, rd.email, store.SubscriberSettings{Combine: &off}); err != nil {
				tb.Fatal(err)
			}
		}
	}

	topicOf := map[string]string{} // link -> topic
	stored := map[string]time.Time{}
	n := 0
	switched, paused, resumed := false, false, false
	for now = start; now.Before(end); now = now.Add(o.Step) {
		// A story for alpha every three hours and for beta every four,
		// at minutes that are not the schedules' quarter hours.
		var items []model.Item
		var matches [][]model.Match
		for _, tp := range []struct {
			id    string
			every time.Duration
		}{{"alpha", 3 * time.Hour}, {"beta", 4 * time.Hour}} {
			if now.Sub(start)%tp.every != 0 {
				continue
			}
			n++
			link := fmt.Sprintf("https://wire.example/story/%d", n)
			items = append(items, model.Item{Key: link, GUID: link, Link: link, CanonicalLink: link,
				Title: fmt.Sprintf("%s report %s", strings.ToUpper(tp.id[:1])+tp.id[1:], words(n)), Published: now, FetchedAt: now})
			matches = append(matches, []model.Match{{TopicID: tp.id, Score: 10, Terms: []string{"zzzz-never"}}})
			topicOf[link] = tp.id
			stored[link] = now
		}
		if len(items) > 0 {
			if _, err := st.SaveFetch(ctx, feed, items, matches); err != nil {
				tb.Fatal(err)
			}
		}
		if !switched && !now.Before(switchAt) {
			switched = true
			if err := st.SetSchedule(ctx, "tokyo-switch@example.net", "beta", model.Schedule{Frequency: model.FrequencyInstant}); err != nil {
				tb.Fatal(err)
			}
		}
		if !paused && !now.Before(pauseFrom) {
			paused = true
			until := pauseUntil
			if err := st.SetSubscriber(ctx, "ny-pause@example.net", store.SubscriberSettings{PausedUntil: &until}); err != nil {
				tb.Fatal(err)
			}
		}
		if !resumed && !now.Before(pauseUntil) {
			resumed = true
		}
		res, err := b.Dispatch(ctx, set, "")
		if err != nil {
			tb.Fatalf("dispatch at %v: %v", now, err)
		}
		if res.Mails == 0 {
			continue // nothing queued, nothing to send: no retries are expected
		}
		if _, err := ob.Drain(ctx); err != nil {
			tb.Fatalf("drain at %v: %v", now, err)
		}
	}
	// What is still waiting goes out now, so that every match has been
	// mailed to everyone once; these mails are not at scheduled times.
	flushed := now
	if _, err := b.DispatchNow(ctx, set, ""); err != nil {
		tb.Fatal(err)
	}
	if sum, err := ob.Drain(ctx); err != nil || sum.Failed > 0 || sum.Retrying > 0 {
		tb.Fatalf("last drain: %+v, %v", sum, err)
	}

	got, err := o.Received()
	if err != nil {
		tb.Fatal(err)
	}
	var seen []mailSeen
	for _, m := range got {
		ms, err := read(m)
		if err != nil {
			tb.Fatal(err)
		}
		seen = append(seen, ms)
	}
	sort.SliceStable(seen, func(i, j int) bool { return seen[i].date.Before(seen[j].date) })
	check(tb, seen, topicOf, stored, flushed, o.Step)
}

// words makes a title that no other title of the run resembles: words of
// its own, made of syllables from n, so that every story is one event.
func words(n int) string {
	return strings.Join([]string{Word(n, 0), Word(n, 1), Word(n, 2)}, " ")
}

// Word is a made-up word, the i-th of event n, shared by no other event:
// tests that need stories of one report each give them titles of these.
func Word(n, i int) string {
	syllables := []string{"ka", "lo", "mi", "nu", "pe", "ra", "si", "to", "vu", "ze", "bo", "di"}
	v := n*7 + i + 1
	var b strings.Builder
	for range 4 {
		b.WriteString(syllables[v%len(syllables)])
		v /= len(syllables)
	}
	return b.String() + []string{"x", "q", "j"}[i%3]
}

// read parses a received message into what the checks need.
func read(m Received) (mailSeen, error) {
	msg, err := netmail.ReadMessage(bytes.NewReader(m.Raw))
	if err != nil {
		return mailSeen{}, err
	}
	ms := mailSeen{to: m.To, kind: msg.Header.Get("X-Feedwatch-Kind")}
	if ms.date, err = msg.Header.Date(); err != nil {
		return mailSeen{}, fmt.Errorf("message to %s: %w", m.To, err)
	}
	ms.topics = strings.Split(msg.Header.Get("X-Feedwatch-Topic"), ",")
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return mailSeen{}, err
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return mailSeen{}, err
		}
		if ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); ct != "text/plain" {
			continue
		}
		var r io.Reader = p // quoted-printable is undone by NextPart
		if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "base64") {
			r = base64.NewDecoder(base64.StdEncoding, p)
		}
		body, err := io.ReadAll(r)
		if err != nil {
			return mailSeen{}, err
		}
		// The headline of an update is one mailed before, shown again
		// over the story's new reports: not counted here.
		lines := strings.Split(strings.ReplaceAll(string(body), "\r\n", "\n"), "\n")
		for i, line := range lines {
			if i > 0 && strings.HasPrefix(lines[i-1], "Update: ") {
				continue
			}
			ms.links = append(ms.links, storyLink.FindAllString(line, -1)...)
		}
	}
	return ms, nil
}

// check asserts what each reader received.
func check(tb testing.TB, seen []mailSeen, topicOf map[string]string, stored map[string]time.Time, flushed time.Time, step time.Duration) {
	tb.Helper()
	byReader := map[string][]mailSeen{}
	for _, m := range seen {
		byReader[m.to] = append(byReader[m.to], m)
	}
	for _, rd := range readers {
		mails := byReader[rd.email]
		loc, _ := time.LoadLocation(rd.zone)
		// Every match of the reader's topics, once.
		count := map[string]int{}
		for _, m := range mails {
			for _, l := range m.links {
				count[l]++
			}
		}
		for link, id := range topicOf {
			want := 0
			for _, t := range rd.topics {
				if t == id {
					want = 1
				}
			}
			if count[link] != want {
				tb.Errorf("%s received %s (%s) %d times, want %d", rd.email, link, id, count[link], want)
			}
		}
		// Mails at the reader's times.
		perDate := map[string]int{}
		firstAfterSwitch := true
		for _, m := range mails {
			if !m.date.Before(flushed) {
				continue
			}
			local := m.date.In(loc)
			switch {
			case rd.email == "ny-pause@example.net" && !m.date.Before(pauseFrom) && m.date.Before(pauseUntil):
				tb.Errorf("%s was mailed at %v, while paused", rd.email, local)
			case rd.sched.Frequency == model.FrequencyInstant || (rd.email == "tokyo-switch@example.net" && !m.date.Before(switchAt)):
				if m.kind != model.KindAlert {
					tb.Errorf("%s: a %s at %v, want alerts", rd.email, m.kind, local)
				}
				if rd.email == "tokyo-switch@example.net" && firstAfterSwitch {
					// What waited for the old daily time comes at once.
					firstAfterSwitch = false
					break
				}
				// An alert comes in the dispatch that follows its stories.
				for _, l := range m.links {
					if d := m.date.Sub(stored[l]); d < 0 || d > step {
						tb.Errorf("%s: alert at %v for a story stored at %v", rd.email, m.date, stored[l])
					}
				}
			default:
				// The scheduled time this mail is for: the last one at or
				// before it, which it may follow by less than a step.
				due := time.Time{}
				for t := schedule.Next(rd.sched, loc, m.date.Add(-8*24*time.Hour)); !t.IsZero() && !t.After(m.date); t = schedule.Next(rd.sched, loc, t) {
					due = t
				}
				if due.IsZero() || m.date.Sub(due) >= step {
					tb.Errorf("%s: mail at %v local, not within %v of a %02d:%02d (last one due %v)", rd.email, local, step,
						rd.sched.DeliverAt/60, rd.sched.DeliverAt%60, due.In(loc))
				}
				perDate[due.Format(time.RFC3339)+" "+strings.Join(m.topics, ",")]++
			}
		}
		for day, n := range perDate {
			if n != 1 {
				tb.Errorf("%s: %d mails for %s, want 1", rd.email, n, day)
			}
		}
		if len(mails) == 0 {
			tb.Errorf("%s received nothing", rd.email)
		}
	}
	// Specific days.
	expect := func(email string, from, to time.Time, want int) {
		tb.Helper()
		n := 0
		for _, m := range byReader[email] {
			if !m.date.Before(from) && m.date.Before(to) {
				n++
			}
		}
		if n != want {
			tb.Errorf("%s: %d mails between %v and %v, want %d", email, n, from, to, want)
		}
	}
	day := func(d int) time.Time { return start.AddDate(0, 0, d) }
	// Berlin's 02:30 on the night the clocks go back (25 October): once.
	expect("berlin-dst@example.net", day(5).Add(-2*time.Hour), day(6).Add(-2*time.Hour), 1)
	// The daily Berlin reader gets one mail a day with both topics.
	for _, m := range byReader["berlin-daily@example.net"] {
		if m.date.Before(flushed) && len(m.topics) != 2 {
			tb.Errorf("berlin-daily: a mail of %v, want both topics in one", m.topics)
		}
	}
	// Weekly: Mondays 19 and 26 October and 2 November at 08:00 New York.
	expect("ny-weekly@example.net", start, flushed, 3)
	// Combining off: two mails a day, one per topic.
	for _, m := range byReader["tokyo-separate@example.net"] {
		if m.date.Before(flushed) && len(m.topics) != 1 {
			tb.Errorf("tokyo-separate: a mail of %v, want one topic a mail", m.topics)
		}
	}
	// After the pause, the first mail carries what came during it.
	for _, m := range byReader["ny-pause@example.net"] {
		if !m.date.Before(pauseUntil) {
			if len(m.links) < 20 {
				tb.Errorf("ny-pause: the first mail after the pause holds %d stories, want the pause's (20 or more)", len(m.links))
			}
			break
		}
	}
}
