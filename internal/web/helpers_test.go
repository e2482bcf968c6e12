package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	feedwatch "github.com/feedwatch/feedwatch"
	"github.com/feedwatch/feedwatch/internal/deliver"
	"github.com/feedwatch/feedwatch/internal/fetch"
	"github.com/feedwatch/feedwatch/internal/ingest"
	fwmail "github.com/feedwatch/feedwatch/internal/mail"
	"github.com/feedwatch/feedwatch/internal/metrics"
	"github.com/feedwatch/feedwatch/internal/render"
	"github.com/feedwatch/feedwatch/internal/service"
	"github.com/feedwatch/feedwatch/internal/smtptest"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/topic"
)

const testTopics = `topics:
  - id: golang
    name: Go language
    description: News about Go.
    rules:
      any:
        - golang
  - id: rust
    name: Rust
    description: News about Rust.
    rules:
      any:
        - rust
`

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is one web server wired to real parts.
type env struct {
	t       *testing.T
	srv     *httptest.Server
	store   *store.Store
	smtp    *smtptest.Server
	clock   *clock
	opts    Options
	client  *http.Client
	topics  *topic.Set
	secret  []byte
	logs    *bytes.Buffer
	metrics *metrics.Metrics
	svc     *service.Service
}

func mustTopics(t testing.TB, text string) *topic.Set {
	t.Helper()
	set, err := topic.Parse(strings.NewReader(text), "test")
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// newEnv starts a server; edit may change the options before New.
func newEnv(t *testing.T, edit func(*Options)) *env {
	t.Helper()
	return newEnvAllowing(t, nil, edit)
}

// newEnvAllowing starts a server whose feeds added on the web may reach
// the private networks allow (web.allow_private).
func newEnvAllowing(t *testing.T, allow []netip.Prefix, edit func(*Options)) *env {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "feedwatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tmpl, err := fs.Sub(feedwatch.Defaults, "templates")
	if err != nil {
		t.Fatal(err)
	}
	rdr, err := render.New(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	ss := smtptest.Start(t, smtptest.Options{})
	sender := fwmail.NewSMTP(fwmail.SMTPOptions{Host: ss.Host, Port: ss.Port, TLS: fwmail.TLSNone, Timeout: 5 * time.Second, HELO: "web.test"})
	t.Cleanup(func() { sender.Close() })

	clk := &clock{t: time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)}
	st.Now = clk.Now
	set := mustTopics(t, testTopics)
	topicsFile := filepath.Join(t.TempDir(), "topics.yaml")
	if err := os.WriteFile(topicsFile, []byte(testTopics), 0o640); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, store: st, smtp: ss, clock: clk, topics: set, secret: []byte("0123456789abcdef0123456789abcdef"), logs: &bytes.Buffer{}}
	e.metrics = metrics.New(st)

	var h http.Handler
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(e.srv.Close)
	fetcher := fetch.New(fetch.Options{DenyPrivate: true, AllowNets: allow, Timeout: 10 * time.Second, UserAgent: "feedwatch-test"})
	t.Cleanup(fetcher.Close)
	topicsNow := func() *topic.Set { return e.topics }
	poller := ingest.New(st, fetcher, func() ingest.Matcher { return e.topics }, ingest.Options{Workers: 1, Now: clk.Now})
	outbox := deliver.New(st, sender, deliver.Options{From: "feedwatch <news@example.org>"})
	svc, err := service.New(service.Options{Store: st, Fetcher: fetcher, Topics: topicsNow, Now: clk.Now,
		Poll: poller.PollFeed, Send: outbox.Drain})
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	e.opts = Options{
		Service: svc,
		Store:   st, Topics: func() *topic.Set { return e.topics }, Renderer: rdr, Sender: sender,
		From: "feedwatch <news@example.org>", BaseURL: e.srv.URL, Secret: e.secret,
		AdminUser: "admin", AdminPassword: "s3cret", AdminToken: "tok-123",
		TopicsFile: topicsFile, PreviewDays: 7, SubscribeRate: 60,
		Metrics: e.metrics, Now: clk.Now,
		Logger: slog.New(slog.NewTextHandler(&syncWriter{w: e.logs}, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if edit != nil {
		edit(&e.opts)
	}
	h, err = New(e.opts)
	if err != nil {
		t.Fatal(err)
	}
	e.client = e.newClient()
	return e
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// newClient is a browser-like client: a cookie jar and no redirects
// followed, so tests see each response.
func (e *env) newClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

type response struct {
	status int
	header http.Header
	body   string
}

func (e *env) do(c *http.Client, req *http.Request) response {
	e.t.Helper()
	if c == nil {
		c = e.client
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func (e *env) get(path string) response {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
	return e.do(nil, req)
}

func (e *env) adminGet(path string) response {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
	req.SetBasicAuth("admin", "s3cret")
	return e.do(nil, req)
}

func (e *env) post(path string, form url.Values, edit func(*http.Request)) response {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if edit != nil {
		edit(req)
	}
	return e.do(nil, req)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrfFrom loads a page with a form and returns its CSRF token; the
// client's jar now holds the matching cookie.
func (e *env) csrfFrom(path string, admin bool) string {
	e.t.Helper()
	var r response
	if admin {
		r = e.adminGet(path)
	} else {
		r = e.get(path)
	}
	m := csrfRE.FindStringSubmatch(r.body)
	if m == nil {
		e.t.Fatalf("no csrf token on %s (%d): %s", path, r.status, r.body)
	}
	return m[1]
}

// textBody returns the text/plain part of a raw message, decoded.
func textBody(t *testing.T, raw []byte) string {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var find func(h map[string][]string, r io.Reader) string
	find = func(h map[string][]string, r io.Reader) string {
		get := func(k string) string {
			if v := h[k]; len(v) > 0 {
				return v[0]
			}
			return ""
		}
		mt, params, _ := mime.ParseMediaType(get("Content-Type"))
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(r, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err != nil {
					return ""
				}
				if s := find(p.Header, p); s != "" {
					return s
				}
			}
		}
		if mt != "text/plain" && mt != "" {
			return ""
		}
		switch strings.ToLower(get("Content-Transfer-Encoding")) {
		case "quoted-printable":
			r = quotedprintable.NewReader(r)
		case "base64":
			r = base64.NewDecoder(base64.StdEncoding, r)
		}
		b, _ := io.ReadAll(r)
		return string(b)
	}
	return find(msg.Header, msg.Body)
}
