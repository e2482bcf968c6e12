package web

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/store"
)

// feedSite serves a web page advertising two feeds, and the feeds.
func feedSite(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<html><head><title>Site</title>
<link rel="alternate" type="application/rss+xml" title="Go news" href="/go.rss">
<link rel="alternate" type="application/atom+xml" title="Rust news" href="/rust.atom">
</head><body>hello</body></html>`)
	})
	mux.HandleFunc("/go.rss", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Go news</title><link>http://example.org/</link>
<item><title>golang 1.30 released</title><link>http://example.org/a</link><guid>a</guid><pubDate>Fri, 20 Nov 2026 10:00:00 GMT</pubDate></item>
<item><title>Other news</title><link>http://example.org/b</link><guid>b</guid><pubDate>Fri, 20 Nov 2026 09:00:00 GMT</pubDate></item>
</channel></rss>`)
	})
	mux.HandleFunc("/rust.atom", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		fmt.Fprint(w, `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Rust news</title><id>urn:x</id><updated>2026-11-20T10:00:00Z</updated>
<entry><title>rust 2.0</title><id>urn:r1</id><updated>2026-11-20T10:00:00Z</updated><link href="http://example.org/r1"/></entry></feed>`)
	})
	return srv
}

var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}

func (e *env) adminPost(path string, form url.Values) response {
	e.t.Helper()
	form.Set("csrf", e.csrfFrom("/admin/feeds", true))
	return e.post(path, form, func(r *http.Request) { r.SetBasicAuth("admin", "s3cret") })
}

func TestAdminAddFeedFromPageAddress(t *testing.T) {
	site := feedSite(t)
	e := newEnvAllowing(t, loopback, nil)
	r := e.adminPost("/admin/feeds", url.Values{"url": {site.URL + "/"}})
	if r.status != 200 || !strings.Contains(r.body, "advertising 2 feeds") || !strings.Contains(r.body, site.URL+"/rust.atom") {
		t.Fatalf("page address = %d:\n%s", r.status, r.body)
	}
	if feeds, _ := e.store.Feeds(context.Background()); len(feeds) != 0 {
		t.Fatalf("a page with two feeds added %d before a pick", len(feeds))
	}
	r = e.adminPost("/admin/feeds", url.Values{"url": {site.URL + "/"}, "pick_url": {site.URL + "/go.rss"}})
	if r.status != 200 || !strings.Contains(r.body, "Added "+site.URL+"/go.rss") {
		t.Fatalf("pick = %d:\n%s", r.status, r.body)
	}
	f, err := e.store.FeedByURL(context.Background(), site.URL+"/go.rss")
	if err != nil || f.Origin != "web" || f.Title != "Go news" {
		t.Fatalf("stored %+v, %v; want origin web, title Go news", f, err)
	}
	// Its own page: poll it now and see the poll, its items and matches.
	r = e.adminPost(fmt.Sprintf("/admin/feeds/%d/refresh", f.ID), url.Values{})
	if r.status != 200 || !strings.Contains(r.body, "2 new items, 1 matches") {
		t.Fatalf("refresh = %d:\n%s", r.status, r.body)
	}
	page := e.adminGet(fmt.Sprintf("/admin/feeds/%d", f.ID))
	for _, want := range []string{`id="polls"`, ">ok<", "golang 1.30 released", `<span class="status ok">golang</span>`, "1 of these matched"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("feed page lacks %q", want)
		}
	}
	// Edit, disable, enable, remove.
	if r := e.adminPost(fmt.Sprintf("/admin/feeds/%d", f.ID), url.Values{"title": {"Go!"}, "interval": {"45m"}}); r.status != 200 {
		t.Errorf("edit = %d", r.status)
	}
	if r := e.adminPost(fmt.Sprintf("/admin/feeds/%d", f.ID), url.Values{"title": {"Go!"}, "interval": {"soon"}}); r.status != 400 || !strings.Contains(r.body, "30m or 2h") {
		t.Errorf("bad interval = %d", r.status)
	}
	e.adminPost(fmt.Sprintf("/admin/feeds/%d/disable", f.ID), url.Values{})
	f, _ = e.store.FeedByID(context.Background(), f.ID)
	if f.Title != "Go!" || f.Interval.String() != "45m0s" || f.Enabled {
		t.Errorf("after edit and disable: %q %s enabled=%v", f.Title, f.Interval, f.Enabled)
	}
	if r := e.adminPost(fmt.Sprintf("/admin/feeds/%d/remove", f.ID), url.Values{}); r.status != 200 || !strings.Contains(r.body, "Removed") {
		t.Errorf("remove = %d", r.status)
	}
	if _, err := e.store.FeedByID(context.Background(), f.ID); err == nil {
		t.Error("feed still stored after remove")
	}
	// Every change is in the activity list on the overview, with the user.
	ov := e.adminGet("/admin")
	for _, want := range []string{"feed.add", "feed.refresh", "feed.edit", "feed.disable", "feed.remove", "web:admin"} {
		if !strings.Contains(ov.body, want) {
			t.Errorf("overview activity lacks %q", want)
		}
	}
}

