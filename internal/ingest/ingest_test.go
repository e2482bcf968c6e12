package ingest

import (
	"context"
	"errors"
	"fmt"
	"html"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/fetch"
	"github.com/feedwatch/feedwatch/internal/match"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/topic"
)

// t0 has no sub-millisecond part because the store keeps milliseconds.
var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// Options every test starts from; the schedule numbers are the shipped
// defaults so that the expected times read naturally.
func testOptions(c *clock) Options {
	return Options{Workers: 4, PerHost: 4, Interval: 30 * time.Minute, MinInterval: 5 * time.Minute,
		MaxInterval: 24 * time.Hour, Now: c.Now}
}

// clock is a settable Now, safe to read from the workers.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// mustOpenStore opens a real SQLite file in a temporary folder.
func mustOpenStore(tb testing.TB) *store.Store {
	tb.Helper()
	st, err := store.Open(context.Background(), filepath.Join(tb.TempDir(), "feedwatch.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

func newServer(tb testing.TB, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv
}

// newServerOn listens on a given loopback address, so that a test can
// have a second host; it skips where that address cannot be bound.
func newServerOn(tb testing.TB, addr string, h http.Handler) *httptest.Server {
	ln, err := net.Listen("tcp", addr+":0")
	if err != nil {
		tb.Skipf("cannot listen on %s (only Linux routes all of 127/8 to lo): %v", addr, err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	tb.Cleanup(srv.Close)
	return srv
}

// addFeed stores a feed as the operator's config would.
func addFeed(tb testing.TB, st *store.Store, url string) model.Feed {
	tb.Helper()
	return addFeedWith(tb, st, model.Feed{URL: url})
}

func addFeedWith(tb testing.TB, st *store.Store, f model.Feed) model.Feed {
	tb.Helper()
	f.Origin = "config"
	f, err := st.AddFeed(context.Background(), f)
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

func feedByURL(tb testing.TB, st *store.Store, url string) model.Feed {
	tb.Helper()
	f, err := st.FeedByURL(context.Background(), url)
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

func newPoller(st *store.Store, m Matcher, opts Options) *Poller {
	return newPollerFetch(st, m, opts, fetch.Options{Timeout: 5 * time.Second})
}

// loopback lets redirect hops reach the test servers: fetch checks every
// redirect hop against private addresses, whatever the feed's origin.
var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}

func newPollerFetch(st *store.Store, m Matcher, opts Options, fo fetch.Options) *Poller {
	fo.AllowNets = loopback
	if m == nil {
		m = mustTopics(nil, "")
	}
	return New(st, fetch.New(fo), func() Matcher { return m }, opts)
}

// testTopics are two topics in the syntax of docs/rules.md: one needs a
// Russian and an American side (or the treaty's name), one a phrase.
const testTopics = `topics:
  - id: us-russia
    name: US–Russia relations
    rules:
      any: [New START]
      all:
        Russia: [Russia, Kremlin, Moscow]
        US: [=US, Washington]
  - id: energy
    name: Energy
    rules:
      any: [oil price*]
`

func mustTopics(tb testing.TB, src string) *topic.Set {
	if src == "" {
		src = testTopics
	}
	s, err := topic.Parse(strings.NewReader(src), "topics.yaml")
	if err != nil {
		if tb == nil {
			panic(err)
		}
		tb.Fatal(err)
	}
	return s
}

// item is one RSS item for rssDoc; empty fields are left out.
type item struct{ guid, title, date string }

// rssDoc writes an RSS 2.0 document; channel is extra channel XML (<ttl>).
func rssDoc(channel string, items ...item) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel><title>Test feed</title><link>https://example.org/</link>`)
	b.WriteString(channel)
	for _, it := range items {
		b.WriteString("<item>")
		if it.guid != "" {
			fmt.Fprintf(&b, `<guid isPermaLink="false">%s</guid>`, it.guid)
		}
		fmt.Fprintf(&b, "<title>%s</title><link>https://example.org/%s</link>", html.EscapeString(it.title), it.guid)
		if it.date != "" {
			fmt.Fprintf(&b, "<pubDate>%s</pubDate>", it.date)
		}
		b.WriteString("<description>Text of the item.</description></item>")
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

var (
	doc1 = rssDoc("", item{"a", "First", "Tue, 24 Nov 2026 08:00:00 GMT"}, item{"b", "Second", "Tue, 24 Nov 2026 09:00:00 GMT"})
	doc2 = rssDoc("", item{"a", "First", "Tue, 24 Nov 2026 08:00:00 GMT"}, item{"b", "Second", "Tue, 24 Nov 2026 09:00:00 GMT"},
		item{"c", "Third", "Wed, 25 Nov 2026 09:00:00 GMT"})
)

// TestConditionalGet polls a feed twice. The second request must carry the
// validators of the first response; what the server answers then decides
// whether the body is parsed at all.
func TestConditionalGet(t *testing.T) {
	const lastMod = "Wed, 25 Nov 2026 10:00:00 GMT"
	cases := []struct {
		name        string
		second      func(w http.ResponseWriter, r *http.Request)
		outcome     Outcome
		items, new  int
		etag        string // stored after the second poll
		errContains string
	}{
		{
			name: "304 is not parsed",
			second: func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("If-None-Match") == `"v1"` {
					w.WriteHeader(http.StatusNotModified)
					return
				}
				fmt.Fprint(w, doc1)
			},
			outcome: OutcomeNotModified, etag: `"v1"`,
		},
		{
			// A server that ignores validators but sends the same bytes:
			// the body hash spares the parse, and the new ETag is kept.
			name: "200 with the same body is not parsed",
			second: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("ETag", `"v2"`)
				fmt.Fprint(w, doc1)
			},
			outcome: OutcomeUnchanged, etag: `"v2"`,
		},
		{
			name: "200 with a new body is parsed",
			second: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("ETag", `"v2"`)
				fmt.Fprint(w, doc2)
			},
			outcome: OutcomeOK, items: 3, new: 1, etag: `"v2"`,
		},
		{
			// Storing "v3" would turn the next poll into a 304 and the
			// broken version would never be parsed again once fixed.
			name: "a body that fails to parse keeps the old validators",
			second: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("ETag", `"v3"`)
				fmt.Fprint(w, "<!doctype html><html><body>Maintenance</body></html>")
			},
			outcome: OutcomeFailed, etag: `"v1"`, errContains: "not a feed",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var reqs []http.Header
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				reqs = append(reqs, r.Header.Clone())
				n := len(reqs)
				mu.Unlock()
				w.Header().Set("Content-Type", "application/rss+xml")
				if n == 1 {
					w.Header().Set("ETag", `"v1"`)
					w.Header().Set("Last-Modified", lastMod)
					fmt.Fprint(w, doc1)
					return
				}
				tc.second(w, r)
			}))
			st := mustOpenStore(t)
			c := newClock()
			p := newPoller(st, nil, testOptions(c))
			f := addFeed(t, st, srv.URL+"/feed.xml")

			r := p.PollFeed(context.Background(), f)
			if r.Err != nil || r.Outcome != OutcomeOK || r.New != 2 {
				t.Fatalf("first poll: %+v", r)
			}
			if r.Feed.ETag != `"v1"` || r.Feed.LastModified != lastMod || r.Feed.BodyHash == "" {
				t.Fatalf("first poll stored etag %q last-modified %q hash %q", r.Feed.ETag, r.Feed.LastModified, r.Feed.BodyHash)
			}
			first := r.Feed

			now := c.Add(time.Hour)
			r = p.PollFeed(context.Background(), feedByURL(t, st, f.URL))
			if h := reqs[1]; h.Get("If-None-Match") != `"v1"` || h.Get("If-Modified-Since") != lastMod {
				t.Errorf("second request sent If-None-Match %q, If-Modified-Since %q", h.Get("If-None-Match"), h.Get("If-Modified-Since"))
			}
			if r.Outcome != tc.outcome || r.Items != tc.items || r.New != tc.new {
				t.Errorf("second poll: outcome %s, items %d, new %d; want %s, %d, %d (err %v)", r.Outcome, r.Items, r.New, tc.outcome, tc.items, tc.new, r.Err)
			}
			if tc.errContains != "" && (r.Err == nil || !strings.Contains(r.Err.Error(), tc.errContains)) {
				t.Errorf("error %v, want one containing %q", r.Err, tc.errContains)
			}
			got := feedByURL(t, st, f.URL)
			if got.ETag != tc.etag {
				t.Errorf("stored ETag %q, want %q", got.ETag, tc.etag)
			}
			if tc.outcome == OutcomeFailed {
				if got.BodyHash != first.BodyHash || got.ErrorCount != 1 || got.LastSuccessAt != t0 {
					t.Errorf("after failure: hash changed %v, errors %d, last success %s", got.BodyHash != first.BodyHash, got.ErrorCount, got.LastSuccessAt)
				}
				return
			}
			if !got.LastSuccessAt.Equal(now) || !got.NextPollAt.Equal(now.Add(30*time.Minute)) || got.LastError != "" {
				t.Errorf("after success: last success %s, next poll %s, error %q; want %s, %s", got.LastSuccessAt, got.NextPollAt, got.LastError, now, now.Add(30*time.Minute))
			}
			if got.ItemCount != 2+tc.new {
				t.Errorf("stored items %d, want %d", got.ItemCount, 2+tc.new)
			}
		})
	}
}

