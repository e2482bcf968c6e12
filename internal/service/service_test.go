package service

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/fetch"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/topic"
)

const testTopics = `topics:
  - id: golang
    name: Go
    rules:
      any: [golang]
`

func newService(t *testing.T, allow ...netip.Prefix) (*Service, *store.Store) {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "feedwatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	set, err := topic.Parse(strings.NewReader(testTopics), "test")
	if err != nil {
		t.Fatal(err)
	}
	f := fetch.New(fetch.Options{DenyPrivate: true, AllowNets: allow, Timeout: 5 * time.Second, UserAgent: "test"})
	t.Cleanup(f.Close)
	svc, err := New(Options{Store: st, Fetcher: f, Topics: func() *topic.Set { return set }})
	if err != nil {
		t.Fatal(err)
	}
	return svc, st
}

// site serves a page advertising two feeds, the feeds, and a page with none.
func site(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<html><head><link rel="alternate" type="application/rss+xml" title="A" href="/a.rss"><link rel="alternate" type="application/rss+xml" title="B" href="/b.rss"></head></html>`)
	})
	mux.HandleFunc("/plain", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<html><body>no feeds</body></html>`)
	})
	for _, name := range []string{"a", "b"} {
		mux.HandleFunc("/"+name+".rss", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Feed %s</title><item><title>x</title><guid>1</guid></item></channel></rss>`, strings.ToUpper(name))
		})
	}
	return srv
}

var (
	web = Actor{Via: ViaWeb, Name: "admin"}
	api = Actor{Via: ViaAPI, Name: "script"}
)

func kind(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}

func TestAddFeedTrust(t *testing.T) {
	srv := site(t)
	svc, st := newService(t)
	ctx := context.Background()
	// The command line may reach a feed on loopback: the operator could put
	// it in the config file anyway.
	res, err := svc.AddFeed(ctx, NewFeed{URL: srv.URL + "/a.rss"})
	if err != nil || len(res.Added) != 1 || res.Added[0].Origin != "db" || res.Added[0].Title != "Feed A" {
		t.Fatalf("cli add = %+v, %v", res, err)
	}
	// The web and the API may not, and say why.
	for _, a := range []Actor{web, api} {
		_, err := svc.AddFeed(WithActor(ctx, a), NewFeed{URL: srv.URL + "/b.rss"})
		if kind(err) != Unreachable || !errors.Is(err, fetch.ErrPrivateAddress) || !strings.Contains(err.Error(), "web.allow_private") {
			t.Errorf("%s add of a loopback feed = %v", a, err)
		}
		if _, err := svc.AddFeed(WithActor(ctx, a), NewFeed{URL: "https://example.org/feed", NoCheck: true}); kind(err) != Invalid {
			t.Errorf("%s add without a check = %v, want Invalid", a, err)
		}
	}
	if feeds, _ := st.Feeds(ctx); len(feeds) != 1 {
		t.Errorf("%d feeds stored", len(feeds))
	}
	// Allowed networks are reachable, and the feed keeps where it came from.
	allowed, _ := newService(t, netip.MustParsePrefix("127.0.0.0/8"))
	res, err = allowed.AddFeed(WithActor(ctx, api), NewFeed{URL: srv.URL + "/b.rss"})
	if err != nil || res.Added[0].Origin != "api" {
		t.Errorf("api add with allow_private = %+v, %v", res, err)
	}
}

func TestAddFeedDiscovery(t *testing.T) {
	srv := site(t)
	svc, _ := newService(t, netip.MustParsePrefix("127.0.0.0/8"))
	ctx := WithActor(context.Background(), web)
	_, err := svc.AddFeed(ctx, NewFeed{URL: srv.URL + "/"})
	var e *Error
	if !errors.As(err, &e) || e.Kind != Choose || len(e.Candidates) != 2 || e.Candidates[1].URL != srv.URL+"/b.rss" || e.Candidates[1].Title != "Feed B" {
		t.Fatalf("page with two feeds = %#v", err)
	}
	if !errors.Is(err, ErrChoose) || errors.Is(err, ErrInvalid) {
		t.Error("errors.Is does not follow the kind")
	}
	if _, err := svc.AddFeed(ctx, NewFeed{URL: srv.URL + "/", PickURL: "https://elsewhere.example/feed"}); kind(err) != Invalid {
		t.Errorf("pick of a feed the page does not list = %v", err)
	}
	if _, err := svc.AddFeed(ctx, NewFeed{URL: srv.URL + "/", Pick: 3}); kind(err) != Invalid {
		t.Errorf("pick 3 of 2 = %v", err)
	}
	res, err := svc.AddFeed(ctx, NewFeed{URL: srv.URL + "/", PickURL: srv.URL + "/b.rss", Title: "Mine"})
	if err != nil || len(res.Added) != 1 || res.Added[0].Title != "Mine" {
		t.Fatalf("pick = %+v, %v", res, err)
	}
	res, err = svc.AddFeed(ctx, NewFeed{URL: srv.URL + "/", AllFound: true})
	if err != nil || len(res.Added) != 1 || len(res.Existing) != 1 {
		t.Errorf("all found = %+v, %v", res, err)
	}
	if _, err := svc.AddFeed(ctx, NewFeed{URL: srv.URL + "/plain"}); kind(err) != Unreachable || !strings.Contains(err.Error(), "neither a feed nor a page") {
		t.Errorf("page without feeds = %v", err)
	}
	if _, err := svc.AddFeed(ctx, NewFeed{URL: "ftp://example.org/feed"}); kind(err) != Invalid {
		t.Errorf("ftp = %v", err)
	}
}

func TestConfigFeedsAreReadOnly(t *testing.T) {
	svc, st := newService(t)
	ctx := WithActor(context.Background(), web)
	u := "https://config.example.org/feed"
	if err := st.SyncConfigFeeds(ctx, []model.Feed{{URL: u, Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	title := "x"
	for name, err := range map[string]error{
		"remove":  svc.RemoveFeed(ctx, u),
		"disable": svc.SetFeedEnabled(ctx, u, false),
		"edit":    func() error { _, err := svc.UpdateFeed(ctx, u, FeedChange{Title: &title}); return err }(),
	} {
		if kind(err) != ReadOnly || !strings.Contains(err.Error(), "is declared in the config file") {
			t.Errorf("%s = %v", name, err)
		}
	}
	if err := svc.RemoveFeed(ctx, "https://nowhere.example.org/feed"); kind(err) != NotFound {
		t.Errorf("remove unknown = %v", err)
	}
}

func TestUpdateFeed(t *testing.T) {
	svc, st := newService(t)
	ctx := context.Background()
	f, _ := st.AddFeed(ctx, model.Feed{URL: "https://a.example.org/feed"})
	for _, d := range []time.Duration{-time.Minute, 30 * time.Second} {
		if _, err := svc.UpdateFeed(ctx, f.URL, FeedChange{Interval: &d}); kind(err) != Invalid {
			t.Errorf("interval %s = %v", d, err)
		}
	}
	d, title, off := 2*time.Hour, " Renamed ", false
	got, err := svc.UpdateFeed(ctx, f.URL, FeedChange{Interval: &d, Title: &title, Enabled: &off})
	if err != nil || got.Interval != d || got.Title != "Renamed" || got.Enabled {
		t.Errorf("update = %+v, %v", got, err)
	}
}

func TestSubscriptions(t *testing.T) {
	svc, _ := newService(t)
	ctx := WithActor(context.Background(), api)
	for _, in := range []SubscriptionInput{
		{Email: "a@[127.0.0.1]", TopicID: "golang"},
		{Email: "root@localhost", TopicID: "golang"},
		{Email: "a@example.org", TopicID: "nope"},
		{Email: "a@example.org"},
		{Email: "a@example.org", TopicID: "golang", TimeZone: "Nowhere/Land"},
	} {
		if _, err := svc.Subscribe(ctx, in); kind(err) != Invalid {
			t.Errorf("subscribe %+v = %v", in, err)
		}
	}
	sub, err := svc.Subscribe(ctx, SubscriptionInput{Email: " ann@example.org ", TopicID: "golang", Name: "Ann"})
	if err != nil || sub.Status != model.SubscriptionActive || sub.Email != "ann@example.org" {
		t.Fatalf("subscribe = %+v, %v", sub, err)
	}
	if _, err := svc.SetSubscription(ctx, SubscriptionInput{Email: "bob@example.org", TopicID: "golang"}); kind(err) != NotFound {
		t.Errorf("set unknown = %v", err)
	}
	if sub, err = svc.SetSubscription(ctx, SubscriptionInput{Email: "ann@example.org", TopicID: "golang", Status: "unsubscribed"}); err != nil || sub.Status != "unsubscribed" || sub.Name != "Ann" {
		t.Errorf("unsubscribe by set = %+v, %v", sub, err)
	}
	if _, err := svc.Unsubscribe(ctx, "ann@example.org", "golang"); kind(err) != NotFound {
		t.Errorf("unsubscribe twice = %v", err)
	}
	if _, err := svc.Subscriptions(ctx, SubscriptionFilter{Status: "gone"}); kind(err) != Invalid {
		t.Errorf("bad status filter = %v", err)
	}
	var csv strings.Builder
	svc.Subscribe(ctx, SubscriptionInput{Email: "eve@example.org", TopicID: "golang", Name: "@SUM(A1)"})
	if err := svc.ExportSubscriptionsCSV(ctx, &csv, SubscriptionFilter{Status: "active"}); err != nil || !strings.Contains(csv.String(), "eve@example.org,'@SUM(A1),golang,active") || strings.Contains(csv.String(), "ann@") {
		t.Errorf("csv = %q, %v", csv.String(), err)
	}
	if err := svc.EraseSubscriber(ctx, "ann@example.org"); err != nil {
		t.Fatal(err)
	}
	acts, _ := svc.Activities(ctx, 50)
	for _, a := range acts {
		if strings.Contains(a.Subject+a.Detail, "ann@example.org") {
			t.Errorf("the activity log keeps the erased address: %+v", a)
		}
		if a.Actor != "api:script" {
			t.Errorf("actor %q, want api:script", a.Actor)
		}
	}
	if len(acts) < 4 {
		t.Errorf("%d changes logged", len(acts))
	}
}

func TestAPIKeys(t *testing.T) {
	svc, _ := newService(t)
	ctx := context.Background()
	if _, _, err := svc.CreateAPIKey(ctx, "bad name!", false); kind(err) != Invalid {
		t.Errorf("bad name = %v", err)
	}
	key, k, err := svc.CreateAPIKey(ctx, "ci", true)
	if err != nil || !strings.HasPrefix(key, KeyPrefix) || len(key) < 40 || !k.ReadOnly {
		t.Fatalf("create = %q %+v %v", key, k, err)
	}
	if _, _, err := svc.CreateAPIKey(ctx, "ci", false); kind(err) != Conflict {
		t.Errorf("same name = %v", err)
	}
	if got, err := svc.Authenticate(ctx, key); err != nil || got.Name != "ci" || got.LastUsedAt.IsZero() {
		t.Errorf("authenticate = %+v, %v", got, err)
	}
	for _, wrong := range []string{"", "ci", KeyPrefix, key + "x", strings.TrimPrefix(key, KeyPrefix)} {
		if _, err := svc.Authenticate(ctx, wrong); kind(err) != NotFound {
			t.Errorf("authenticate %q = %v", wrong, err)
		}
	}
	if err := svc.RevokeAPIKey(ctx, "ci"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, key); kind(err) != NotFound {
		t.Errorf("revoked = %v", err)
	}
	if err := svc.RevokeAPIKey(ctx, "ci"); kind(err) != NotFound {
		t.Errorf("revoke twice = %v", err)
	}
	keys, _ := svc.APIKeys(ctx)
	if len(keys) != 1 || keys[0].RevokedAt.IsZero() {
		t.Errorf("keys = %+v", keys)
	}
}

func TestImportOPMLAndRetry(t *testing.T) {
	svc, st := newService(t)
	ctx := WithActor(context.Background(), web)
	doc := `<?xml version="1.0"?><opml version="2.0"><body><outline text="A" xmlUrl="https://a.example.org/feed"/></body></opml>`
	res, err := svc.ImportOPML(ctx, strings.NewReader(doc), "a.opml", nil)
	if err != nil || res.Added != 1 {
		t.Fatalf("import = %+v, %v", res, err)
	}
	if f, _ := st.FeedByURL(ctx, "https://a.example.org/feed"); f.Origin != "web" {
		t.Errorf("imported on the web: origin %q", f.Origin)
	}
	if _, err := svc.ImportOPML(ctx, strings.NewReader("<html/>"), "b.opml", nil); kind(err) != Invalid || !strings.Contains(err.Error(), "b.opml") {
		t.Errorf("bad OPML = %v", err)
	}
	if _, err := svc.RetryDeliveries(ctx, 42); kind(err) != NotFound {
		t.Errorf("retry unknown = %v", err)
	}
	if r, err := svc.RetryDeliveries(ctx, 0); err != nil || r.Queued != 0 || r.Sent != nil {
		t.Errorf("retry none = %+v, %v", r, err)
	}
	if _, err := svc.RefreshFeed(ctx, "https://a.example.org/feed"); kind(err) != Unsupported {
		t.Errorf("refresh without a poller = %v", err)
	}
	if _, err := svc.PreviewDigest(ctx, "golang"); kind(err) != Unsupported {
		t.Errorf("preview without a builder = %v", err)
	}
}
