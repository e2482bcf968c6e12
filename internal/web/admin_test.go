package web

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/store"
)

func TestAdminDisabledIsNotFound(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.AdminUser, o.AdminPassword, o.AdminToken = "", "", "" })
	for _, p := range []string{"/admin", "/admin/", "/admin/topics", "/admin/anything"} {
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+p, nil)
		req.SetBasicAuth("admin", "s3cret")
		r := e.do(nil, req)
		if r.status != 404 || r.header.Get("WWW-Authenticate") != "" || strings.Contains(strings.ToLower(r.body), "admin") {
			t.Errorf("%s = %d, challenge %q", p, r.status, r.header.Get("WWW-Authenticate"))
		}
	}
	if r := e.post("/admin/topics", url.Values{"text": {"x"}}, nil); r.status != 404 {
		t.Errorf("POST /admin/topics = %d", r.status)
	}
}

func TestAdminAuth(t *testing.T) {
	e := newEnv(t, nil)
	cases := []struct {
		name string
		auth func(*http.Request)
		want int
	}{
		{"none", func(*http.Request) {}, 401},
		{"wrong password", func(r *http.Request) { r.SetBasicAuth("admin", "wrong") }, 401},
		{"wrong user", func(r *http.Request) { r.SetBasicAuth("root", "s3cret") }, 401},
		{"wrong token", func(r *http.Request) { r.Header.Set("Authorization", "Bearer nope") }, 401},
		{"token as password", func(r *http.Request) { r.SetBasicAuth("admin", "tok-123") }, 401},
		{"basic", func(r *http.Request) { r.SetBasicAuth("admin", "s3cret") }, 200},
		{"bearer", func(r *http.Request) { r.Header.Set("Authorization", "Bearer tok-123") }, 200},
	}
	for _, p := range []string{"/admin", "/admin/topics"} {
		for _, c := range cases {
			req, _ := http.NewRequest(http.MethodGet, e.srv.URL+p, nil)
			c.auth(req)
			r := e.do(nil, req)
			if r.status != c.want {
				t.Errorf("%s %s = %d, want %d", p, c.name, r.status, c.want)
			}
			if c.want == 401 && !strings.Contains(r.header.Get("WWW-Authenticate"), "Basic realm=") {
				t.Errorf("%s %s: WWW-Authenticate = %q", p, c.name, r.header.Values("WWW-Authenticate"))
			}
			if r.header.Get("Cache-Control") != "no-store" {
				t.Errorf("%s %s: Cache-Control = %q", p, c.name, r.header.Get("Cache-Control"))
			}
		}
	}
	// Scripts with the bearer token post without a CSRF token: browsers
	// never attach one by themselves, so there is nothing to forge.
	r := e.post("/admin/topics/preview", url.Values{"text": {testTopics}}, func(r *http.Request) {
		r.Header.Set("Authorization", "Bearer tok-123")
	})
	if r.status != 200 {
		t.Errorf("bearer preview = %d", r.status)
	}
}

// seedItems stores a feed with items fetched at the test clock's time.
func seedItems(t *testing.T, e *env, feedTitle string, items ...model.Item) model.Feed {
	t.Helper()
	ctx := context.Background()
	f, err := e.store.AddFeed(ctx, model.Feed{URL: "https://news.example.org/feed?x=" + url.QueryEscape(feedTitle), Title: feedTitle})
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()
	for i := range items {
		items[i].Key = "k:" + items[i].Title
		items[i].Published, items[i].FetchedAt = now.Add(-time.Hour), now.Add(-time.Hour)
	}
	if _, err := e.store.SaveFetch(ctx, f, items, nil); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestAdminOverview(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	seedItems(t, e, "Go Blog", model.Item{Title: "golang 1.30 released", Link: "https://go.example/1"})
	f := seedItems(t, e, "Broken Feed")
	f.ErrorCount, f.LastError, f.LastErrorAt, f.NextPollAt = 3, "fetch: HTTP 503", e.clock.Now(), e.clock.Now().Add(time.Hour)
	if err := e.store.SaveFeedState(ctx, f); err != nil {
		t.Fatal(err)
	}
	sub, _ := e.store.Subscribe(ctx, model.Subscription{Email: "sub@example.org", TopicID: "golang", Status: model.SubscriptionActive,
		Schedule: model.Schedule{Frequency: model.FrequencyWeekly, BestOnly: true}})
	if _, err := e.store.CreateDigest(ctx, store.NewDigest{Digest: model.Digest{TopicID: "golang"}, FromSeq: 0, ToSeq: 1,
		Deliveries: []model.Delivery{{SubscriberID: sub.SubscriberID, Email: sub.Email, MessageID: "<m@x>", Message: []byte("m")}}}); err != nil {
		t.Fatal(err)
	}
	r := e.adminGet("/admin")
	if r.status != 200 {
		t.Fatalf("overview = %d", r.status)
	}
	for _, want := range []string{"Go Blog", "Broken Feed", "backing_off", "fetch: HTTP 503", "sub@example.org",
		"golang 1.30 released", "<svg", "Matches per topic", "Items per feed", "Outbox", "<td>digest</td><td>golang</td>", "weekly, strongest only"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("overview lacks %q", want)
		}
	}
}

