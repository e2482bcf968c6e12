package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/smtptest"
	"github.com/feedwatch/feedwatch/internal/store"
)

// channel is one way of operating feedwatch: the command line on its own
// database, or the admin pages or the API of a daemon on its own.
type channel struct {
	name    string
	dir     string
	cfg     string
	base    string // the daemon's web address; "" for the command line
	key     string // API key
	client  *http.Client
	outputs *syncBuffer
}

const channelAdminPassword = "channel-s3cret"

func startChannel(t *testing.T, name string, daemon bool, smtpPort int) *channel {
	t.Helper()
	c := &channel{name: name, dir: t.TempDir(), outputs: &syncBuffer{}} // the daemon's log, when there is one
	listen := ""
	if daemon {
		listen = freeAddr(t)
		c.base = "http://" + listen
	}
	cfg := fmt.Sprintf(`data_dir: %[1]s
topics_file: ""
log: {level: info, format: text}
poll: {schedule: "@every 1h", timeout: 5s}
mail:
  from: "feedwatch <digest@feedwatch.test>"
  smtp: {host: 127.0.0.1, port: %[2]d, tls: none}
web:
  listen: "%[3]s"
  base_url: "https://news.feedwatch.test"
  admin_user: admin
  admin_password_env: CHANNEL_ADMIN_PASSWORD
  allow_private: [127.0.0.0/8]
retention: {max_age: 0s}
`, c.dir, smtpPort, listen)
	c.cfg = filepath.Join(c.dir, "feedwatch.yaml")
	if err := os.WriteFile(c.cfg, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if !daemon {
		return c
	}
	c.outputs = runDaemon(t, name, c.cfg, []string{"CHANNEL_ADMIN_PASSWORD=" + channelAdminPassword})
	jar, _ := cookiejar.New(nil)
	c.client = &http.Client{Jar: jar, Timeout: 20 * time.Second}
	// The key is made with the command line on the daemon's database.
	code, out, errOut := runCLI(t, nil, "apikeys", "create", "channels", "--config", c.cfg)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || !strings.HasPrefix(lines[len(lines)-1], "fwk_") {
		t.Fatalf("apikeys create = %d\n%s%s", code, out, errOut)
	}
	c.key = lines[len(lines)-1]
	return c
}

func (c *channel) cli(t *testing.T, args ...string) {
	t.Helper()
	code, out, errOut := runCLI(t, nil, append(args, "--config", c.cfg)...)
	if code != 0 {
		t.Fatalf("cli %v = %d\n%s%s", args, code, out, errOut)
	}
}

// csrfField finds a form's CSRF token in a page.
var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// form posts an admin form as a browser would (postForm), signed in.
func (c *channel) form(t *testing.T, page, action string, values url.Values, file []byte) {
	t.Helper()
	postForm(t, c.client, c.base, page, action, values, file, func(req *http.Request) {
		req.SetBasicAuth("admin", channelAdminPassword)
	})
}

// postForm posts a form of the page at base+page as a browser would: the
// page first (for the CSRF cookie and token), then the post, with a file
// as "file" when there is one. sign, when not nil, adds credentials to
// both requests.
func postForm(t *testing.T, client *http.Client, base, page, action string, values url.Values, file []byte, sign func(*http.Request)) {
	t.Helper()
	if sign == nil {
		sign = func(*http.Request) {}
	}
	get, _ := http.NewRequest("GET", base+page, nil)
	sign(get)
	resp, err := client.Do(get)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfField.FindSubmatch(body)
	if m == nil {
		t.Fatalf("%s: no form token on %s (%d)", base, page, resp.StatusCode)
	}
	values.Set("csrf", string(m[1]))
	var req *http.Request
	if file != nil {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for k := range values {
			mw.WriteField(k, values.Get(k))
		}
		fw, _ := mw.CreateFormFile("file", "feeds.opml")
		fw.Write(file)
		mw.Close()
		req, _ = http.NewRequest("POST", base+action, &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
	} else {
		req, _ = http.NewRequest("POST", base+action, strings.NewReader(values.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	sign(req)
	req.Header.Set("Origin", base)
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: POST %s = %d\n%s", base, action, resp.StatusCode, body)
	}
}

func (c *channel) api(t *testing.T, method, path string, body any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+c.key)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Fatalf("%s: %s %s = %d\n%s", c.name, method, path, resp.StatusCode, b)
	}
}

// store opens the channel's database (beside a running daemon: WAL lets
// both in).
func (c *channel) store(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(c.dir, "feedwatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func (c *channel) feedID(t *testing.T, u string) int64 {
	t.Helper()
	f, err := c.store(t).FeedByURL(context.Background(), u)
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	return f.ID
}

// snapshot is what an operation leaves in the database, without what
// differs by nature between channels (ids, times, poll state, the origin
// that records how a feed was added).
func (c *channel) snapshot(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	st := c.store(t)
	var lines []string
	feeds, err := st.Feeds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range feeds {
		lines = append(lines, fmt.Sprintf("feed %s %q enabled=%v interval=%s", f.URL, f.Title, f.Enabled, f.Interval))
	}
	subs, err := st.Subscriptions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		lines = append(lines, fmt.Sprintf("subscription %s %s %s name=%q zone=%q lang=%q combine=%v paused=%s schedule=%+v", s.Email, s.TopicID,
			s.Status, s.Name, s.TimeZone, s.Lang, s.Combine, s.PausedUntil.UTC().Format(time.RFC3339), s.Schedule))
	}
	ds, err := st.Deliveries(ctx, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		lines = append(lines, fmt.Sprintf("delivery %s %s", d.Email, d.Status))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// seedFailed stores a digest with one delivery the server refused.
func (c *channel) seedFailed(t *testing.T, email string) int64 {
	t.Helper()
	ctx := context.Background()
	st := c.store(t)
	sub, err := st.Subscribe(ctx, model.Subscription{Email: email, TopicID: "us-russia", Status: model.SubscriptionActive})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateDigest(ctx, store.NewDigest{Digest: model.Digest{TopicID: "us-russia", Subject: "Digest"}, FromSeq: 0, ToSeq: 0,
		Deliveries: []model.Delivery{{SubscriberID: sub.SubscriberID, Email: email, MessageID: "<seed@feedwatch.test>",
			Message: []byte("From: digest@feedwatch.test\r\nTo: " + email + "\r\nSubject: Digest\r\n\r\nHello\r\n")}}}); err != nil {
		t.Fatal(err)
	}
	ds, _ := st.Deliveries(ctx, model.DeliveryQueued, 1)
	if _, err := st.MarkFailed(ctx, ds[0].ID, "550 5.1.1 no such mailbox", 5); err != nil {
		t.Fatal(err)
	}
	return ds[0].ID
}

// TestSameOperationEveryWay runs each operation through the command line,
// the admin pages and the API, each on its own database, and compares
// what the three databases hold afterwards.
func TestSameOperationEveryWay(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two daemons")
	}
	feeds := feedServer(t)
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<html><head><link rel="alternate" type="application/rss+xml" title="Sports" href="%[1]s/sports.rss">
<link rel="alternate" type="application/atom+xml" title="Local" href="%[1]s/local.atom"></head></html>`, feeds.URL)
	}))
	t.Cleanup(page.Close)
	smtpSrv := smtptest.Start(t, smtptest.Options{})
	opml := []byte(fmt.Sprintf(`<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>
<outline text="Imported one" xmlUrl="https://one.feedwatch.test/feed"/>
<outline text="Imported two" xmlUrl="https://two.feedwatch.test/feed"/>
<outline text="Wire" xmlUrl="%s/wire.rss"/></body></opml>`, feeds.URL))
	opmlPath := filepath.Join(t.TempDir(), "feeds.opml")
	os.WriteFile(opmlPath, opml, 0o600)

	cli := startChannel(t, "cli", false, smtpSrv.Port)
	web := startChannel(t, "web", true, smtpSrv.Port)
	api := startChannel(t, "api", true, smtpSrv.Port)
	wire, sports, local := feeds.URL+"/wire.rss", feeds.URL+"/sports.rss", feeds.URL+"/local.atom"
	// A pause reads its date in the subscriber's zone, the same way in
	// each channel.
	pauseDate := time.Now().AddDate(0, 0, 20).Format(time.DateOnly)
	delivery := map[string]int64{}
	for _, c := range []*channel{cli, web, api} {
		delivery[c.name] = c.seedFailed(t, "bounced@feedwatch.test")
	}

	for _, op := range []struct {
		name string
		cli  func(t *testing.T, c *channel)
		web  func(t *testing.T, c *channel)
		api  func(t *testing.T, c *channel)
	}{
		{"add a feed",
			func(t *testing.T, c *channel) { c.cli(t, "feeds", "add", wire) },
			func(t *testing.T, c *channel) {
				c.form(t, "/admin/feeds", "/admin/feeds", url.Values{"url": {wire}}, nil)
			},
			func(t *testing.T, c *channel) { c.api(t, "POST", "/api/v1/feeds", map[string]string{"url": wire}) }},
		{"add a feed a page advertises",
			func(t *testing.T, c *channel) {
				c.cli(t, "feeds", "add", page.URL, "--pick", "2", "--title", "Local news")
			},
			func(t *testing.T, c *channel) {
				c.form(t, "/admin/feeds", "/admin/feeds", url.Values{"url": {page.URL}, "pick_url": {local}, "title": {"Local news"}}, nil)
			},
			func(t *testing.T, c *channel) {
				c.api(t, "POST", "/api/v1/feeds", map[string]string{"url": page.URL, "pick_url": local, "title": "Local news"})
			}},
		{"add every feed a page advertises",
			func(t *testing.T, c *channel) { c.cli(t, "feeds", "add", page.URL, "--all-found") },
			nil, // the admin page picks one at a time
			func(t *testing.T, c *channel) {
				c.api(t, "POST", "/api/v1/feeds", map[string]any{"url": page.URL, "all_found": true})
			}},
		{"disable a feed",
			func(t *testing.T, c *channel) { c.cli(t, "feeds", "disable", sports) },
			func(t *testing.T, c *channel) {
				c.form(t, "/admin/feeds", fmt.Sprintf("/admin/feeds/%d/disable", c.feedID(t, sports)), url.Values{}, nil)
			},
			func(t *testing.T, c *channel) {
				c.api(t, "PATCH", fmt.Sprintf("/api/v1/feeds/%d", c.feedID(t, sports)), map[string]bool{"enabled": false})
			}},
		{"import OPML",
			func(t *testing.T, c *channel) { c.cli(t, "feeds", "import", opmlPath) },
			func(t *testing.T, c *channel) { c.form(t, "/admin/feeds", "/admin/feeds/import", url.Values{}, opml) },
			nil}, // the API adds feeds one by one
		{"remove a feed",
			func(t *testing.T, c *channel) { c.cli(t, "feeds", "remove", "https://one.feedwatch.test/feed") },
			func(t *testing.T, c *channel) {
				c.form(t, "/admin/feeds", fmt.Sprintf("/admin/feeds/%d/remove", c.feedID(t, "https://one.feedwatch.test/feed")), url.Values{}, nil)
			},
			func(t *testing.T, c *channel) {
				c.api(t, "DELETE", fmt.Sprintf("/api/v1/feeds/%d", c.feedID(t, "https://one.feedwatch.test/feed")), nil)
			}},
		{"subscribe an address",
			func(t *testing.T, c *channel) {
				c.cli(t, "subscribers", "add", "reader@feedwatch.test", "--topic", "us-russia", "--name", "Reader", "--tz", "Europe/Berlin")
			},
			func(t *testing.T, c *channel) {
				c.form(t, "/admin/subscribers", "/admin/subscribers/add", url.Values{"email": {"reader@feedwatch.test"}, "topic": {"us-russia"},
					"name": {"Reader"}, "time_zone": {"Europe/Berlin"}}, nil)
			},
			func(t *testing.T, c *channel) {
				c.api(t, "POST", "/api/v1/subscriptions", map[string]string{"email": "reader@feedwatch.test", "topic": "us-russia",
					"name": "Reader", "time_zone": "Europe/Berlin"})
			}},
		{"subscribe with a schedule and settings",
			func(t *testing.T, c *channel) {
				c.cli(t, "subscribers", "add", "weekly@feedwatch.test", "--topic", "us-russia", "--frequency", "weekly", "--day", "thu",
					"--at", "06:15", "--best", "--tz", "America/New_York", "--lang", "ru", "--combine=false")
			},
			func(t *testing.T, c *channel) {
				c.form(t, "/admin/subscribers", "/admin/subscribers/add", url.Values{"email": {"weekly@feedwatch.test"}, "topic": {"us-russia"},
					"frequency": {"weekly"}, "weekday": {"thu"}, "deliver_at": {"06:15"}, "best_only": {"off", "on"}, "time_zone": {"America/New_York"},
					"lang": {"ru"}, "combine": {"off"}}, nil)
			},
			func(t *testing.T, c *channel) {
				c.api(t, "POST", "/api/v1/subscriptions", map[string]any{"email": "weekly@feedwatch.test", "topic": "us-russia",
					"frequency": "weekly", "weekday": "thu", "deliver_at": "06:15", "best_only": true, "time_zone": "America/New_York",
					"lang": "ru", "combine": false})
			}},
		{"change a subscription's schedule and pause it",
			func(t *testing.T, c *channel) {
				c.cli(t, "subscribers", "set", "reader@feedwatch.test", "--topic", "us-russia", "--frequency", "daily", "--at", "21:30",
					"--pause-until", pauseDate)
			},
			func(t *testing.T, c *channel) {
				c.form(t, "/admin/subscribers", "/admin/subscribers/change", url.Values{"email": {"reader@feedwatch.test"}, "topic": {"us-russia"},
					"frequency": {"daily"}, "deliver_at": {"21:30"}, "weekday": {"mon"}, "paused_until": {pauseDate}}, nil)
			},
			func(t *testing.T, c *channel) {
				c.api(t, "PATCH", "/api/v1/subscriptions/reader@feedwatch.test/us-russia", map[string]any{"frequency": "daily",
					"deliver_at": "21:30", "paused_until": pauseDate})
			}},
		{"suspend a subscription and put it back on the topic's schedule",
			func(t *testing.T, c *channel) {
				c.cli(t, "subscribers", "set", "weekly@feedwatch.test", "--topic", "us-russia", "--status", "suspended", "--frequency", "topic")
			},
			func(t *testing.T, c *channel) {
				c.form(t, "/admin/subscribers", "/admin/subscribers/change", url.Values{"email": {"weekly@feedwatch.test"}, "topic": {"us-russia"},
					"status": {"suspended"}, "frequency": {"topic"}, "deliver_at": {"06:15"}, "weekday": {"thu"}}, nil)
			},
			func(t *testing.T, c *channel) {
				c.api(t, "PATCH", "/api/v1/subscriptions/weekly@feedwatch.test/us-russia", map[string]any{"status": "suspended", "frequency": "topic"})
			}},
		{"unsubscribe",
			func(t *testing.T, c *channel) {
				c.cli(t, "subscribers", "remove", "reader@feedwatch.test", "--topic", "us-russia")
			},
			func(t *testing.T, c *channel) {
				c.form(t, "/admin/subscribers", "/admin/subscribers/remove", url.Values{"email": {"reader@feedwatch.test"}, "topic": {"us-russia"}}, nil)
			},
			func(t *testing.T, c *channel) {
				c.api(t, "DELETE", "/api/v1/subscriptions/reader@feedwatch.test/us-russia", nil)
			}},
		{"retry a failed delivery",
			func(t *testing.T, c *channel) { c.cli(t, "outbox", "retry", "--id", fmt.Sprint(delivery[c.name])) },
			func(t *testing.T, c *channel) {
				c.form(t, "/admin/outbox", "/admin/outbox/retry", url.Values{"id": {fmt.Sprint(delivery[c.name])}}, nil)
			},
			func(t *testing.T, c *channel) {
				c.api(t, "POST", fmt.Sprintf("/api/v1/deliveries/%d/retry", delivery[c.name]), nil)
			}},
		{"erase an address",
			func(t *testing.T, c *channel) { c.cli(t, "subscribers", "remove", "reader@feedwatch.test", "--erase") },
			func(t *testing.T, c *channel) {
				c.form(t, "/admin/subscribers", "/admin/subscribers/erase", url.Values{"email": {"reader@feedwatch.test"}}, nil)
			},
			func(t *testing.T, c *channel) { c.api(t, "DELETE", "/api/v1/subscribers/reader@feedwatch.test", nil) }},
	} {
		want := ""
		ran := 0
		for _, run := range []struct {
			c  *channel
			do func(*testing.T, *channel)
		}{{cli, op.cli}, {web, op.web}, {api, op.api}} {
			if run.do == nil {
				// Keep the databases alike for the next operation.
				op.cli(t, &channel{name: run.c.name, cfg: run.c.cfg})
				continue
			}
			run.do(t, run.c)
			got := run.c.snapshot(t)
			ran++
			if want == "" {
				want = got
				continue
			}
			if got != want {
				t.Errorf("%s: the %s leaves\n%s\n\nthe command line leaves\n%s", op.name, run.c.name, got, want)
			}
		}
		if ran < 2 || want == "" {
			t.Fatalf("%s: nothing to compare", op.name)
		}
	}
	// The daemon renders a digest preview through the API.
	req, _ := http.NewRequest("GET", api.base+"/api/v1/digests/preview?topic=us-russia", nil)
	req.Header.Set("Authorization", "Bearer "+api.key)
	resp, err := api.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var preview struct {
		Topic, Subject, Text string
	}
	json.NewDecoder(resp.Body).Decode(&preview)
	resp.Body.Close()
	if resp.StatusCode != 200 || preview.Topic != "us-russia" || preview.Subject == "" || preview.Text == "" {
		t.Errorf("digest preview = %d %+v", resp.StatusCode, preview)
	}

	// Each change is in the activity log, with who made it: the command
	// line's too.
	for _, c := range []*channel{cli, web, api} {
		acts, err := c.store(t).Activities(context.Background(), 100)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"cli": "cli", "web": "web:admin", "api": "api:channels"}[c.name]
		n := 0
		for _, a := range acts {
			if a.Actor == want {
				n++
			}
		}
		if n < 8 {
			t.Errorf("%s: %d changes logged as %s; want one per operation", c.name, n, want)
		}
	}
}
