package web

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/token"
)

// delivered is a digest of topic golang carrying the seeded items, sent to
// reader@ (and not to other@, who subscribed later).
type delivered struct {
	items []model.Item // stored, with ids
	links token.Links
}

func deliverItems(t *testing.T, e *env, titles ...string) delivered {
	t.Helper()
	ctx := context.Background()
	f, err := e.store.AddFeed(ctx, model.Feed{URL: "https://wire.example.org/feed"})
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()
	var items []model.Item
	var matches [][]model.Match
	for i, title := range titles {
		items = append(items, model.Item{Key: title, Title: title, Link: "https://wire.example.org/story/" + itoa(int64(i)),
			CanonicalLink: "https://wire.example.org/story/" + itoa(int64(i)), Summary: "<p>About golang.</p>", Published: now.Add(-time.Hour), FetchedAt: now.Add(-time.Hour)})
		matches = append(matches, []model.Match{{TopicID: "golang", Score: 2, Terms: []string{"golang"}, Words: []string{"golang"}}})
	}
	if _, err := e.store.SaveFetch(ctx, f, items, matches); err != nil {
		t.Fatal(err)
	}
	stored, err := e.store.MatchedItems(ctx, "golang", 0, 1<<40)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := e.store.Subscribe(ctx, model.Subscription{Email: "reader@example.org", TopicID: "golang", Status: model.SubscriptionActive})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.Subscribe(ctx, model.Subscription{Email: "other@example.org", TopicID: "golang", Status: model.SubscriptionActive}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.CreateDigest(ctx, store.NewDigest{Digest: model.Digest{TopicID: "golang", PeriodStart: now.Add(-24 * time.Hour), PeriodEnd: now},
		FromSeq: 0, ToSeq: stored[len(stored)-1].Seq,
		Deliveries: []model.Delivery{{SubscriberID: sub.SubscriberID, Email: sub.Email, MessageID: "<d@x>", Message: []byte("m")}}}); err != nil {
		t.Fatal(err)
	}
	d := delivered{links: token.Links{BaseURL: e.srv.URL, Secret: e.secret, Now: e.clock.Now}}
	for _, mi := range stored {
		d.items = append(d.items, mi.Item)
	}
	return d
}

// pathOf is a link's path and query, for the test client.
func pathOf(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.RequestURI()
}

func (e *env) labels(topicID string) []store.LabelledItem {
	e.t.Helper()
	ls, err := e.store.Labels(context.Background(), topicID)
	if err != nil {
		e.t.Fatal(err)
	}
	return ls
}

func TestNotAboutFeedback(t *testing.T) {
	e := newEnv(t, nil)
	d := deliverItems(t, e, "golang generics explained", "golang 2 rumours")
	link := pathOf(t, d.links.NotAbout("reader@example.org", "golang", d.items[0].ID))

	// A GET, as a mail scanner makes it, shows the button and records nothing.
	r := e.get(link)
	if r.status != 200 || !strings.Contains(r.body, "golang generics explained") || !strings.Contains(r.body, ">Not about Go language</button>") {
		t.Fatalf("feedback page = %d %s", r.status, r.body)
	}
	if ls := e.labels("golang"); len(ls) != 0 {
		t.Fatalf("a GET recorded %+v", ls)
	}
	tok := regexpFind(t, `name="t" value="([^"]+)"`, r.body)
	csrf := regexpFind(t, `name="csrf" value="([^"]+)"`, r.body)

	// The POST needs the form's CSRF token.
	if r := e.post("/feedback", url.Values{"t": {tok}, "action": {"judge"}}, nil); r.status != http.StatusForbidden {
		t.Errorf("POST without csrf = %d", r.status)
	}
	r = e.post("/feedback", url.Values{"csrf": {csrf}, "t": {tok}, "action": {"judge"}}, nil)
	if r.status != 200 || !strings.Contains(r.body, "Thank you") || !strings.Contains(r.body, "Take it back") {
		t.Fatalf("judge = %d %s", r.status, r.body)
	}
	ls := e.labels("golang")
	if len(ls) != 1 || ls[0].ReadersNot != 1 || ls[0].ItemID != d.items[0].ID {
		t.Fatalf("labels after the click = %+v", ls)
	}
	// The label keeps a keyed hash, never the address.
	if j := ls[0].Judgments[0]; j.Reader != token.ReaderHash(e.secret, "reader@example.org") || strings.Contains(j.Reader, "reader") {
		t.Errorf("judgment reader = %q", j.Reader)
	}
	// Clicking twice is one judgment; the page shows what was said.
	e.post("/feedback", url.Values{"csrf": {csrf}, "t": {tok}, "action": {"judge"}}, nil)
	if ls := e.labels("golang"); ls[0].ReadersNot != 1 {
		t.Errorf("second click counted: %+v", ls[0])
	}
	if r := e.get(link); !strings.Contains(r.body, "You told us this story is not about") {
		t.Errorf("page after judging: %s", r.body)
	}
	// Taking it back.
	r = e.post("/feedback", url.Values{"csrf": {csrf}, "t": {tok}, "action": {"withdraw"}}, nil)
	if r.status != 200 || !strings.Contains(r.body, "taken back") {
		t.Fatalf("withdraw = %d %s", r.status, r.body)
	}
	if ls := e.labels("golang"); len(ls) != 1 || ls[0].ReadersNot != 0 {
		t.Errorf("after withdrawing: %+v", ls)
	}
}

// TestFeedbackLinksRefused: forged, expired, other-item and other-reader
// links, and links for items the reader never received, record nothing.
func TestFeedbackLinksRefused(t *testing.T) {
	e := newEnv(t, nil)
	d := deliverItems(t, e, "golang generics explained")
	good := d.links.NotAbout("reader@example.org", "golang", d.items[0].ID)
	tok := strings.TrimPrefix(pathOf(t, good), "/feedback?t=")
	tok, _ = url.QueryUnescape(tok)
	enc, sig, _ := strings.Cut(tok, ".")
	splice := func(link string) string {
		u, _ := url.Parse(link)
		oenc, _, _ := strings.Cut(u.Query().Get("t"), ".")
		return "/feedback?t=" + url.QueryEscape(oenc+"."+sig)
	}
	forged := token.Links{BaseURL: e.srv.URL, Secret: []byte("not the server's secret, but long"), Now: e.clock.Now}
	expired := token.Links{BaseURL: e.srv.URL, Secret: e.secret, TTL: time.Hour, Now: func() time.Time { return e.clock.Now().Add(-2 * time.Hour) }}
	tests := []struct {
		name   string
		path   string
		status int
		says   string
	}{
		{"forged", pathOf(t, forged.NotAbout("reader@example.org", "golang", d.items[0].ID)), 400, "not valid"},
		{"expired", pathOf(t, expired.NotAbout("reader@example.org", "golang", d.items[0].ID)), 400, "expired"},
		{"another item under this signature", splice(d.links.NotAbout("reader@example.org", "golang", d.items[0].ID+1)), 400, "not valid"},
		{"another reader under this signature", splice(d.links.NotAbout("other@example.org", "golang", d.items[0].ID)), 400, "not valid"},
		{"truncated", "/feedback?t=" + url.QueryEscape(enc), 400, "not valid"},
		{"a missed link", pathOf(t, strings.Replace(d.links.Missed("reader@example.org", "golang"), "/missed", "/feedback", 1)), 400, "not valid"},
		{"an item this reader did not receive", pathOf(t, d.links.NotAbout("other@example.org", "golang", d.items[0].ID)), 403, "not sent to this address"},
		{"an item of another topic", pathOf(t, d.links.NotAbout("reader@example.org", "rust", d.items[0].ID)), 403, "not sent"},
	}
	csrf := e.csrfFrom(pathOf(t, good), false)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.get(tt.path)
			if r.status != tt.status || !strings.Contains(r.body, tt.says) {
				t.Errorf("GET = %d, want %d saying %q:\n%s", r.status, tt.status, tt.says, r.body)
			}
			u, _ := url.Parse(tt.path)
			r = e.post("/feedback", url.Values{"csrf": {csrf}, "t": {u.Query().Get("t")}, "action": {"judge"}}, nil)
			if r.status != tt.status {
				t.Errorf("POST = %d, want %d", r.status, tt.status)
			}
		})
	}
	if ls := e.labels(""); len(ls) != 0 {
		t.Errorf("refused links recorded %+v", ls)
	}
}

