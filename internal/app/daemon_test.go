package app

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/config"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/smtptest"
	"github.com/feedwatch/feedwatch/internal/store"
)

// logBuf collects a daemon's log for a test to read while it runs.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuf) count(s string) int { return strings.Count(l.String(), s) }

func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// feed is an RSS feed served over HTTP whose items a test adds to.
type feed struct {
	srv   *httptest.Server
	mu    sync.Mutex
	items []string
	// hold, when set, is called before each answer: a test blocks the
	// poll there to have work in flight.
	hold func()
}

func newFeed(t *testing.T, titles ...string) *feed {
	t.Helper()
	f := &feed{items: titles}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		hold := f.hold
		f.mu.Unlock()
		if hold != nil {
			hold()
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, f.rss())
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *feed) url() string { return f.srv.URL + "/wire.rss" }

func (f *feed) add(title string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items = append(f.items, title)
}

func (f *feed) setHold(h func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hold = h
}

func (f *feed) rss() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Test Wire</title><link>https://wire.example/</link><description>wire</description>`)
	for i, title := range f.items {
		// Newest first, dated now: the daemon keeps items of the last days.
		fmt.Fprintf(&b, `<item><title>%s</title><link>https://wire.example/%d</link><guid>wire-%d</guid><pubDate>%s</pubDate></item>`,
			html.EscapeString(title), i, i, time.Now().Add(-time.Duration(len(f.items)-i)*time.Minute).UTC().Format(time.RFC1123Z))
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

// testEnv is a data folder with a config file and a topics file.
type testEnv struct {
	t      *testing.T
	dir    string
	cfg    string // the config file
	topics string // the topics file
	logs   *logBuf
}

// configText is a daemon's config: mail to smtpPort, feeds from feedURL,
// a web server on a free port. extra is appended as it is.
func (e *testEnv) configText(feedURL string, smtpPort int, extra string) string {
	feeds := ""
	if feedURL != "" {
		feeds = "feeds:\n  - url: " + feedURL + "\n"
	}
	return fmt.Sprintf(`data_dir: %[1]s
topics_file: %[2]s
log: {level: info, format: json}
poll: {schedule: "@every 1s", interval: 1s, min_interval: 1s, timeout: 10s}
%[3]smail:
  from: "feedwatch <digest@feedwatch.test>"
  smtp: {host: 127.0.0.1, port: %[4]d, tls: none, timeout: 10s}
web: {listen: "127.0.0.1:0", base_url: "https://news.feedwatch.test"}
retention: {max_age: 0s}
%[5]s`, e.dir, e.topics, feeds, smtpPort, extra)
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	dir := t.TempDir()
	e := &testEnv{t: t, dir: dir, cfg: filepath.Join(dir, "feedwatch.yaml"), topics: filepath.Join(dir, "topics.yaml"), logs: &logBuf{}}
	b, err := os.ReadFile(filepath.Join("testdata", "topics.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	e.writeFile(e.topics, string(b))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("daemon log:\n%s", e.logs.String())
		}
	})
	return e
}

func (e *testEnv) writeFile(path, text string) {
	e.t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		e.t.Fatal(err)
	}
}

var testEnviron = []string{"TEST_ADMIN_TOKEN=admin-token"}

// daemon loads the config file and returns a daemon on it, not started.
func (e *testEnv) daemon() *Daemon {
	e.t.Helper()
	cfg, err := config.Load(e.cfg, testEnviron)
	if err != nil {
		e.t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	a := New(cfg, Options{Environ: testEnviron, Logger: log, Version: "test"})
	return NewDaemon(a, DaemonOptions{WatchEvery: 50 * time.Millisecond, RetireAfter: time.Hour})
}

// start starts d and stops it when the test ends.
func (e *testEnv) start(d *Daemon) {
	e.t.Helper()
	if err := d.Start(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := d.Stop(ctx); err != nil {
			e.t.Errorf("stop: %v", err)
		}
	})
}