func TestAdminEscapesFeedContent(t *testing.T) {
	e := newEnv(t, nil)
	const evil = `<script>alert(1)</script>`
	seedItems(t, e, evil+" feed",
		model.Item{Title: evil + " golang", Link: "javascript:alert(1)"},
		model.Item{Title: `"><img src=x onerror=alert(1)> golang`, Link: `https://ok.example/" onmouseover="alert(1)`})
	pages := map[string]response{"overview": e.adminGet("/admin")}
	csrf := e.csrfFrom("/admin/topics", true)
	pages["preview"] = e.post("/admin/topics/preview", url.Values{"csrf": {csrf}, "text": {testTopics}}, func(r *http.Request) { r.SetBasicAuth("admin", "s3cret") })
	pages["preview fragment"] = e.post("/admin/topics/preview", url.Values{"csrf": {csrf}, "text": {testTopics}}, func(r *http.Request) {
		r.SetBasicAuth("admin", "s3cret")
		r.Header.Set("X-Preview-Only", "1")
	})
	for name, r := range pages {
		if r.status != 200 {
			t.Fatalf("%s = %d", name, r.status)
		}
		for _, bad := range []string{"<script>alert", "javascript:alert", "<img src=x", `" onmouseover="`} {
			if strings.Contains(r.body, bad) {
				t.Errorf("%s contains %q unescaped", name, bad)
			}
		}
		if !strings.Contains(r.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s does not show the escaped title", name)
		}
	}
}

func TestTopicsPreview(t *testing.T) {
	e := newEnv(t, nil)
	seedItems(t, e, "News",
		model.Item{Title: "golang generics explained"},
		model.Item{Title: "rust borrow checker", Summary: "<p>about memory</p>"},
		model.Item{Title: "zig comptime", Summary: "<p>and <b>golang</b> comparison</p>"})
	csrf := e.csrfFrom("/admin/topics", true)
	basic := func(r *http.Request) { r.SetBasicAuth("admin", "s3cret") }

	// A mistake: the error names the line and the page shows it.
	bad := strings.Replace(testTopics, "    rules:\n      any:\n        - rust", "    rules:\n      anyy:\n        - rust", 1)
	r := e.post("/admin/topics/preview", url.Values{"csrf": {csrf}, "text": {strings.ReplaceAll(bad, "\n", "\r\n")}}, basic)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad rules = %d", r.status)
	}
	for _, want := range []string{"Line 12:", "anyy", `class="bad"`, "  12 |       anyy:"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("error page lacks %q:\n%s", want, r.body)
		}
	}
	// The edited text is kept in the textarea.
	if !strings.Contains(r.body, "anyy:") {
		t.Error("textarea lost the edit")
	}

	// Good rules: the preview counts matches, and what changes.
	edited := strings.Replace(testTopics, "        - rust", "        - zig", 1) + `  - id: c
    name: C language
    rules:
      any:
        - comptime
`
	edited = strings.Replace(edited, "  - id: golang\n    name: Go language\n    description: News about Go.\n    rules:\n      any:\n        - golang\n", "", 1)
	r = e.post("/admin/topics/preview", url.Values{"csrf": {csrf}, "text": {edited}}, basic)
	if r.status != 200 {
		t.Fatalf("good rules = %d %s", r.status, r.body)
	}
	for _, want := range []string{"3 items fetched", "zig comptime", "rust borrow checker", "C language", "new topic", "removed",
		"<strong>1</strong> match · <strong>1</strong> newly match · <strong>1</strong> stop matching"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("preview lacks %q", want)
		}
	}
	// The removed golang topic lists both items it matched now (title and
	// summary hits) as stopping.
	if i := strings.Index(r.body, "<code>golang</code>"); i < 0 || !strings.Contains(r.body[i:], "<strong>0</strong> match · <strong>0</strong> newly match · <strong>2</strong> stop matching") {
		t.Error("removed topic's lost matches not shown")
	}
}