func TestMissedReports(t *testing.T) {
	e := newEnv(t, nil)
	d := deliverItems(t, e, "golang generics explained")
	seedItems(t, e, "Other", model.Item{Title: "Rust and Go compared", Link: "https://blog.example.org/compare",
		CanonicalLink: "https://blog.example.org/compare", Summary: "<p>The go toolchain against cargo.</p>"})
	link := pathOf(t, d.links.Missed("reader@example.org", "golang"))
	r := e.get(link)
	if r.status != 200 || !strings.Contains(r.body, "Missed something?") || !strings.Contains(r.body, "Go language") {
		t.Fatalf("missed form = %d %s", r.status, r.body)
	}
	tok := regexpFind(t, `name="t" value="([^"]+)"`, r.body)
	csrf := regexpFind(t, `name="csrf" value="([^"]+)"`, r.body)
	post := func(v url.Values) response {
		v.Set("csrf", csrf)
		return e.post("/missed", v, nil)
	}
	// A bad address is refused with the form kept.
	if r := post(url.Values{"t": {tok}, "url": {"javascript:alert(1)"}, "note": {"keep me"}}); r.status != 400 || !strings.Contains(r.body, "keep me") {
		t.Errorf("bad url = %d %s", r.status, r.body)
	}
	// A stored story, found by its canonical link despite tracking.
	r = post(url.Values{"t": {tok}, "url": {"https://blog.example.org/compare?utm_source=newsletter"}, "note": {"Go is in it"}})
	if r.status != 200 || !strings.Contains(r.body, "feedwatch has this story") || !strings.Contains(r.body, "Rust and Go compared") {
		t.Fatalf("stored story = %d %s", r.status, r.body)
	}
	// A story feedwatch never saw.
	r = post(url.Values{"t": {tok}, "url": {"https://elsewhere.example.org/x"}})
	if r.status != 200 || !strings.Contains(r.body, "has not stored") {
		t.Fatalf("unknown story = %d %s", r.status, r.body)
	}
	reports, _ := e.store.MissedReports(context.Background(), "golang", 10)
	if len(reports) != 2 || reports[1].ItemID == 0 || reports[1].Reader == "" || reports[1].Note != "Go is in it" {
		t.Fatalf("reports = %+v", reports)
	}
	// The reader's report of a stored story is their "relevant" label.
	if ls := e.labels("golang"); len(ls) != 1 || ls[0].ReadersYes != 1 {
		t.Errorf("labels = %+v", ls)
	}

	// The archive's form has no reader: a topic, and a rate limit per client.
	r = e.get("/missed?topic=golang")
	if r.status != 200 || strings.Contains(r.body, `name="t"`) || !strings.Contains(r.body, `name="topic" value="golang"`) {
		t.Fatalf("anonymous form = %d %s", r.status, r.body)
	}
	if r := e.get("/missed?topic=nope"); r.status != 404 {
		t.Errorf("unknown topic = %d", r.status)
	}
	statuses := []int{}
	for range 3 {
		statuses = append(statuses, post(url.Values{"topic": {"golang"}, "url": {"https://elsewhere.example.org/y"}}).status)
	}
	if statuses[0] != 200 || statuses[1] != 200 || statuses[2] != http.StatusTooManyRequests {
		t.Errorf("anonymous reports = %v, want 200 200 429", statuses)
	}
	e.clock.Add(time.Minute)
	if r := post(url.Values{"topic": {"golang"}, "url": {"https://elsewhere.example.org/z"}}); r.status != 200 {
		t.Errorf("a minute later = %d", r.status)
	}
}