// inflight counts concurrent requests and remembers the most seen at once.
type inflight struct{ now, max atomic.Int32 }

func (c *inflight) enter() {
	n := c.now.Add(1)
	for {
		m := c.max.Load()
		if n <= m || c.max.CompareAndSwap(m, n) {
			return
		}
	}
}

// leave is called before the response is written, so that the client
// cannot start its next request while this one still counts.
func (c *inflight) leave() { c.now.Add(-1) }

// slowFeed serves doc1 after delay, counting concurrency in c.
func slowFeed(c *inflight, delay time.Duration, arrived func()) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c.enter()
		if arrived != nil {
			arrived()
		}
		time.Sleep(delay)
		c.leave()
		fmt.Fprint(w, doc1)
	}
}

// TestPerHostLimit: the limit is per host name, port ignored, because its
// point is politeness to one machine; httptest servers all listen on
// 127.0.0.1, so two of them are one host, and a second host needs a second
// loopback address.
func TestPerHostLimit(t *testing.T) {
	t.Run("ten feeds on one host, others proceed", func(t *testing.T) {
		var a, b inflight
		var mu sync.Mutex
		var lastA, lastB time.Time
		stamp := func(last *time.Time) func() {
			return func() { mu.Lock(); *last = time.Now(); mu.Unlock() }
		}
		srvA := newServer(t, slowFeed(&a, 50*time.Millisecond, stamp(&lastA)))
		srvB := newServerOn(t, "127.0.0.2", slowFeed(&b, 5*time.Millisecond, stamp(&lastB)))
		st := mustOpenStore(t)
		opts := testOptions(newClock())
		opts.Workers, opts.PerHost = 10, 2
		p := newPoller(st, nil, opts)
		var feeds []model.Feed
		for i := range 10 {
			feeds = append(feeds, addFeed(t, st, fmt.Sprintf("%s/a%d.xml", srvA.URL, i)))
		}
		for i := range 4 {
			feeds = append(feeds, addFeed(t, st, fmt.Sprintf("%s/b%d.xml", srvB.URL, i)))
		}
		sum := p.PollFeeds(context.Background(), feeds, nil)
		if sum.OK != 14 {
			t.Fatalf("summary %+v", sum)
		}
		if got := a.max.Load(); got != 2 {
			t.Errorf("host A saw at most %d requests at once, want exactly the limit 2", got)
		}
		if got := b.max.Load(); got > 2 {
			t.Errorf("host B saw %d requests at once, limit 2", got)
		}
		// Host A needs five rounds of 50 ms; host B must not wait for them.
		if !lastB.Before(lastA) {
			t.Errorf("host B's last request came %s after host A's last: it waited behind A's limit", lastB.Sub(lastA))
		}
	})
	t.Run("two ports on one address share the limit", func(t *testing.T) {
		var c inflight
		srv1 := newServer(t, slowFeed(&c, 30*time.Millisecond, nil))
		srv2 := newServer(t, slowFeed(&c, 30*time.Millisecond, nil))
		if hostOf(srv1.URL) != hostOf(srv2.URL) {
			t.Fatalf("hostOf(%s) = %s, hostOf(%s) = %s", srv1.URL, hostOf(srv1.URL), srv2.URL, hostOf(srv2.URL))
		}
		st := mustOpenStore(t)
		opts := testOptions(newClock())
		opts.Workers, opts.PerHost = 10, 2
		p := newPoller(st, nil, opts)
		var feeds []model.Feed
		for i := range 5 {
			feeds = append(feeds, addFeed(t, st, fmt.Sprintf("%s/%d.xml", srv1.URL, i)), addFeed(t, st, fmt.Sprintf("%s/%d.xml", srv2.URL, i)))
		}
		if sum := p.PollFeeds(context.Background(), feeds, nil); sum.OK != 10 {
			t.Fatalf("summary %+v", sum)
		}
		if got := c.max.Load(); got != 2 {
			t.Errorf("127.0.0.1 saw at most %d requests at once over two ports, want 2", got)
		}
	})
}