func TestAdminConfigFeedIsReadOnly(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	if err := e.store.SyncConfigFeeds(ctx, []model.Feed{{URL: "https://config.example.org/feed", Title: "From the file", Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	f, _ := e.store.FeedByURL(ctx, "https://config.example.org/feed")
	for _, action := range []string{"remove", "disable"} {
		r := e.adminPost(fmt.Sprintf("/admin/feeds/%d/%s", f.ID, action), url.Values{})
		if r.status != http.StatusConflict || !strings.Contains(r.body, "is declared in the config file") {
			t.Errorf("%s config feed = %d", action, r.status)
		}
	}
	r := e.adminPost(fmt.Sprintf("/admin/feeds/%d", f.ID), url.Values{"title": {"x"}})
	if r.status != http.StatusConflict || !strings.Contains(r.body, "declared in the config file: edit its title and interval there") {
		t.Errorf("edit config feed = %d", r.status)
	}
}

func TestAdminAddFeedRefusesPrivateAddresses(t *testing.T) {
	site := feedSite(t)
	e := newEnv(t, nil) // no web.allow_private
	u, _ := url.Parse(site.URL)
	_, port, _ := strings.Cut(u.Host, ":")
	redirect := httptest.NewServer(http.RedirectHandler(site.URL+"/go.rss", http.StatusFound))
	t.Cleanup(redirect.Close)
	for _, target := range []string{
		site.URL + "/go.rss",                       // loopback
		"http://localhost:" + port + "/go.rss",     // a name resolving to loopback
		"http://[::1]:" + port + "/go.rss",         // IPv6 loopback
		"http://10.255.255.1:" + port + "/go.rss",  // private
		"http://169.254.169.254/latest/meta-data/", // link-local: cloud metadata
		"http://[fe80::1]:" + port + "/go.rss",     // IPv6 link-local
		"http://100.64.0.1:" + port + "/go.rss",    // carrier-grade NAT
		"http://0.0.0.0:" + port + "/go.rss",       // unspecified
		redirect.URL + "/to-loopback",              // redirect (first hop refused too)
	} {
		r := e.adminPost("/admin/feeds", url.Values{"url": {target}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "private or local address") {
			t.Errorf("%s = %d, want 422 refusing a private address:\n%.400s", target, r.status, r.body)
		}
	}
	if feeds, _ := e.store.Feeds(context.Background()); len(feeds) != 0 {
		t.Errorf("%d feeds added to private addresses", len(feeds))
	}
}

func TestAdminOPMLImportExport(t *testing.T) {
	e := newEnv(t, nil)
	opml := `<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>
<outline text="One" title="One" type="rss" xmlUrl="https://one.example.org/feed"/>
<outline text="Two" title="Two" type="rss" xmlUrl="https://two.example.org/feed"/>
</body></opml>`
	upload := func(content string) response {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("csrf", e.csrfFrom("/admin/feeds", true))
		fw, _ := mw.CreateFormFile("file", "feeds.opml")
		fw.Write([]byte(content))
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/admin/feeds/import", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.SetBasicAuth("admin", "s3cret")
		return e.do(nil, req)
	}
	if r := upload(opml); r.status != 200 || !strings.Contains(r.body, "Imported 2 feeds (0 already present) from feeds.opml") {
		t.Fatalf("import = %d:\n%s", r.status, r.body)
	}
	if r := upload(opml); !strings.Contains(r.body, "Imported 0 feeds (2 already present)") {
		t.Errorf("second import = %d", r.status)
	}
	if r := upload("not opml"); r.status != 400 || !strings.Contains(r.body, "feeds.opml") {
		t.Errorf("bad file = %d:\n%.300s", r.status, r.body)
	}
	f, _ := e.store.FeedByURL(context.Background(), "https://one.example.org/feed")
	if f.Origin != "web" {
		t.Errorf("imported feed origin %q, want web (untrusted)", f.Origin)
	}
	r := e.adminGet("/admin/feeds/export.opml")
	if r.status != 200 || !strings.Contains(r.body, `xmlUrl="https://two.example.org/feed"`) || !strings.Contains(r.header.Get("Content-Disposition"), "attachment") {
		t.Errorf("export = %d %q", r.status, r.body)
	}
}

func TestAdminSubscribers(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	r := e.adminPost("/admin/subscribers/add", url.Values{"email": {"ann@example.org"}, "topic": {"golang"}, "name": {"=cmd|' /C calc'!A0"}, "time_zone": {"Europe/Berlin"}})
	if r.status != 200 || !strings.Contains(r.body, "ann@example.org subscribed to golang (active)") {
		t.Fatalf("add = %d:\n%s", r.status, r.body)
	}
	if r := e.adminPost("/admin/subscribers/add", url.Values{"email": {"a@[127.0.0.1]"}, "topic": {"golang"}}); r.status != 400 || !strings.Contains(r.body, "address literal") {
		t.Errorf("address literal = %d", r.status)
	}
	if r := e.adminPost("/admin/subscribers/add", url.Values{"email": {"bob@example.org"}, "topic": {"nope"}}); r.status != 400 || !strings.Contains(r.body, "unknown topic") {
		t.Errorf("unknown topic = %d", r.status)
	}
	e.adminPost("/admin/subscribers/add", url.Values{"email": {"bob@example.org"}, "topic": {"rust"}})
	if r := e.adminGet("/admin/subscribers?topic=rust"); !strings.Contains(r.body, "bob@example.org") || strings.Contains(r.body, "ann@example.org</td>") {
		t.Errorf("filter by topic:\n%s", r.body)
	}
	csv := e.adminGet("/admin/subscribers/export.csv?status=active")
	if csv.status != 200 || !strings.Contains(csv.body, "email,name,topic,status") || !strings.Contains(csv.body, "ann@example.org,'=cmd") {
		t.Errorf("csv = %d\n%s", csv.status, csv.body)
	}
	if r := e.adminPost("/admin/subscribers/remove", url.Values{"email": {"ann@example.org"}, "topic": {"golang"}}); r.status != 200 {
		t.Errorf("remove = %d", r.status)
	}
	if sub, _ := e.store.Subscription(ctx, "ann@example.org", "golang"); sub.Status != model.SubscriptionUnsubscribed {
		t.Errorf("after remove: %q", sub.Status)
	}
	if r := e.adminPost("/admin/subscribers/change", url.Values{"email": {"ann@example.org"}, "topic": {"golang"}, "status": {"active"}}); r.status != 200 {
		t.Errorf("change = %d", r.status)
	}
	if sub, _ := e.store.Subscription(ctx, "ann@example.org", "golang"); sub.Status != model.SubscriptionActive {
		t.Errorf("after change: %q", sub.Status)
	}
	page := e.adminGet("/admin/subscribers?email=ann@example.org")
	if !strings.Contains(page.body, `class="change-subscription"`) || !strings.Contains(page.body, `value="Europe/Berlin"`) {
		t.Errorf("no change form with the current zone:\n%s", page.body)
	}
	if r := e.adminPost("/admin/subscribers/change", url.Values{"email": {"ann@example.org"}, "topic": {"golang"}, "name": {"Ann B"}, "time_zone": {"Asia/Tokyo"}, "status": {"active"}}); r.status != 200 {
		t.Errorf("change name and zone = %d", r.status)
	}
	if sub, _ := e.store.Subscription(ctx, "ann@example.org", "golang"); sub.Name != "Ann B" || sub.TimeZone != "Asia/Tokyo" {
		t.Errorf("after changing name and zone: %+v", sub)
	}
	if r := e.adminPost("/admin/subscribers/change", url.Values{"email": {"ann@example.org"}, "topic": {"golang"}, "time_zone": {"Mars/Base"}}); r.status != 400 || !strings.Contains(r.body, "Mars/Base") {
		t.Errorf("bad zone = %d", r.status)
	}
	// The change form carries the schedule and the subscriber's settings;
	// a time and a day go only with the frequencies that have them.
	until := e.clock.Now().AddDate(0, 0, 3).Format(time.DateOnly)
	change := url.Values{"email": {"ann@example.org"}, "topic": {"golang"}, "status": {"active"}, "name": {"Ann B"}, "time_zone": {"Asia/Tokyo"},
		"frequency": {"weekly"}, "deliver_at": {"18:15"}, "weekday": {"fri"}, "best_only": {"off", "on"}, "lang": {"ru"}, "combine": {"off"},
		"paused_until": {until}}
	if r := e.adminPost("/admin/subscribers/change", change); r.status != 200 || !strings.Contains(r.body, "weekly on Friday at 18:15, strongest only") {
		t.Errorf("change the schedule = %d\n%s", r.status, r.body)
	}
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	wantPause, _ := time.ParseInLocation(time.DateOnly, until, tokyo)
	weekly := model.Schedule{Frequency: model.FrequencyWeekly, DeliverAt: 18*60 + 15, Weekday: time.Friday, BestOnly: true}
	if sub, _ := e.store.Subscription(ctx, "ann@example.org", "golang"); sub.Schedule != weekly || sub.Lang != "ru" || sub.Combine || !sub.PausedUntil.Equal(wantPause) {
		t.Errorf("after changing the schedule: %+v", sub)
	}
	page = e.adminGet("/admin/subscribers?email=ann@example.org")
	for _, want := range []string{`<option value="weekly" selected>`, `name="deliver_at" value="18:15"`, `<option value="fri" selected>`,
		`name="paused_until" value="` + until + `"`, "paused until " + until} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the page after the change lacks %s", want)
		}
	}
	change.Set("frequency", "instant")
	change.Set("paused_until", "")
	change["best_only"] = []string{"off"}
	if r := e.adminPost("/admin/subscribers/change", change); r.status != 200 {
		t.Errorf("to instant = %d", r.status)
	}
	if sub, _ := e.store.Subscription(ctx, "ann@example.org", "golang"); sub.Frequency != model.FrequencyInstant || sub.BestOnly || !sub.PausedUntil.IsZero() {
		t.Errorf("after instant: %+v", sub)
	}
	change.Set("frequency", "daily")
	change.Set("deliver_at", "7 o'clock")
	if r := e.adminPost("/admin/subscribers/change", change); r.status != 400 || !strings.Contains(r.body, "7 o&#39;clock") {
		t.Errorf("a bad time = %d", r.status)
	}
	if r := e.adminPost("/admin/subscribers/add", url.Values{"email": {"cat@example.org"}, "topic": {"golang"}, "frequency": {"daily"},
		"deliver_at": {"06:45"}, "weekday": {"mon"}, "best_only": {"off"}}); r.status != 200 || !strings.Contains(r.body, "Mail: daily at 06:45.") {
		t.Errorf("add with a schedule = %d", r.status)
	}
	if r := e.adminPost("/admin/subscribers/erase", url.Values{"email": {"ann@example.org"}}); r.status != 200 {
		t.Errorf("erase = %d", r.status)
	}
	if _, err := e.store.Subscription(ctx, "ann@example.org", "golang"); err == nil {
		t.Error("erased address still subscribed")
	}
	if ov := e.adminGet("/admin"); strings.Contains(ov.body, "ann@example.org") {
		t.Error("the activity log keeps an erased address")
	}
}

// failedDelivery stores a digest with one delivery the server refused.
func failedDelivery(t *testing.T, st *store.Store, email string) model.Delivery {
	t.Helper()
	ctx := context.Background()
	sub, err := st.Subscribe(ctx, model.Subscription{Email: email, TopicID: "golang", Status: model.SubscriptionActive})
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.CreateDigest(ctx, store.NewDigest{Digest: model.Digest{TopicID: "golang", Subject: "Go"}, FromSeq: 0, ToSeq: 1,
		Deliveries: []model.Delivery{{SubscriberID: sub.SubscriberID, Email: email, MessageID: "<m@example.org>",
			Message: []byte("From: news@example.org\r\nTo: " + email + "\r\nSubject: Go\r\n\r\nHello\r\n")}}})
	if err != nil {
		t.Fatal(err)
	}
	ds, _ := st.Deliveries(ctx, model.DeliveryQueued, 10)
	if len(ds) != 1 || fmt.Sprint(ds[0].Topics) != "[golang]" {
		t.Fatalf("queued = %+v", ds)
	}
	if _, err := st.MarkFailed(ctx, ds[0].ID, "550 5.1.1 mailbox unavailable", 5); err != nil {
		t.Fatal(err)
	}
	return ds[0]
}

func TestAdminOutboxRetry(t *testing.T) {
	e := newEnv(t, nil)
	d := failedDelivery(t, e.store, "carol@example.org")
	page := e.adminGet("/admin/outbox?status=failed")
	if !strings.Contains(page.body, "550 5.1.1 mailbox unavailable") || !strings.Contains(page.body, "Retry all 1 failed") {
		t.Fatalf("outbox page lacks the server's reply or the retry button:\n%s", page.body)
	}
	if r := e.adminPost("/admin/outbox/retry", url.Values{"id": {"999"}}); r.status != 404 {
		t.Errorf("retry unknown = %d", r.status)
	}
	r := e.adminPost("/admin/outbox/retry", url.Values{"id": {fmt.Sprint(d.ID)}})
	if r.status != 200 || !strings.Contains(r.body, "1 failed deliveries queued again; sent 1") {
		t.Fatalf("retry = %d:\n%s", r.status, r.body)
	}
	if msgs := e.smtp.Messages(); len(msgs) != 1 || msgs[0].To[0] != "carol@example.org" {
		t.Errorf("sent %d messages", len(msgs))
	}
	got, _ := e.store.DeliveryByID(context.Background(), d.ID)
	if got.Status != model.DeliverySent {
		t.Errorf("status after retry = %q", got.Status)
	}
}

func TestAdminAPIKeysPage(t *testing.T) {
	e := newEnv(t, nil)
	r := e.adminPost("/admin/apikeys/create", url.Values{"name": {"script"}, "read_only": {"1"}})
	key := regexp.MustCompile(`<code id="new-key">(fwk_[A-Za-z0-9_-]+)</code>`).FindStringSubmatch(r.body)
	if r.status != 200 || key == nil {
		t.Fatalf("create = %d:\n%s", r.status, r.body)
	}
	if k, err := e.svc.Authenticate(context.Background(), key[1]); err != nil || !k.ReadOnly || k.Name != "script" {
		t.Errorf("the key shown = %+v, %v", k, err)
	}
	if strings.Contains(e.adminGet("/admin/apikeys").body, key[1]) {
		t.Error("the key is shown again")
	}
	if r := e.adminPost("/admin/apikeys/create", url.Values{"name": {"script"}}); r.status != http.StatusConflict {
		t.Errorf("same name = %d", r.status)
	}
	if r := e.adminPost("/admin/apikeys/revoke", url.Values{"name": {"script"}}); r.status != 200 {
		t.Errorf("revoke = %d", r.status)
	}
	if _, err := e.svc.Authenticate(context.Background(), key[1]); err == nil {
		t.Error("a revoked key still authenticates")
	}
}

// TestAdminFormsNeedCSRF posts to every form the manage pages have without
// the token, and with a token from another cookie.
func TestAdminFormsNeedCSRF(t *testing.T) {
	e := newEnv(t, nil)
	f, _ := e.store.AddFeed(context.Background(), model.Feed{URL: "https://a.example.org/feed"})
	paths := []string{"/admin/feeds", "/admin/feeds/import", fmt.Sprintf("/admin/feeds/%d", f.ID)}
	for _, a := range []string{"enable", "disable", "remove", "refresh"} {
		paths = append(paths, fmt.Sprintf("/admin/feeds/%d/%s", f.ID, a))
	}
	for _, a := range []string{"add", "change", "remove", "erase"} {
		paths = append(paths, "/admin/subscribers/"+a)
	}
	paths = append(paths, "/admin/outbox/retry", "/admin/apikeys/create", "/admin/apikeys/revoke")
	other := newEnv(t, nil).csrfFrom("/admin/feeds", true) // signed under another secret
	for _, p := range paths {
		for _, tok := range []string{"", other, "forged"} {
			r := e.post(p, url.Values{"csrf": {tok}, "url": {"https://b.example.org/feed"}, "email": {"x@example.org"}, "topic": {"golang"}, "name": {"k"}},
				func(r *http.Request) { r.SetBasicAuth("admin", "s3cret") })
			if r.status != http.StatusForbidden {
				t.Errorf("POST %s with csrf %q = %d, want 403", p, tok, r.status)
			}
		}
	}
	if feeds, _ := e.store.Feeds(context.Background()); len(feeds) != 1 || !feeds[0].Enabled {
		t.Errorf("a forged post changed the feeds: %+v", feeds)
	}
}