func TestAdminLabels(t *testing.T) {
	e := newEnv(t, nil)
	d := deliverItems(t, e, "golang generics explained")
	seedItems(t, e, "Other", model.Item{Title: "Go toolchain speeds up builds", Link: "https://blog.example.org/go",
		CanonicalLink: "https://blog.example.org/go", Summary: "<p>The go command caches more.</p>"})
	ctx := context.Background()
	rep, err := e.store.ReportMissed(ctx, store.MissedReport{TopicID: "golang", URL: "https://blog.example.org/go", Note: "about Go"}, 0)
	if err != nil || rep.ItemID == 0 {
		t.Fatal(rep, err)
	}
	if _, err := e.store.ReportMissed(ctx, store.MissedReport{TopicID: "golang", URL: "https://nowhere.example.org/"}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.JudgeAsReader(ctx, store.ReaderJudgment{TopicID: "golang", ItemID: d.items[0].ID, Reader: "h1"}); err != nil {
		t.Fatal(err)
	}
	r := e.adminGet("/admin/labels")
	if r.status != 200 {
		t.Fatalf("labels page = %d", r.status)
	}
	// Each report with why the rules passed it by; the reader's label.
	for _, want := range []string{"Go toolchain speeds up builds", "no rule term found", "not stored", "https://nowhere.example.org/",
		"“about Go”", "golang generics explained", "1 not about it", "not relevant", "by readers", "precision"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("labels page lacks %q", want)
		}
	}
	csrf := regexpFind(t, `name="csrf" value="([^"]+)"`, r.body)
	basic := func(r *http.Request) { r.SetBasicAuth("admin", "s3cret") }
	// Confirm the report: an editor's "relevant" label, report dealt with.
	r = e.post("/admin/labels/judge", url.Values{"csrf": {csrf}, "topic": {"golang"}, "report": {itoa(rep.ID)}, "item": {itoa(rep.ItemID)}, "verdict": {"relevant"}}, basic)
	if r.status != http.StatusSeeOther {
		t.Fatalf("confirm = %d %s", r.status, r.body)
	}
	// Overrule the readers.
	ls := e.labels("golang")
	var readers store.LabelledItem
	for _, l := range ls {
		if l.ItemID == d.items[0].ID {
			readers = l
		}
	}
	r = e.post("/admin/labels/judge", url.Values{"csrf": {csrf}, "topic": {"golang"}, "id": {itoa(readers.ID)}, "verdict": {"relevant"}}, basic)
	if r.status != http.StatusSeeOther {
		t.Fatalf("overrule = %d", r.status)
	}
	for _, l := range e.labels("golang") {
		rel, _, src := l.Verdict()
		if !rel || src != store.SourceEditor {
			t.Errorf("%s: verdict %v by %s, want relevant by the editor", l.Title, rel, src)
		}
	}
	reports, _ := e.store.MissedReports(ctx, "golang", 10)
	if reports[0].ResolvedAt.IsZero() == reports[1].ResolvedAt.IsZero() {
		t.Errorf("one report should be dealt with: %+v", reports)
	}
	// The other report can only be dismissed.
	open := reports[0]
	r = e.post("/admin/labels/judge", url.Values{"csrf": {csrf}, "topic": {"golang"}, "report": {itoa(open.ID)}, "item": {"0"}, "verdict": {"relevant"}}, basic)
	if r.status != http.StatusBadRequest {
		t.Errorf("confirming a story that is not stored = %d", r.status)
	}

	// Import pasted JSON Lines, then export them as eval reads them.
	jsonl := `{"id":"g1","title":"golang release notes","relevant":true,"why":"release"}
{"id":"g2","title":"Go board game tournament","relevant":false}`
	r = e.post("/admin/labels/import", url.Values{"csrf": {csrf}, "topic": {"golang"}, "jsonl": {jsonl}}, basic)
	if r.status != http.StatusSeeOther {
		t.Fatalf("import = %d %s", r.status, r.body)
	}
	r = e.post("/admin/labels/import", url.Values{"csrf": {csrf}, "topic": {"golang"}, "jsonl": {`{"id":"g3","title":"x"}`}}, basic)
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "missing &#34;relevant&#34;") {
		t.Errorf("bad import = %d", r.status)
	}
	r = e.adminGet("/admin/labels/export?topic=golang")
	if r.status != 200 || strings.Count(r.body, "\n") != 4 || !strings.Contains(r.body, `"id":"g2"`) || !strings.Contains(r.body, `"source":"editor"`) {
		t.Errorf("export = %d %s", r.status, r.body)
	}
}