func TestHostOf(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:8080/feed":       "127.0.0.1",
		"https://Example.ORG/feed":         "example.org",
		"https://example.org:8443/a?b=c":   "example.org",
		"http://[::1]:8080/feed":           "::1",
		"https://user:pw@example.org/feed": "example.org",
	} {
		if got := hostOf(in); got != want {
			t.Errorf("hostOf(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestFailures polls one good feed among failing ones: each failure is
// recorded on its own feed with a backoff, a Retry-After is honoured to the
// second, and the good feed is stored as usual.
func TestFailures(t *testing.T) {
	release := make(chan struct{})
	var healed atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, doc1) })
	mux.HandleFunc("/500", func(w http.ResponseWriter, r *http.Request) {
		if healed.Load() {
			fmt.Fprint(w, doc1)
			return
		}
		http.Error(w, "boom", http.StatusInternalServerError)
	})
	mux.HandleFunc("/malformed", func(w http.ResponseWriter, r *http.Request) {
		// Truncated, as by a proxy that gave up. (gofeed's lenient mode
		// accepts mismatched end tags, so those are no test.)
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><title>cut off`)
	})
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<!DOCTYPE html><html><head><title>Home</title></head><body>Not a feed</body></html>")
	})
	mux.HandleFunc("/timeout", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	mux.HandleFunc("/429", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		http.Error(w, "slow down", http.StatusTooManyRequests)
	})
	mux.HandleFunc("/503", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		http.Error(w, "maintenance", http.StatusServiceUnavailable)
	})
	// Retry-After on a status that does not mean "later" is no reason to
	// come back in a minute, round after round: the backoff applies.
	mux.HandleFunc("/404", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "60")
		http.Error(w, "gone", http.StatusNotFound)
	})
	srv := newServer(t, mux)
	t.Cleanup(func() { close(release) }) // runs before srv.Close, which waits for handlers

	cases := []struct {
		path       string
		errText    string
		retryAfter time.Duration // 0: backoff
	}{
		{"/500", "HTTP 500", 0},
		{"/malformed", "parse", 0},
		{"/html", "an HTML page", 0},
		{"/timeout", "deadline exceeded", 0},
		{"/429", "HTTP 429", 2 * time.Minute},
		{"/503", "HTTP 503", time.Hour},
		{"/404", "HTTP 404", 0},
	}
	st := mustOpenStore(t)
	c := newClock()
	opts := testOptions(c)
	p := newPollerFetch(st, nil, opts, fetch.Options{Timeout: time.Second})
	addFeed(t, st, srv.URL+"/ok")
	for _, tc := range cases {
		addFeed(t, st, srv.URL+tc.path)
	}

	for round := 1; round <= 2; round++ {
		now := c.Now()
		results := map[string]FeedResult{}
		// Each round starts from the stored state, as PollDue does.
		feeds, err := st.Feeds(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		sum := p.PollFeeds(context.Background(), feeds, func(r FeedResult) { results[r.Feed.URL] = r })
		if sum.Feeds != 8 || sum.Failed != 7 || sum.OK != 1 {
			t.Fatalf("round %d: summary %+v", round, sum)
		}
		if r := results[srv.URL+"/ok"]; r.Outcome == OutcomeFailed || r.Err != nil {
			t.Errorf("round %d: the good feed: %+v", round, r)
		}
		for _, tc := range cases {
			url := srv.URL + tc.path
			if r := results[url]; r.Outcome != OutcomeFailed || r.Err == nil {
				t.Errorf("round %d: %s: outcome %s, err %v", round, tc.path, r.Outcome, r.Err)
			}
			f := feedByURL(t, st, url)
			if !strings.Contains(f.LastError, tc.errText) {
				t.Errorf("round %d: %s: last error %q, want it to mention %q", round, tc.path, f.LastError, tc.errText)
			}
			if f.ErrorCount != round || !f.LastErrorAt.Equal(now) || !f.LastPollAt.Equal(now) {
				t.Errorf("round %d: %s: errors %d, last error at %s, last poll %s", round, tc.path, f.ErrorCount, f.LastErrorAt, f.LastPollAt)
			}
			wait := f.NextPollAt.Sub(now)
			if tc.retryAfter > 0 {
				if wait != tc.retryAfter {
					t.Errorf("round %d: %s: next poll in %s, want exactly the Retry-After %s", round, tc.path, wait, tc.retryAfter)
				}
				continue
			}
			// 30 min interval doubled per failure, less up to 20% jitter.
			hi := 30 * time.Minute << (round - 1)
			if lo := hi * 8 / 10; wait < lo || wait > hi {
				t.Errorf("round %d: %s: next poll in %s, want within [%s, %s]", round, tc.path, wait, lo, hi)
			}
		}
		c.Add(3 * time.Hour)
	}

	// Recovery clears the error state.
	healed.Store(true)
	now := c.Now()
	r := p.PollFeed(context.Background(), feedByURL(t, st, srv.URL+"/500"))
	f := feedByURL(t, st, srv.URL+"/500")
	if r.Outcome != OutcomeOK || f.ErrorCount != 0 || f.LastError != "" || !f.NextPollAt.Equal(now.Add(30*time.Minute)) {
		t.Errorf("after recovery: outcome %s, errors %d, last error %q, next poll %s", r.Outcome, f.ErrorCount, f.LastError, f.NextPollAt)
	}
	// The failures' times stay for the operator to see.
	if f.LastErrorAt.IsZero() {
		t.Error("after recovery: last error time was cleared")
	}

	// Backoff starts from the same floor as the schedule: a feed asking
	// for a one-minute interval is not retried every minute when failing.
	fast := addFeedWith(t, st, model.Feed{URL: srv.URL + "/html?fast", Interval: time.Minute})
	now = c.Now()
	p.PollFeed(context.Background(), fast)
	if wait := feedByURL(t, st, fast.URL).NextPollAt.Sub(now); wait < 4*time.Minute || wait > 5*time.Minute {
		t.Errorf("feed with a 1m interval: retry in %s, want within [4m, 5m] (MinInterval less jitter)", wait)
	}
}

// TestScheduleHints: a feed's <ttl> or <sy:updatePeriod> and the
// response's Cache-Control can
// only lengthen the interval, and only within MinInterval and MaxInterval.
func TestScheduleHints(t *testing.T) {
	cases := []struct {
		name         string
		feedInterval time.Duration
		ttl          int    // minutes; 0: none
		channel      string // other channel XML
		cacheControl string
		want         time.Duration
	}{
		{name: "no hint", want: 30 * time.Minute},
		{name: "ttl above the interval", ttl: 60, want: time.Hour},
		{name: "ttl below the interval", ttl: 10, want: 30 * time.Minute},
		{name: "max-age above the interval", cacheControl: "public, max-age=7200", want: 2 * time.Hour},
		{name: "max-age below the interval", cacheControl: "max-age=60", want: 30 * time.Minute},
		{name: "max-age capped", cacheControl: "max-age=172800", want: 24 * time.Hour},
		{name: "ttl capped", ttl: 2000, want: 24 * time.Hour},
		{name: "the larger hint wins", ttl: 90, cacheControl: "max-age=3600", want: 90 * time.Minute},
		{name: "sy:updatePeriod above the interval", channel: "<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>1</sy:updateFrequency>", want: time.Hour},
		{name: "sy:updatePeriod below the interval", channel: "<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>4</sy:updateFrequency>", want: 30 * time.Minute},
		{name: "sy:updatePeriod capped", channel: "<sy:updatePeriod>weekly</sy:updatePeriod>", want: 24 * time.Hour},
		{name: "ttl above sy:updatePeriod", ttl: 120, channel: "<sy:updatePeriod>hourly</sy:updatePeriod>", want: 2 * time.Hour},
		{name: "no-cache is no hint", ttl: 0, cacheControl: "no-cache, max-age=7200", want: 30 * time.Minute},
		{name: "feed interval below the floor", feedInterval: time.Minute, want: 5 * time.Minute},
		{name: "feed interval above the hint", feedInterval: 3 * time.Hour, ttl: 60, want: 3 * time.Hour},
		// A hint is capped at MaxInterval but never shortens an interval
		// the operator set longer than that.
		{name: "feed interval above the ceiling", feedInterval: 48 * time.Hour, cacheControl: "max-age=259200", want: 48 * time.Hour},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			channel := tc.channel
			if tc.ttl > 0 {
				channel += "<ttl>" + strconv.Itoa(tc.ttl) + "</ttl>"
			}
			body := rssDoc(channel, item{"a", "First", "Tue, 24 Nov 2026 08:00:00 GMT"})
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.cacheControl != "" {
					w.Header().Set("Cache-Control", tc.cacheControl)
				}
				fmt.Fprint(w, body)
			}))
			st := mustOpenStore(t)
			p := newPoller(st, nil, testOptions(newClock()))
			f := addFeedWith(t, st, model.Feed{URL: srv.URL, Interval: tc.feedInterval})
			if r := p.PollFeed(context.Background(), f); r.Outcome != OutcomeOK {
				t.Fatalf("poll: %+v", r)
			}
			if got := feedByURL(t, st, srv.URL).NextPollAt.Sub(t0); got != tc.want {
				t.Errorf("next poll in %s, want %s", got, tc.want)
			}
		})
	}

	t.Run("max-age on a 304", func(t *testing.T) {
		srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("ETag", `"x"`)
			if r.Header.Get("If-None-Match") == `"x"` {
				w.Header().Set("Cache-Control", "max-age=10800")
				w.WriteHeader(http.StatusNotModified)
				return
			}
			fmt.Fprint(w, doc1)
		}))
		st := mustOpenStore(t)
		c := newClock()
		p := newPoller(st, nil, testOptions(c))
		f := addFeed(t, st, srv.URL)
		p.PollFeed(context.Background(), f)
		now := c.Add(time.Hour)
		if r := p.PollFeed(context.Background(), feedByURL(t, st, srv.URL)); r.Outcome != OutcomeNotModified {
			t.Fatalf("second poll: %+v", r)
		}
		if got := feedByURL(t, st, srv.URL).NextPollAt.Sub(now); got != 3*time.Hour {
			t.Errorf("next poll in %s, want 3h", got)
		}
	})

	// The document's own hint outlives the document: answers that are not
	// parsed (304, the same body again) keep the interval it asked for,
	// and a new document without one drops it.
	t.Run("document hint on a 304 and an unchanged body", func(t *testing.T) {
		withHint := rssDoc("<sy:updatePeriod>hourly</sy:updatePeriod>", item{"a", "First", "Tue, 24 Nov 2026 08:00:00 GMT"})
		without := rssDoc("", item{"b", "Second", "Tue, 24 Nov 2026 09:00:00 GMT"})
		var answers []func(w http.ResponseWriter)
		srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			answer := answers[0]
			answers = answers[1:]
			answer(w)
		}))
		body := func(doc, etag string) func(w http.ResponseWriter) {
			return func(w http.ResponseWriter) { w.Header().Set("ETag", etag); fmt.Fprint(w, doc) }
		}
		answers = []func(http.ResponseWriter){
			body(withHint, `"1"`),
			func(w http.ResponseWriter) { w.WriteHeader(http.StatusNotModified) },
			body(withHint, `"2"`), // same body, new validator
			body(without, `"3"`),
		}
		st := mustOpenStore(t)
		c := newClock()
		p := newPoller(st, nil, testOptions(c))
		addFeed(t, st, srv.URL)
		for i, want := range []struct {
			outcome Outcome
			next    time.Duration
		}{{OutcomeOK, time.Hour}, {OutcomeNotModified, time.Hour}, {OutcomeUnchanged, time.Hour}, {OutcomeOK, 30 * time.Minute}} {
			now := c.Add(2 * time.Hour)
			if r := p.PollFeed(context.Background(), feedByURL(t, st, srv.URL)); r.Outcome != want.outcome {
				t.Fatalf("poll %d: %+v, want %s", i+1, r, want.outcome)
			}
			if got := feedByURL(t, st, srv.URL).NextPollAt.Sub(now); got != want.next {
				t.Errorf("poll %d (%s): next poll in %s, want %s", i+1, want.outcome, got, want.next)
			}
		}
	})
}

// TestPermanentRedirect: the stored URL follows a 301 or 308 only after
// PermanentRedirects polls in a row saw it, so one misconfigured response
// cannot lose a feed; 302 and 307 never move it.
func TestPermanentRedirect(t *testing.T) {
	cases := []struct {
		name string
		// One response of /old per poll: a redirect status, or 200 to serve
		// the feed there.
		statuses []int
		// Redirect count stored after each poll; -1: the URL moved.
		counts []int
	}{
		{"301 three times", []int{301, 301, 301}, []int{1, 2, -1}},
		{"308 three times", []int{308, 308, 308}, []int{1, 2, -1}},
		{"302 never", []int{302, 302, 302, 302}, []int{0, 0, 0, 0}},
		{"307 never", []int{307, 307, 307}, []int{0, 0, 0}},
		{"a 200 in between starts over", []int{301, 301, 200, 301, 301}, []int{1, 2, 0, 1, 2}},
		{"a 302 in between starts over", []int{301, 302, 301, 301, 301}, []int{1, 0, 1, 2, -1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var status atomic.Int32
			mux := http.NewServeMux()
			mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) {
				if s := int(status.Load()); s != 200 {
					http.Redirect(w, r, "/new", s)
					return
				}
				fmt.Fprint(w, doc1)
			})
			mux.HandleFunc("/new", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, doc1) })
			srv := newServer(t, mux)
			st := mustOpenStore(t)
			c := newClock()
			p := newPoller(st, nil, testOptions(c))
			oldURL, newURL := srv.URL+"/old", srv.URL+"/new"
			f, err := st.AddFeed(context.Background(), model.Feed{URL: oldURL}) // added by hand: its URL may move
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range tc.statuses {
				status.Store(int32(s))
				r := p.PollFeed(context.Background(), f)
				if r.Outcome == OutcomeFailed {
					t.Fatalf("poll %d: %v", i+1, r.Err)
				}
				c.Add(time.Hour)
				if tc.counts[i] == -1 {
					f = feedByURL(t, st, newURL)
					if f.RedirectCount != 0 || f.RedirectURL != "" {
						t.Errorf("poll %d: moved, but redirect state %q × %d remains", i+1, f.RedirectURL, f.RedirectCount)
					}
					if _, err := st.FeedByURL(context.Background(), oldURL); !errors.Is(err, store.ErrNotFound) {
						t.Errorf("poll %d: old URL still stored (err %v)", i+1, err)
					}
					if f.ItemCount != 2 {
						t.Errorf("poll %d: moved feed has %d items, want its 2", i+1, f.ItemCount)
					}
					continue
				}
				f = feedByURL(t, st, oldURL)
				if f.RedirectCount != tc.counts[i] {
					t.Errorf("poll %d (%d): redirect count %d, want %d", i+1, s, f.RedirectCount, tc.counts[i])
				}
				if f.RedirectCount > 0 && f.RedirectURL != newURL {
					t.Errorf("poll %d: redirect URL %q, want %q", i+1, f.RedirectURL, newURL)
				}
			}
		})
	}

	// A feed from the config file keeps the URL the file gives it, which
	// the file would otherwise write back as a second feed at the next
	// start: the redirect is followed, the items stay with the feed.
	t.Run("config feed", func(t *testing.T) {
		mux := http.NewServeMux()
		mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/new", http.StatusMovedPermanently) })
		mux.HandleFunc("/new", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, doc1) })
		srv := newServer(t, mux)
		st := mustOpenStore(t)
		c := newClock()
		p := newPoller(st, nil, testOptions(c))
		oldURL := srv.URL + "/old"
		f := addFeed(t, st, oldURL) // origin config
		for i := range 5 {
			if r := p.PollFeed(context.Background(), f); r.Outcome == OutcomeFailed {
				t.Fatalf("poll %d: %v", i+1, r.Err)
			}
			c.Add(time.Hour)
			f = feedByURL(t, st, oldURL)
		}
		if f.ItemCount != 2 || f.RedirectURL != srv.URL+"/new" || f.RedirectCount != 5 {
			t.Errorf("config feed after 5 moved answers: %d items, redirect %q × %d", f.ItemCount, f.RedirectURL, f.RedirectCount)
		}
		if _, err := st.FeedByURL(context.Background(), srv.URL+"/new"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a second feed appeared at the new URL (err %v)", err)
		}
	})
}

func TestBackoff(t *testing.T) {
	const m = time.Minute
	cases := []struct {
		base, ceiling time.Duration
		n             int
		jitter        float64
		want          time.Duration
	}{
		{30 * m, 24 * time.Hour, 1, 0, 30 * m},
		{30 * m, 24 * time.Hour, 2, 0, 60 * m},
		{30 * m, 24 * time.Hour, 3, 0, 120 * m},
		{30 * m, 24 * time.Hour, 6, 0, 16 * time.Hour},
		{30 * m, 24 * time.Hour, 7, 0, 24 * time.Hour}, // 32h capped
		{30 * m, 24 * time.Hour, 1000, 0, 24 * time.Hour},
		{30 * m, 24 * time.Hour, math.MaxInt, 0, 24 * time.Hour}, // no overflow, no long loop
		{30 * m, 24 * time.Hour, 0, 0, 30 * m},                   // defensive: no failure yet
		{48 * time.Hour, 24 * time.Hour, 1, 0, 24 * time.Hour},   // base above the ceiling
		{30 * m, 24 * time.Hour, 1, 0.5, 27 * m},                 // 10% off
		{30 * m, 24 * time.Hour, 7, 0.5, 24 * time.Hour * 9 / 10},
		{100 * m, 24 * time.Hour, 1, 0.999999, 80*m + 1200*time.Microsecond},
	}
	for _, tc := range cases {
		if got := Backoff(tc.base, tc.ceiling, tc.n, tc.jitter); got != tc.want {
			t.Errorf("Backoff(%s, %s, %d, %v) = %s, want %s", tc.base, tc.ceiling, tc.n, tc.jitter, got, tc.want)
		}
	}
	// Jitter only ever shortens, by at most a fifth.
	for n := 1; n <= 12; n++ {
		full := Backoff(30*m, 24*time.Hour, n, 0)
		for _, j := range []float64{0.1, 0.25, 0.5, 0.75, 0.9, 0.999} {
			got := Backoff(30*m, 24*time.Hour, n, j)
			if got > full || got < full*8/10 {
				t.Errorf("Backoff(n=%d, jitter=%v) = %s, outside [%s, %s]", n, j, got, full*8/10, full)
			}
		}
	}
}

// TestMissingDates: an item without any date is stored with the fetch time
// and flagged, so digests can say so; dated items keep their dates.
func TestMissingDates(t *testing.T) {
	body, err := os.ReadFile("testdata/nodate.rss")
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
	st := mustOpenStore(t)
	c := newClock()
	p := newPoller(st, nil, testOptions(c))
	if r := p.PollFeed(context.Background(), addFeed(t, st, srv.URL)); r.Outcome != OutcomeOK || r.New != 3 {
		t.Fatalf("poll: %+v", r)
	}
	items, err := st.RecentItems(context.Background(), time.Time{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		published time.Time
		missing   bool
	}{
		"No date at all":         {t0, true},
		"A date nobody can read": {t0, true},
		"Dated":                  {time.Date(2026, 11, 20, 8, 30, 0, 0, time.UTC), false},
	}
	if len(items) != len(want) {
		t.Fatalf("%d items stored, want %d", len(items), len(want))
	}
	for _, it := range items {
		w, ok := want[it.Title]
		if !ok {
			t.Errorf("unexpected item %q", it.Title)
			continue
		}
		if !it.Published.Equal(w.published) || it.DateMissing != w.missing || !it.FetchedAt.Equal(t0) {
			t.Errorf("%q: published %s, date missing %v, fetched %s; want %s, %v, %s", it.Title, it.Published, it.DateMissing, it.FetchedAt, w.published, w.missing, t0)
		}
	}
}

// TestMatches: matches are stored for the items that matched a topic and
// for no other; an item seen before is not matched again, and reloaded
// rules apply from the next feed on.
func TestMatches(t *testing.T) {
	var body atomic.Value
	body.Store(rssDoc("",
		item{"1", "Kremlin answers Washington on arms control", ""},
		item{"2", "Oil prices fall for a third day", ""},
		item{"3", "Local football results", ""},
		item{"4", "Moscow weather: snow expected", ""}, // one side only
	))
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, body.Load()) }))
	st := mustOpenStore(t)
	var rules atomic.Pointer[topic.Set]
	rules.Store(mustTopics(t, ""))
	p := New(st, fetch.New(fetch.Options{AllowNets: loopback}), func() Matcher { return rules.Load() }, testOptions(newClock()))
	f := addFeed(t, st, srv.URL)
	ctx := context.Background()

	r := p.PollFeed(ctx, f)
	if r.Outcome != OutcomeOK || r.New != 4 || r.Matches != 2 {
		t.Fatalf("first poll: outcome %s, new %d, matches %d; want ok, 4, 2 (err %v)", r.Outcome, r.New, r.Matches, r.Err)
	}
	matched := func(topicID string) []string {
		t.Helper()
		ms, err := st.MatchedItems(ctx, topicID, 0, math.MaxInt64)
		if err != nil {
			t.Fatal(err)
		}
		var titles []string
		for _, m := range ms {
			if len(m.Match.Terms) == 0 || m.Match.Score <= 0 {
				t.Errorf("%s: match of %q has terms %v, score %v", topicID, m.Item.Title, m.Match.Terms, m.Match.Score)
			}
			titles = append(titles, m.Item.Title)
		}
		return titles
	}
	if got := matched("us-russia"); len(got) != 1 || got[0] != "Kremlin answers Washington on arms control" {
		t.Errorf("us-russia matches %q", got)
	}
	if got := matched("energy"); len(got) != 1 || got[0] != "Oil prices fall for a third day" {
		t.Errorf("energy matches %q", got)
	}

	// New rules, and a new item: only the new item is matched, against
	// the new rules; the old items keep their matches.
	rules.Store(mustTopics(t, `topics:
  - id: sport
    name: Sport
    rules:
      any: [football, hockey]
`))
	body.Store(rssDoc("",
		item{"1", "Kremlin answers Washington on arms control", ""},
		item{"2", "Oil prices fall for a third day", ""},
		item{"3", "Local football results", ""},
		item{"4", "Moscow weather: snow expected", ""},
		item{"5", "Hockey: late goal decides the derby", ""},
	))
	r = p.PollFeed(ctx, feedByURL(t, st, srv.URL))
	if r.Outcome != OutcomeOK || r.New != 1 || r.Seen != 4 || r.Matches != 1 {
		t.Fatalf("second poll: outcome %s, new %d, seen %d, matches %d; want ok, 1, 4, 1", r.Outcome, r.New, r.Seen, r.Matches)
	}
	if got := matched("sport"); len(got) != 1 || got[0] != "Hockey: late goal decides the derby" {
		t.Errorf("sport matches %q (the football item was stored before the rule existed)", got)
	}
	counts, err := st.Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts.Items != 5 || counts.Matches != 3 {
		t.Errorf("stored %d items, %d matches; want 5, 3", counts.Items, counts.Matches)
	}
}

// TestPollDue polls only feeds whose time has come, unless all is set.
func TestPollDue(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, doc1) }))
	st := mustOpenStore(t)
	c := newClock()
	p := newPoller(st, nil, testOptions(c))
	for i := range 3 {
		addFeed(t, st, fmt.Sprintf("%s/%d", srv.URL, i))
	}
	ctx := context.Background()
	if sum, err := p.PollDue(ctx, false, nil); err != nil || sum.Feeds != 3 || sum.New != 6 {
		t.Fatalf("first run: %+v, %v", sum, err)
	}
	c.Add(10 * time.Minute)
	if sum, err := p.PollDue(ctx, false, nil); err != nil || sum.Feeds != 0 {
		t.Errorf("10 minutes later: %+v, %v; want nothing due", sum, err)
	}
	if sum, err := p.PollDue(ctx, true, nil); err != nil || sum.Feeds != 3 {
		t.Errorf("--all: %+v, %v", sum, err)
	}
	c.Add(31 * time.Minute)
	if sum, err := p.PollDue(ctx, false, nil); err != nil || sum.Feeds != 3 {
		t.Errorf("41 minutes later: %+v, %v; want all due", sum, err)
	}
}

// TestCancel: a cancelled run stops handing out feeds and leaves the ones
// it did not poll as they were, instead of recording a failure.
func TestCancel(t *testing.T) {
	started := make(chan struct{}, 10)
	release := make(chan struct{})
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-release
		fmt.Fprint(w, doc1)
	}))
	st := mustOpenStore(t)
	opts := testOptions(newClock())
	opts.Workers, opts.PerHost = 2, 1
	p := newPoller(st, nil, opts)
	var feeds []model.Feed
	for i := range 6 {
		feeds = append(feeds, addFeed(t, st, fmt.Sprintf("%s/%d", srv.URL, i)))
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan Summary)
	go func() { done <- p.PollFeeds(ctx, feeds, nil) }()
	<-started
	cancel()
	close(release)
	sum := <-done
	// The feed in flight finishes; the rest are not polled.
	if sum.OK != 1 {
		t.Errorf("summary %+v; want the one feed in flight to finish", sum)
	}
	all, err := st.Feeds(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	polled := 0
	for _, f := range all {
		if f.ErrorCount != 0 || f.LastError != "" {
			t.Errorf("%s: cancelled run recorded error %q", f.URL, f.LastError)
		}
		if !f.LastPollAt.IsZero() {
			polled++
		}
	}
	if polled != 1 {
		t.Errorf("%d feeds polled, want 1", polled)
	}
}

// countingMatcher passes documents to the real rules and records the titles
// it was asked about.
type countingMatcher struct {
	Matcher
	mu     sync.Mutex
	titles []string
}

func (m *countingMatcher) Match(doc match.Document) []match.Result {
	m.mu.Lock()
	m.titles = append(m.titles, doc.Title)
	m.mu.Unlock()
	return m.Matcher.Match(doc)
}

func (m *countingMatcher) take() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.titles
	m.titles = nil
	return out
}

// TestStoredEntriesSkipped: when a feed changes, the entries it stored
// before are neither normalised nor matched again, whatever identifies
// them (GUID, relative link, or neither), and still count as seen.
func TestStoredEntriesSkipped(t *testing.T) {
	entry := func(guid, link, title string) string {
		var b strings.Builder
		b.WriteString("<item>")
		if guid != "" {
			fmt.Fprintf(&b, `<guid isPermaLink="false">%s</guid>`, guid)
		}
		if link != "" {
			fmt.Fprintf(&b, "<link>%s</link>", link)
		}
		fmt.Fprintf(&b, "<title>%s</title><description>&lt;p&gt;Envoys met in &lt;b&gt;Geneva&lt;/b&gt;.&lt;/p&gt;</description></item>", title)
		return b.String()
	}
	doc := func(entries ...string) string {
		return `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://example.org/</link>` +
			strings.Join(entries, "") + "</channel></rss>"
	}
	old := []string{
		entry("g1", "", "Kremlin answers Washington on arms control"),
		entry("", "/2026/talks.html?utm_source=rss", "Lavrov and Rubio to meet"),
		entry("", "", "Sanctions: Treasury names new Russian entities"),
	}
	var body atomic.Value
	body.Store(doc(old...))
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, body.Load()) }))
	st := mustOpenStore(t)
	m := &countingMatcher{Matcher: mustTopics(t, "")}
	p := New(st, fetch.New(fetch.Options{AllowNets: loopback}), func() Matcher { return m }, testOptions(newClock()))
	ctx := context.Background()

	r := p.PollFeed(ctx, addFeed(t, st, srv.URL))
	if r.Outcome != OutcomeOK || r.New != 3 || len(m.take()) != 3 {
		t.Fatalf("first poll: %s, %d new (err %v)", r.Outcome, r.New, r.Err)
	}
	body.Store(doc(append([]string{entry("g2", "", "Washington and Moscow agree on prisoner swap")}, old...)...))
	r = p.PollFeed(ctx, feedByURL(t, st, srv.URL))
	if got := m.take(); len(got) != 1 || got[0] != "Washington and Moscow agree on prisoner swap" {
		t.Errorf("second poll matched %q, want only the new entry", got)
	}
	if r.Outcome != OutcomeOK || r.New != 1 || r.Seen != 3 || r.Items != 4 || r.Matches != 1 {
		t.Errorf("second poll: %s, items %d, new %d, seen %d, matches %d; want ok, 4, 1, 3, 1 (err %v)",
			r.Outcome, r.Items, r.New, r.Seen, r.Matches, r.Err)
	}
	if c, _ := st.Count(ctx); c.Items != 4 {
		t.Errorf("stored %d items, want 4", c.Items)
	}
}

