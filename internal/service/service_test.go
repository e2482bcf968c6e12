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
  - id: rust
    name: Rust
    rules:
      any: [rust]
    digest:
      schedule: "30 8 * * 5"
`

func ptr[T any](v T) *T { return &v }

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
		{Email: "a@example.org", TopicID: "golang", Subscriber: SubscriberInput{TimeZone: ptr("Nowhere/Land")}},
	} {
		if _, err := svc.Subscribe(ctx, in); kind(err) != Invalid {
			t.Errorf("subscribe %+v = %v", in, err)
		}
	}
	sub, err := svc.Subscribe(ctx, SubscriptionInput{Email: " ann@example.org ", TopicID: "golang", Subscriber: SubscriberInput{Name: ptr("Ann")}})
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
	svc.Subscribe(ctx, SubscriptionInput{Email: "eve@example.org", TopicID: "golang", Subscriber: SubscriberInput{Name: ptr("@SUM(A1)")}})
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

// TestSubscriptionSchedules: a subscription's schedule and its
// subscriber's settings, set when subscribing and changed after, each
// field checked and named when it is wrong.
func TestSubscriptionSchedules(t *testing.T) {
	svc, st := newService(t)
	ctx := WithActor(context.Background(), web)
	// The pause is read in the subscriber's zone (Tokyo): tomorrow there,
	// which in the evening UTC is the day after tomorrow here.
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	tomorrow := time.Now().In(tokyo).AddDate(0, 0, 1).Format(time.DateOnly)
	type step struct {
		name   string
		set    bool // SetSubscription, else Subscribe
		in     SubscriptionInput
		field  string // the field named in the error, if one is expected
		sched  model.Schedule
		status string
		check  func(model.Subscription) string // "" when right
	}
	ann := func(topic string, sub SubscriberInput, sch ScheduleInput) SubscriptionInput {
		return SubscriptionInput{Email: "ann@example.org", TopicID: topic, Subscriber: sub, Schedule: sch}
	}
	for _, s := range []step{
		{name: "a new subscription follows its topic", in: ann("golang", SubscriberInput{}, ScheduleInput{}), sched: model.Schedule{}},
		{name: "daily without a time: 07:00", set: true, in: ann("golang", SubscriberInput{}, ScheduleInput{Frequency: ptr("daily")}),
			sched: model.Schedule{Frequency: model.FrequencyDaily, DeliverAt: 7 * 60}},
		{name: "a new time", set: true, in: ann("golang", SubscriberInput{}, ScheduleInput{DeliverAt: ptr("18:45")}),
			sched: model.Schedule{Frequency: model.FrequencyDaily, DeliverAt: 18*60 + 45}},
		{name: "weekly keeps the time, the day Monday", set: true, in: ann("golang", SubscriberInput{}, ScheduleInput{Frequency: ptr("weekly"), BestOnly: ptr(true)}),
			sched: model.Schedule{Frequency: model.FrequencyWeekly, DeliverAt: 18*60 + 45, Weekday: time.Monday, BestOnly: true}},
		{name: "a day", set: true, in: ann("golang", SubscriberInput{}, ScheduleInput{Weekday: ptr("Thursday")}),
			sched: model.Schedule{Frequency: model.FrequencyWeekly, DeliverAt: 18*60 + 45, Weekday: time.Thursday, BestOnly: true}},
		{name: "back to the topic's, all matches", set: true, in: ann("golang", SubscriberInput{}, ScheduleInput{Frequency: ptr("topic"), BestOnly: ptr(false)}),
			sched: model.Schedule{Frequency: model.FrequencyTopic, DeliverAt: 18*60 + 45, Weekday: time.Thursday}},
		{name: "weekly on a topic that runs weekly takes its day and time", in: ann("rust", SubscriberInput{}, ScheduleInput{Frequency: ptr("weekly")}),
			sched: model.Schedule{Frequency: model.FrequencyWeekly, DeliverAt: 8*60 + 30, Weekday: time.Friday}},
		{name: "instant, with the subscriber's settings", set: true,
			in: ann("rust", SubscriberInput{Name: ptr("Ann"), TimeZone: ptr("Asia/Tokyo"), Lang: ptr("RU"), Combine: ptr(true), PausedUntil: ptr(tomorrow)},
				ScheduleInput{Frequency: ptr("instant")}),
			sched: model.Schedule{Frequency: model.FrequencyInstant, DeliverAt: 8*60 + 30, Weekday: time.Friday},
			check: func(sub model.Subscription) string {
				want, _ := time.ParseInLocation(time.DateOnly, tomorrow, tokyo)
				if sub.Name != "Ann" || sub.TimeZone != "Asia/Tokyo" || sub.Lang != "ru" || !sub.Combine || !sub.PausedUntil.Equal(want) {
					return fmt.Sprintf("settings %+v, pause want %s", sub, want)
				}
				return ""
			}},
		{name: "the pause ends, the rest stays", set: true, in: ann("golang", SubscriberInput{PausedUntil: ptr("")}, ScheduleInput{}),
			sched: model.Schedule{Frequency: model.FrequencyTopic, DeliverAt: 18*60 + 45, Weekday: time.Thursday},
			check: func(sub model.Subscription) string {
				if !sub.PausedUntil.IsZero() || sub.TimeZone != "Asia/Tokyo" || !sub.Combine {
					return fmt.Sprintf("settings %+v", sub)
				}
				return ""
			}},
		{name: "suspended", set: true, in: SubscriptionInput{Email: "ann@example.org", TopicID: "golang", Status: "suspended"}, status: "suspended",
			sched: model.Schedule{Frequency: model.FrequencyTopic, DeliverAt: 18*60 + 45, Weekday: time.Thursday}},
		{name: "subscribed again: active, schedule kept", in: ann("golang", SubscriberInput{}, ScheduleInput{}),
			sched: model.Schedule{Frequency: model.FrequencyTopic, DeliverAt: 18*60 + 45, Weekday: time.Thursday}},

		{name: "an unknown frequency", in: ann("golang", SubscriberInput{}, ScheduleInput{Frequency: ptr("hourly")}), field: "frequency"},
		{name: "a time for instant mail", set: true, in: ann("rust", SubscriberInput{}, ScheduleInput{DeliverAt: ptr("08:00")}), field: "deliver_at"},
		{name: "a bad time", set: true, in: ann("rust", SubscriberInput{}, ScheduleInput{Frequency: ptr("daily"), DeliverAt: ptr("25:00")}), field: "deliver_at"},
		{name: "a day for daily mail", set: true, in: ann("rust", SubscriberInput{}, ScheduleInput{Frequency: ptr("daily"), Weekday: ptr("mon")}), field: "weekday"},
		{name: "a bad day", set: true, in: ann("rust", SubscriberInput{}, ScheduleInput{Frequency: ptr("weekly"), Weekday: ptr("funday")}), field: "weekday"},
		{name: "a bad zone", set: true, in: ann("rust", SubscriberInput{TimeZone: ptr("Mars/Olympus")}, ScheduleInput{}), field: "time_zone"},
		{name: "a language not told apart", set: true, in: ann("rust", SubscriberInput{Lang: ptr("de")}, ScheduleInput{}), field: "lang"},
		{name: "a pause in the past", set: true, in: ann("rust", SubscriberInput{PausedUntil: ptr("2020-01-01")}, ScheduleInput{}), field: "paused_until"},
		{name: "a pause that is no date", set: true, in: ann("rust", SubscriberInput{PausedUntil: ptr("soon")}, ScheduleInput{}), field: "paused_until"},
		{name: "a status the operator cannot set", set: true, in: SubscriptionInput{Email: "ann@example.org", TopicID: "rust", Status: "pending"}, field: "status"},
		{name: "a subscription that is not there", set: true, in: SubscriptionInput{Email: "bob@example.org", TopicID: "rust"}, field: "-"},
	} {
		op := svc.Subscribe
		if s.set {
			op = svc.SetSubscription
		}
		before, _ := st.Subscriptions(ctx)
		sub, err := op(ctx, s.in)
		if s.field != "" {
			var e *Error
			switch {
			case s.field == "-" && kind(err) == NotFound:
			case !errors.As(err, &e) || e.Kind != Invalid || e.Field != s.field:
				t.Errorf("%s: %v (%+v), want invalid %s", s.name, err, e, s.field)
			}
			if after, _ := st.Subscriptions(ctx); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Errorf("%s: refused, yet the subscriptions changed:\n%+v\n%+v", s.name, before, after)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		want := s.status
		if want == "" {
			want = model.SubscriptionActive
		}
		if sub.Schedule != s.sched || sub.Status != want {
			t.Errorf("%s: %s %+v, want %s %+v", s.name, sub.Status, sub.Schedule, want, s.sched)
		}
		if s.check != nil {
			if msg := s.check(sub); msg != "" {
				t.Errorf("%s: %s", s.name, msg)
			}
		}
	}
	// Settings alone, for every subscription of the address.
	if _, err := svc.SetSubscriber(ctx, "nobody@example.org", SubscriberInput{Name: ptr("X")}); kind(err) != NotFound {
		t.Errorf("SetSubscriber of an unknown address: %v", err)
	}
	sr, err := svc.SetSubscriber(ctx, "ann@example.org", SubscriberInput{Name: ptr(""), Combine: ptr(false), TimeZone: ptr("")})
	if err != nil || sr.Name != "" || sr.Combine || sr.TimeZone != "" || sr.Lang != "ru" {
		t.Errorf("SetSubscriber = %+v, %v", sr, err)
	}
	acts, _ := svc.Activities(ctx, 50)
	var log []string
	for _, a := range acts {
		log = append(log, a.Action+" "+a.Detail)
	}
	for _, want := range []string{"subscription.edit rust: active, instant; zone Asia/Tokyo, language ru, combined mail, paused until",
		"subscriber.add rust: active, weekly on Friday at 08:30", "subscription.edit golang: suspended, the topic's schedule", "subscriber.edit language ru"} {
		if !strings.Contains(strings.Join(log, "\n"), want) {
			t.Errorf("activity log lacks %q:\n%s", want, strings.Join(log, "\n"))
		}
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