// TestWorkbenchOpensOnBuiltinAndCreatesFile: with no topics file yet, the
// editor shows the built-in topics, and saving creates the file.
func TestWorkbenchOpensOnBuiltinAndCreatesFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "topics.yaml")
	e := newEnv(t, func(o *Options) { o.TopicsFile, o.BuiltinTopics, o.DataDir = path, []byte(testTopics), dir })
	r := e.adminGet("/admin/topics")
	if r.status != 200 || !strings.Contains(r.body, "News about Go.") || !strings.Contains(r.body, "Save as "+path) || !strings.Contains(r.body, "built-in topics are in use") {
		t.Fatalf("editor = %d %s", r.status, r.body)
	}
	base := regexpFind(t, `name="base" value="([0-9a-f]+)"`, r.body)
	csrf := regexpFind(t, `name="csrf" value="([^"]+)"`, r.body)
	basic := func(r *http.Request) { r.SetBasicAuth("admin", "s3cret") }
	edited := strings.Replace(testTopics, "News about Go.", "All about Go.", 1)
	r = e.post("/admin/topics", url.Values{"csrf": {csrf}, "base": {base}, "text": {edited}}, basic)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/admin/topics?created=1" {
		t.Fatalf("save = %d %s", r.status, r.header.Get("Location"))
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != edited {
		t.Fatalf("file = %q, %v", b, err)
	}
	r = e.adminGet("/admin/topics?created=1")
	if !strings.Contains(r.body, "Saved as") || !strings.Contains(r.body, "All about Go.") || strings.Contains(r.body, "Save as ") {
		t.Errorf("after creating: %s", r.body)
	}
}