// store opens the daemon's database beside it (WAL lets both in).
func (e *testEnv) store() *store.Store {
	e.t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(e.dir, "feedwatch.db"))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { st.Close() })
	return st
}

func (e *testEnv) subscribe(email string, sch model.Schedule) {
	e.t.Helper()
	if _, err := e.store().Subscribe(context.Background(), model.Subscription{Email: email, TopicID: "talks",
		Status: model.SubscriptionActive, Schedule: sch}); err != nil {
		e.t.Fatal(err)
	}
}

func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func subjects(srv *smtptest.Server) []string {
	var out []string
	for _, m := range srv.Messages() {
		out = append(out, string(m.Data))
	}
	return out
}

func jobRuns(d *Daemon, name string) int {
	for _, j := range d.Jobs() {
		if j.Name == name {
			return j.Runs
		}
	}
	return -1
}

// TestDaemonRunsItsJobs starts a daemon in-process: it polls at once, an
// instant subscriber's alert follows the poll, backups are taken on their
// schedule and the old ones deleted, the web server answers, and a second
// daemon on the same database is refused until the first has stopped.
func TestDaemonRunsItsJobs(t *testing.T) {
	e := newTestEnv(t)
	f := newFeed(t, "US and Russia open talks in Geneva", "Snow closes schools in Bavaria")
	smtpSrv := smtptest.Start(t, smtptest.Options{})
	e.writeFile(e.cfg, e.configText(f.url(), smtpSrv.Port, "backup: {schedule: \"@every 1s\", keep: 2}\n"))
	e.subscribe("reader@feedwatch.test", model.Schedule{Frequency: model.FrequencyInstant})

	d := e.daemon()
	e.start(d)
	waitFor(t, 30*time.Second, "the alert", func() bool { return len(smtpSrv.Messages()) >= 1 })
	msg := subjects(smtpSrv)[0]
	if !strings.Contains(msg, "US and Russia open talks in Geneva") || !strings.Contains(msg, "X-Feedwatch-Kind: alert") ||
		strings.Contains(msg, "Bavaria") {
		t.Errorf("the alert is not the matching item's:\n%.1000s", msg)
	}
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready", "/metrics": "feedwatch_polls_total"} {
		if code, body := get(t, "http://"+d.WebAddr()+path, ""); code != 200 || !strings.Contains(body, want) {
			t.Errorf("GET %s = %d %.200s", path, code, body)
		}
	}
	waitFor(t, 20*time.Second, "three backups", func() bool { return e.logs.count(`"msg":"database backed up"`) >= 3 })
	// The start runs poll, dispatch and outbox one after another: on a busy
	// machine the outbox's first run can still be under way when the
	// alert is sent and the backups are taken.
	for _, job := range []string{"poll", "dispatch", "outbox", "backup"} {
		waitFor(t, 20*time.Second, "a run of job "+job, func() bool { return jobRuns(d, job) >= 1 })
	}
	if n := jobRuns(d, "prune"); n != 0 {
		t.Errorf("prune ran %d times in its first hour", n)
	}

	second := e.daemon()
	if err := second.Start(context.Background()); err == nil || !strings.Contains(err.Error(), "another feedwatch daemon is running") {
		t.Errorf("a second daemon on the database: %v", err)
		second.Stop(context.Background())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := d.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	backups, _ := filepath.Glob(filepath.Join(e.dir, "backups", "*"))
	if len(backups) != 2 {
		t.Errorf("backups %v, want the 2 newest", backups)
	}
	// Stopped, it lets the next one in.
	third := e.daemon()
	e.start(third)
}