func TestTopicsSave(t *testing.T) {
	e := newEnv(t, nil)
	basic := func(r *http.Request) { r.SetBasicAuth("admin", "s3cret") }
	page := e.adminGet("/admin/topics")
	if !strings.Contains(page.body, "News about Go.") {
		t.Fatal("editor does not show the file")
	}
	base := regexpFind(t, `name="base" value="([0-9a-f]+)"`, page.body)
	csrf := e.csrfFrom("/admin/topics", true)
	edited := strings.Replace(testTopics, "News about Go.", "All about Go.", 1)

	// Invalid text is not saved.
	r := e.post("/admin/topics", url.Values{"csrf": {csrf}, "base": {base}, "text": {"topics: 3\n"}}, basic)
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Not saved") {
		t.Fatalf("invalid save = %d", r.status)
	}
	if b, _ := os.ReadFile(e.opts.TopicsFile); string(b) != testTopics {
		t.Fatal("invalid text was written")
	}

	r = e.post("/admin/topics", url.Values{"csrf": {csrf}, "base": {base}, "text": {strings.ReplaceAll(edited, "\n", "\r\n")}}, basic)
	if r.status != http.StatusSeeOther {
		t.Fatalf("save = %d %s", r.status, r.body)
	}
	b, err := os.ReadFile(e.opts.TopicsFile)
	if err != nil || string(b) != edited {
		t.Fatalf("file after save = %q, %v", b, err)
	}
	info, _ := os.Stat(e.opts.TopicsFile)
	if info.Mode().Perm() != 0o640 {
		t.Errorf("mode = %v, want the old file's 0640", info.Mode().Perm())
	}
	dir := filepath.Dir(e.opts.TopicsFile)
	backups, _ := filepath.Glob(filepath.Join(dir, "topics.yaml.bak-*"))
	if len(backups) != 1 || filepath.Base(backups[0]) != "topics.yaml.bak-20261120T120000Z" {
		t.Fatalf("backups = %v", backups)
	}
	if old, _ := os.ReadFile(backups[0]); string(old) != testTopics {
		t.Errorf("backup = %q", old)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("leftover files: %v", entries)
	}
	loc, _ := url.Parse(r.header.Get("Location"))
	r = e.adminGet(loc.RequestURI())
	if !strings.Contains(r.body, "Saved.") || !strings.Contains(r.body, "topics.yaml.bak-20261120T120000Z") || !strings.Contains(r.body, "All about Go.") {
		t.Errorf("after save: %s", r.body)
	}
	// A link cannot make the page claim a save that did not happen.
	for _, fake := range []string{"nothing-was-saved", "topics.yaml.bak-19990101T000000Z", "../../etc/passwd"} {
		if r := e.adminGet("/admin/topics?saved=" + url.QueryEscape(fake)); strings.Contains(r.body, "Saved.") {
			t.Errorf("?saved=%s shows a save", fake)
		}
	}

	// A save based on the old version is refused: someone else saved since.
	r = e.post("/admin/topics", url.Values{"csrf": {csrf}, "base": {base}, "text": {testTopics}}, basic)
	if r.status != http.StatusConflict {
		t.Fatalf("stale save = %d", r.status)
	}
	if b, _ := os.ReadFile(e.opts.TopicsFile); string(b) != edited {
		t.Fatal("stale save overwrote the file")
	}
	// Saving again in the same second keeps both backups.
	newBase := regexpFind(t, `name="base" value="([0-9a-f]+)"`, r.body)
	if r := e.post("/admin/topics", url.Values{"csrf": {csrf}, "base": {newBase}, "text": {testTopics}}, basic); r.status != http.StatusSeeOther {
		t.Fatalf("second save = %d", r.status)
	}
	if backups, _ := filepath.Glob(filepath.Join(dir, "topics.yaml.bak-*")); len(backups) != 2 {
		t.Errorf("backups = %v", backups)
	}
}