// TestWorkbenchSaveThatCannotWrite says why and where the file belongs,
// and keeps the text. As root (CI) a read-only folder is writable, so the
// file's folder is then a plain file instead.
func TestWorkbenchSaveThatCannotWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "topics.yaml")
	why := "permission denied"
	if os.Geteuid() == 0 {
		notDir := filepath.Join(dir, "etc")
		if err := os.WriteFile(notDir, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		path, why = filepath.Join(notDir, "topics.yaml"), "could not write "+filepath.Join(notDir, "topics.yaml")
	} else {
		if err := os.WriteFile(path, []byte(testTopics), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(dir, 0o755) })
	}
	e := newEnv(t, func(o *Options) {
		o.TopicsFile, o.BuiltinTopics, o.DataDir = path, []byte(testTopics), "/srv/feedwatch-data"
	})
	r := e.adminGet("/admin/topics")
	base := regexpFind(t, `name="base" value="([0-9a-f]+)"`, r.body)
	csrf := regexpFind(t, `name="csrf" value="([^"]+)"`, r.body)
	edited := strings.Replace(testTopics, "News about Go.", "All about Go.", 1)
	r = e.post("/admin/topics", url.Values{"csrf": {csrf}, "base": {base}, "text": {edited}}, func(r *http.Request) { r.SetBasicAuth("admin", "s3cret") })
	if r.status != http.StatusInternalServerError || !strings.Contains(r.body, why) ||
		!strings.Contains(r.body, "topics_file: /srv/feedwatch-data/topics.yaml") || !strings.Contains(r.body, "All about Go.") {
		t.Errorf("unwritable save = %d %s", r.status, r.body)
	}
}