// TestStartFailsWhole: a start that fails part way (the web port is
// taken) leaves nothing running and the database unlocked.
func TestStartFailsWhole(t *testing.T) {
	e := newTestEnv(t)
	taken := httptest.NewServer(http.NotFoundHandler())
	defer taken.Close()
	smtpSrv := smtptest.Start(t, smtptest.Options{})
	text := e.configText("", smtpSrv.Port, "")
	e.writeFile(e.cfg, strings.Replace(text, "127.0.0.1:0", strings.TrimPrefix(taken.URL, "http://"), 1))
	if err := e.daemon().Start(context.Background()); err == nil || !strings.Contains(err.Error(), "web.listen") {
		t.Fatalf("start on a taken port: %v", err)
	}
	e.writeFile(e.cfg, strings.Replace(text, "web: {", "web: {admin_user: admin, admin_password_env: NOT_SET, ", 1))
	if err := e.daemon().Start(context.Background()); err == nil || !strings.Contains(err.Error(), "NOT_SET") {
		t.Fatalf("start without the admin's password: %v", err)
	}
	e.writeFile(e.cfg, text)
	e.start(e.daemon())
}

// TestReloadSwapsThePipeline: a reload puts the new config's mail server,
// web settings and feeds in force; a config that does not load, or whose
// parts cannot be built, changes nothing.
func TestReloadSwapsThePipeline(t *testing.T) {
	e := newTestEnv(t)
	f := newFeed(t, "US and Russia open arms talks in Geneva")
	first := smtptest.Start(t, smtptest.Options{})
	second := smtptest.Start(t, smtptest.Options{})
	e.writeFile(e.cfg, e.configText(f.url(), first.Port, ""))
	e.subscribe("reader@feedwatch.test", model.Schedule{Frequency: model.FrequencyInstant})
	d := e.daemon()
	e.start(d)
	waitFor(t, 30*time.Second, "the first alert", func() bool { return len(first.Messages()) == 1 })
	admin := func() int {
		code, _ := get(t, "http://"+d.WebAddr()+"/admin", "admin-token")
		return code
	}
	if code := admin(); code != http.StatusNotFound {
		t.Errorf("GET /admin without an admin configured = %d, want 404", code)
	}

	good := e.configText(f.url(), second.Port, "") // the next mail server
	good = strings.Replace(good, "web: {", "web: {admin_token_env: TEST_ADMIN_TOKEN, ", 1)
	for _, bad := range []struct{ name, text, want string }{
		{"broken YAML", good + "poll: [\n", "config not reloaded"},
		{"a bad schedule", strings.Replace(good, `"@every 1s"`, `"every now and then"`, 1), "schedule"},
		{"a DKIM key that is not there", good + "  dkim: {domain: feedwatch.test, selector: s1, key_file: " + filepath.Join(e.dir, "no.pem") + "}\n", "no.pem"},
	} {
		if bad.name == "a DKIM key that is not there" {
			bad.text = strings.Replace(good, "  smtp:", "  dkim: {domain: feedwatch.test, selector: s1, key_file: "+filepath.Join(e.dir, "no.pem")+"}\n  smtp:", 1)
		}
		e.writeFile(e.cfg, bad.text)
		err := d.Reload()
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("reload with %s: %v, want an error saying %q", bad.name, err, bad.want)
		}
		if port := d.app.Config().Mail.SMTP.Port; port != first.Port {
			t.Errorf("after a reload with %s the mail goes to port %d", bad.name, port)
		}
	}
	// The previous pipeline still runs: the next match goes to the first
	// server.
	f.add("Swiss watchmakers in Geneva report record exports")
	waitFor(t, 30*time.Second, "the second alert, to the first server", func() bool { return len(first.Messages()) == 2 })
	if code := admin(); code != http.StatusNotFound {
		t.Errorf("GET /admin after failed reloads = %d, want 404", code)
	}

	e.writeFile(e.cfg, good)
	if err := d.Reload(); err != nil {
		t.Fatal(err)
	}
	f.add("Servette Geneva win the football cup final")
	waitFor(t, 30*time.Second, "the third alert, to the second server", func() bool { return len(second.Messages()) == 1 })
	if n := len(first.Messages()); n != 2 {
		t.Errorf("the first server received %d messages after the reload, want 2", n)
	}
	if msg := subjects(second)[0]; !strings.Contains(msg, "Subject: Talks: Servette Geneva") {
		t.Errorf("the second server's message:\n%.600s", msg)
	}
	if code := admin(); code != http.StatusOK {
		t.Errorf("GET /admin after the reload named an admin token = %d, want 200", code)
	}
}