// TestUndatedItemsMarkedSeen: a changed document's undated entries that
// are stored already are marked seen, which keeps retention from pruning
// them while the feed still lists them.
func TestUndatedItemsMarkedSeen(t *testing.T) {
	var round atomic.Int32
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		items := []item{{"a", "Undated", ""}}
		if round.Load() > 0 {
			items = append(items, item{"b", "Another", ""})
		}
		fmt.Fprint(w, rssDoc("", items...))
	}))
	st := mustOpenStore(t)
	c := newClock()
	p := newPoller(st, nil, testOptions(c))
	f := addFeed(t, st, srv.URL)
	if r := p.PollFeed(context.Background(), f); r.Outcome != OutcomeOK || r.New != 1 {
		t.Fatalf("first poll: %+v", r)
	}
	seenAt := func() string {
		var v string
		if err := st.DB().QueryRow("SELECT seen_at FROM items WHERE key = 'guid:a'").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := seenAt(); v != "" {
		t.Errorf("seen_at after the first poll = %q, want empty (the fetch dates it)", v)
	}
	round.Store(1)
	c.Add(2 * time.Hour)
	if r := p.PollFeed(context.Background(), feedByURL(t, st, srv.URL)); r.Outcome != OutcomeOK || r.New != 1 {
		t.Fatalf("second poll: %+v", r)
	}
	if v := seenAt(); v == "" {
		t.Error("an undated item still listed was not marked seen")
	}
}