func TestTopicsEditingDisabledWithoutFile(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.TopicsFile = "" })
	r := e.adminGet("/admin/topics")
	if r.status != 200 || !strings.Contains(r.body, "built-in topics are in use") || strings.Contains(r.body, ">Save<") {
		t.Fatalf("editor = %d %s", r.status, r.body)
	}
	csrf := e.csrfFrom("/admin/topics", true)
	r = e.post("/admin/topics", url.Values{"csrf": {csrf}, "text": {testTopics}}, func(r *http.Request) { r.SetBasicAuth("admin", "s3cret") })
	if r.status != http.StatusConflict {
		t.Errorf("save = %d", r.status)
	}
}

func TestWriteAtomicCreatesMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "topics.yaml")
	backup, err := writeAtomic(path, []byte("new"), nil, time.Now())
	if err != nil || backup != "" {
		t.Fatalf("writeAtomic = %q, %v", backup, err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new" {
		t.Errorf("file = %q", b)
	}
	if _, err := writeAtomic(filepath.Join(t.TempDir(), "missing", "t.yaml"), []byte("x"), nil, time.Now()); err == nil {
		t.Error("write into a missing directory succeeded")
	}
}

func TestMetricsEndpoint(t *testing.T) {
	e := newEnv(t, nil)
	seedItems(t, e, "Feed", model.Item{Title: "a"})
	m := e.metrics
	m.ObservePoll("ok", nil, 2, map[string]int{"golang": 1})
	m.ObservePoll("failed", errTest("boom"), 0, nil)
	m.ObserveDigest("golang", e.clock.Now())
	m.ObserveDelivery("sent", 120*time.Millisecond)
	m.ObservePollRun(e.clock.Now())
	r := e.get("/metrics")
	if r.status != 200 {
		t.Fatalf("metrics = %d", r.status)
	}
	for _, name := range []string{
		`feedwatch_polls_total{outcome="ok"} 1`, `feedwatch_polls_total{outcome="failed"} 1`,
		`feedwatch_poll_errors_total{class="other"} 1`, "feedwatch_items_stored_total 2",
		`feedwatch_matches_total{topic="golang"} 1`, `feedwatch_digests_built_total{topic="golang"} 1`,
		`feedwatch_deliveries_total{state="sent"} 1`, "feedwatch_smtp_send_seconds_bucket",
		"feedwatch_last_poll_timestamp_seconds " + strconv.FormatFloat(float64(e.clock.Now().Unix()), 'g', -1, 64), `feedwatch_last_digest_timestamp_seconds{topic="golang"}`,
		`feedwatch_feeds{status="ok"} 1`, `feedwatch_outbox{status="queued"} 0`, "feedwatch_items 1",
		"go_goroutines", "process_",
	} {
		if !strings.Contains(r.body, name) {
			t.Errorf("metrics lack %q", name)
		}
	}
	e2 := newEnv(t, func(o *Options) { o.Metrics = nil })
	if r := e2.get("/metrics"); r.status != 404 {
		t.Errorf("metrics without Metrics = %d", r.status)
	}
}

func regexpFind(t *testing.T, re, s string) string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("%s not found", re)
	}
	return m[1]
}

func TestNewRejectsBadOptions(t *testing.T) {
	e := newEnv(t, nil)
	cases := map[string]func(*Options){
		"user without password": func(o *Options) { o.AdminPassword = "" },
		"password without user": func(o *Options) { o.AdminUser = "" },
		"short secret":          func(o *Options) { o.Secret = []byte("short") },
		"relative base url":     func(o *Options) { o.BaseURL = "/feedwatch" },
		"no store":              func(o *Options) { o.Store = nil },
	}
	for name, edit := range cases {
		o := e.opts
		edit(&o)
		if _, err := New(o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestAdminSignInLimited: wrong admin credentials count against the
// client, so a password cannot be guessed at request speed; other clients
// and the right credentials after a pause are not affected.