// TestTopicsFileReload: an edit of the topics file is put in force
// without a signal; a broken one is reported and the rules stay.
func TestTopicsFileReload(t *testing.T) {
	e := newTestEnv(t)
	smtpSrv := smtptest.Start(t, smtptest.Options{})
	e.writeFile(e.cfg, e.configText("", smtpSrv.Port, ""))
	d := e.daemon()
	e.start(d)
	orig, _ := os.ReadFile(e.topics)
	e.writeFile(e.topics, string(orig)+`  - id: weather
    name: Weather
    description: Snow.
    rules:
      any:
        - snow
`)
	waitFor(t, 10*time.Second, "the reload in the log", func() bool {
		return e.logs.count(`"msg":"topics reloaded","reason":"topics file changed","topics":2`) == 1
	})
	if _, ok := d.app.CurrentTopics().Topic("weather"); !ok {
		t.Error("the edited topics are not in force")
	}
	e.writeFile(e.topics, "topics:\n  - id: broken\n    rules: {any: [}\n")
	waitFor(t, 10*time.Second, "the broken file reported", func() bool { return e.logs.count("topics not reloaded") >= 1 })
	if err := d.Reload(); err == nil || !strings.Contains(err.Error(), "topics") {
		t.Errorf("Reload with a broken topics file: %v", err)
	}
	if _, ok := d.app.CurrentTopics().Topic("weather"); !ok || len(d.app.CurrentTopics().Topics()) != 2 {
		t.Errorf("after a broken topics file the rules in force are %v", d.app.CurrentTopics().Topics())
	}
}