// TestWorkbenchFiguresAndSuggestions: the preview measures the edited
// rules on the topic's labels, proposes an edit, and applying it puts it
// in the text (not the file), after which the figures rise.
func TestWorkbenchFiguresAndSuggestions(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	seedItems(t, e, "Blog", model.Item{Title: "Go toolchain adds a cache for vet"}, model.Item{Title: "Bake sale on Friday"})
	if _, err := e.store.ImportLabels(ctx, "golang", []store.ImportedLabel{
		{Key: "m1", Title: "The Go toolchain caches test results", Relevant: true},
		{Key: "m2", Title: "Go toolchain 1.30 speeds up builds", Relevant: true},
		{Key: "p1", Title: "golang generics explained", Relevant: true},
		{Key: "n1", Title: "Go board game champion crowned", Relevant: false},
	}); err != nil {
		t.Fatal(err)
	}
	csrf := e.csrfFrom("/admin/topics", true)
	basic := func(r *http.Request) { r.SetBasicAuth("admin", "s3cret") }
	preview := func(text string) response {
		return e.post("/admin/topics/preview", url.Values{"csrf": {csrf}, "text": {text}}, func(r *http.Request) {
			basic(r)
			r.Header.Set("X-Preview-Only", "1")
		})
	}
	r := preview(testTopics)
	if r.status != 200 {
		t.Fatalf("preview = %d %s", r.status, r.body)
	}
	for _, want := range []string{`class="precision">1.000`, `class="recall">0.333`, "On 4 labelled items", "Misses (2)",
		"add &#34;toolchain&#34; to any", "Fixes 2", "newly matches 1 (“Go toolchain adds a cache for vet”) of the stored items"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("preview lacks %q:\n%s", want, r.body)
		}
	}
	apply := regexpFind(t, `name="apply" value="([^"]+)"`, r.body)
	apply = strings.ReplaceAll(apply, "&#34;", `"`)

	// The script's request gets the new text alone.
	r = e.post("/admin/topics/apply", url.Values{"csrf": {csrf}, "text": {testTopics}, "apply": {apply}}, func(r *http.Request) {
		basic(r)
		r.Header.Set("X-Apply-Only", "1")
	})
	if r.status != 200 || !strings.Contains(r.body, "      any:\n        - golang\n        - toolchain\n") {
		t.Fatalf("apply = %d %q", r.status, r.body)
	}
	if b, _ := os.ReadFile(e.opts.TopicsFile); string(b) != testTopics {
		t.Error("applying changed the file")
	}
	// Without the script: the page, with the new figures.
	r = e.post("/admin/topics/apply", url.Values{"csrf": {csrf}, "text": {testTopics}, "apply": {apply}}, basic)
	if r.status != 200 || !strings.Contains(r.body, "Applied in the text: add &#34;toolchain&#34; to any") ||
		!strings.Contains(r.body, `class="recall">1.000`) || !strings.Contains(r.body, "▲ 0.667") {
		t.Errorf("apply page = %d %s", r.status, r.body)
	}
	// A suggestion that no longer fits the text says why.
	r = e.post("/admin/topics/apply", url.Values{"csrf": {csrf}, "text": {testTopics}, "apply": {`{"topic":"nope","edit":{"Section":"any","Term":"x"}}`}}, func(r *http.Request) {
		basic(r)
		r.Header.Set("X-Apply-Only", "1")
	})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `no topic "nope"`) {
		t.Errorf("bad apply = %d %q", r.status, r.body)
	}
}