// TestSendMissed: mail whose time passed while the daemon was down goes
// out at start, once per subscription, with what an earlier run left
// queued; with digest.send_missed off it waits for its next time.
func TestSendMissed(t *testing.T) {
	for _, sendMissed := range []bool{true, false} {
		t.Run(fmt.Sprintf("send_missed=%v", sendMissed), func(t *testing.T) {
			ctx := context.Background()
			e := newTestEnv(t)
			smtpSrv := smtptest.Start(t, smtptest.Options{})
			e.writeFile(e.cfg, e.configText("", smtpSrv.Port, fmt.Sprintf("digest: {send_missed: %v}\n", sendMissed)))
			st := e.store()
			now := time.Now().UTC()
			fd, err := st.AddFeed(ctx, model.Feed{URL: "https://wire.example/rss", Title: "Wire", Enabled: true})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.SaveFetch(ctx, fd, []model.Item{{Key: "1", Title: "Talks in Geneva", Link: "https://wire.example/1",
				Published: now.Add(-3 * time.Hour), FetchedAt: now.Add(-3 * time.Hour)}}, [][]model.Match{{{TopicID: "talks", Score: 20}}}); err != nil {
				t.Fatal(err)
			}
			top, _ := st.TopicMaxSeq(ctx, "talks")
			const readers = 3
			var subs []model.Subscription
			for i := range readers {
				sub, err := st.Subscribe(ctx, model.Subscription{Email: fmt.Sprintf("r%d@feedwatch.test", i), TopicID: "talks",
					Status: model.SubscriptionActive, Schedule: model.Schedule{Frequency: model.FrequencyDaily, DeliverAt: 7 * 60}})
				if err != nil {
					t.Fatal(err)
				}
				// Their mail was due two hours ago.
				if err := st.PlaceSubscriptions(ctx, []store.Placement{{SubscriberID: sub.SubscriberID, TopicID: "talks", CursorSeq: 0,
					NextAt: now.Add(-2 * time.Hour)}}); err != nil {
					t.Fatal(err)
				}
				subs = append(subs, sub)
			}
			// The daemon that stopped had queued r0's mail, and not sent it.
			section, err := st.AddDigest(ctx, model.Digest{TopicID: "talks", FromSeq: 0, ToSeq: top, ItemCount: 1})
			if err != nil {
				t.Fatal(err)
			}
			queued := "Message-ID: <first@feedwatch.test>\r\nSubject: queued before the stop\r\n\r\nbody\r\n"
			if n, err := st.RecordMailings(ctx, []store.Mailing{{SubscriberID: subs[0].SubscriberID,
				Delivery: &model.Delivery{Email: subs[0].Email, MessageID: "first@feedwatch.test", Message: []byte(queued)},
				Moves:    []store.Move{{TopicID: "talks", DigestID: section.ID, FromSeq: 0, ToSeq: top, NextAt: now.Add(22 * time.Hour)}}}}); err != nil || n != 1 {
				t.Fatalf("RecordMailings = %d, %v", n, err)
			}

			d := e.daemon()
			e.start(d)
			want := map[string]int{subs[0].Email: 1}
			if sendMissed {
				for _, s := range subs {
					want[s.Email] = 1
				}
			}
			waitFor(t, 30*time.Second, "the first dispatch and drain", func() bool {
				return jobRuns(d, "dispatch") >= 1 && jobRuns(d, "outbox") >= 1 && len(smtpSrv.Messages()) >= len(want)
			})
			// A second dispatch sends nothing more.
			d.sched.RunNow("dispatch")
			got := map[string]int{}
			for _, m := range smtpSrv.Messages() {
				got[m.To[0]]++
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("messages by address %v, want %v", got, want)
			}
			for _, s := range subs[1:] {
				sub, err := st.Subscription(ctx, s.Email, "talks")
				if err != nil {
					t.Fatal(err)
				}
				sent := sub.CursorSeq == top
				if sent != sendMissed || !sub.NextAt.After(now) {
					t.Errorf("%s after the start: cursor %d (top %d), next %s", s.Email, sub.CursorSeq, top, sub.NextAt)
				}
			}
		})
	}
}

func waitArrival(t *testing.T, arrived <-chan struct{}) {
	t.Helper()
	select {
	case <-arrived:
	case <-time.After(30 * time.Second):
		t.Fatal("no poll reached the feed in 30s")
	}
}

// TestStopFinishesInFlightWork: Stop lets a poll in flight finish and
// store what it fetched; a deadline that passes first is reported.
func TestStopFinishesInFlightWork(t *testing.T) {
	e := newTestEnv(t)
	f := newFeed(t, "Talks in Geneva")
	smtpSrv := smtptest.Start(t, smtptest.Options{})
	e.writeFile(e.cfg, e.configText(f.url(), smtpSrv.Port, ""))
	arrived := make(chan struct{}, 1)
	f.setHold(func() {
		select {
		case arrived <- struct{}{}:
		default:
		}
		time.Sleep(700 * time.Millisecond)
	})
	d := e.daemon()
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitArrival(t, arrived) // the first poll is waiting for the feed
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := d.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	st := e.store()
	fd, err := st.FeedByURL(context.Background(), f.url())
	if err != nil {
		t.Fatal(err)
	}
	if fd.LastSuccessAt.IsZero() || fd.ItemCount != 1 {
		t.Errorf("the poll in flight at Stop was not finished: %+v", fd)
	}

	// A poll that outlasts the deadline: Stop says so.
	release := make(chan struct{})
	f.setHold(func() {
		select {
		case arrived <- struct{}{}:
		default:
		}
		<-release
	})
	f.add("More talks in Geneva")
	d = e.daemon()
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitArrival(t, arrived)
	short, cancel2 := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel2()
	err = d.Stop(short)
	close(release)
	if err == nil || !strings.Contains(err.Error(), "deadline") {
		t.Errorf("Stop with a poll outlasting its deadline: %v", err)
	}
}
