// Package web serves feedwatch's HTTP side: the public subscribe, confirm,
// unsubscribe (including RFC 8058 one-click), preferences and digest
// archive pages, the topics' Atom and JSON feeds, the admin overview and
// topics editor, and the health, readiness and metrics endpoints. Pages are
// server-rendered html/template with a little CSS and work without
// JavaScript.
//
// It reads and writes subscriptions through the store, renders confirmation
// and manage-link mails with render and sends them through the given
// mail.Sender; it never fetches feeds, builds digests or touches the
// scheduler. Links it answers are made by package links, for the mails too.
package web

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/links"
	"github.com/feedwatch/feedwatch/internal/mail"
	"github.com/feedwatch/feedwatch/internal/metrics"
	"github.com/feedwatch/feedwatch/internal/render"
	"github.com/feedwatch/feedwatch/internal/service"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/topic"
)

//go:embed pages/*.html static/* openapi.json
var assets embed.FS

// Body limits. Forms are a few fields; the topics editor posts a whole file.
const (
	maxFormBytes   = 64 << 10
	maxTopicsBytes = 1 << 20
)

// Options is everything the web server needs; cmd/feedwatch fills it from
// the configuration.
type Options struct {
	// DKIM, when set, signs confirmation mails.
	DKIM     *mail.DKIM
	Store    *store.Store
	Topics   func() *topic.Set // current rules (reloads swap them)
	Renderer *render.Renderer
	Sender   mail.Sender // for confirmation mails
	From     string      // sender address
	BaseURL  string      // absolute links in mails, e.g. https://news.example.org
	Secret   []byte      // token HMAC key (also for CSRF)

	// Admin pages are on only when a token or a user and password are set.
	AdminUser, AdminPassword, AdminToken string
	// TopicsFile is the file the admin editor reads and writes. While it
	// does not exist the editor opens on BuiltinTopics and a save creates
	// it (the daemon watches the path and switches to it). Empty disables
	// saving: the editor only previews.
	TopicsFile    string
	BuiltinTopics []byte
	// DataDir is where a topics file belongs when TopicsFile cannot be
	// written: named in the message that says so.
	DataDir string

	PreviewDays   int
	SubscribeRate float64 // sign-ups per minute per client address; <= 0 means 5
	// TrustProxy takes the client address for rate limiting from the last
	// X-Forwarded-For entry, which is right only behind a reverse proxy that
	// sets it; otherwise every client could pick its own address.
	TrustProxy bool

	// Service runs the operations the admin pages and the API offer
	// (feeds, subscribers, outbox, API keys); nil leaves those pages out.
	Service *service.Service

	Version string // the program's version, for GET /api/v1/version

	Ready   func(ctx context.Context) error // readiness from the daemon; nil = only the DB check
	Metrics *metrics.Metrics                // may be nil: /metrics is then 404
	// MetricsToken, when set, is the bearer token /metrics asks for, as
	// Prometheus' scrape configs send it (authorization: credentials).
	MetricsToken string
	Now          func() time.Time
	Logger       *slog.Logger
}

type server struct {
	opts    Options
	log     *slog.Logger
	now     func() time.Time
	base    *url.URL
	pages   map[string]*template.Template
	limiter *limiter
	// lock backs off failed admin sign-ins per address and user name.
	lock *lockout
	// missedLimiter bounds the archive's anonymous missed-item reports
	// per client (readers' links have a daily cap of their own).
	missedLimiter *limiter
	csrf          *csrf
	cop           *http.CrossOriginProtection
	zones         *zoneList

	metricsHandler http.Handler
}

// New checks opts and returns the handler for every route.
func New(opts Options) (http.Handler, error) {
	switch {
	case opts.Store == nil:
		return nil, errors.New("web: no store")
	case opts.Topics == nil:
		return nil, errors.New("web: no topics")
	case opts.Renderer == nil:
		return nil, errors.New("web: no renderer")
	case opts.Sender == nil:
		return nil, errors.New("web: no mail sender")
	case len(opts.Secret) < 16:
		return nil, errors.New("web: secret shorter than 16 bytes")
	case (opts.AdminUser == "") != (opts.AdminPassword == ""):
		// Half a login is a configuration mistake; saying so beats an
		// admin page that silently refuses every sign-in.
		return nil, errors.New("web: admin user and admin password must be set together")
	}
	base, err := url.Parse(strings.TrimRight(opts.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("web: base url %q: want an absolute http(s) URL", opts.BaseURL)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.PreviewDays <= 0 {
		opts.PreviewDays = 7
	}
	if opts.SubscribeRate <= 0 {
		opts.SubscribeRate = 5
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	zones, err := loadZones()
	if err != nil {
		return nil, err
	}
	s := &server{
		opts:          opts,
		log:           opts.Logger.With("component", "web"),
		now:           opts.Now,
		base:          base,
		pages:         pages,
		limiter:       newLimiter(opts.SubscribeRate, opts.Now),
		lock:          newLockout(opts.Now),
		missedLimiter: newLimiter(anonymousMissedRate, opts.Now),
		csrf:          newCSRF(opts.Secret, base.Scheme == "https"),
		zones:         zones,
	}
	s.cop = http.NewCrossOriginProtection()
	if err := s.cop.AddTrustedOrigin(base.Scheme + "://" + base.Host); err != nil {
		s.log.Warn("trusted origin", "error", err)
	}
	s.metricsHandler = s.newMetricsHandler()
	return s.routes(), nil
}

func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "static")
	files := http.StripPrefix("/static/", http.FileServerFS(static))
	mux.HandleFunc("GET /static/{name}", func(w http.ResponseWriter, r *http.Request) {
		// Files only, no folder listing; the site's own 404 page. The
		// files are built in, so a day's caching is safe across restarts
		// of the same version and short enough across upgrades.
		if fi, err := fs.Stat(static, r.PathValue("name")); err != nil || fi.IsDir() {
			s.notFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	})

	mux.HandleFunc("GET /{$}", s.index)
	mux.HandleFunc("POST /subscribe", s.form(maxFormBytes, s.rateLimited(s.subscribe)))
	// GET shows a button and only the POST confirms: mail scanners and
	// link previews fetch every link in a message.
	mux.HandleFunc("GET /confirm", s.confirmPage)
	mux.HandleFunc("POST /confirm", s.form(maxFormBytes, s.confirm))
	mux.HandleFunc("POST /manage-link", s.form(maxFormBytes, s.rateLimited(s.manageLink)))
	mux.HandleFunc("GET "+links.PreferencesPath, s.preferences)
	mux.HandleFunc("POST "+links.PreferencesPath, s.form(maxFormBytes, s.savePreferences))
	mux.HandleFunc("POST "+links.PreferencesPath+"/pause", s.form(maxFormBytes, s.pause))
	mux.HandleFunc("POST "+links.PreferencesPath+"/unsubscribe", s.form(maxFormBytes, s.unsubscribeAll))
	mux.HandleFunc("POST "+links.PreferencesPath+"/erase", s.form(maxFormBytes, s.erase))
	mux.HandleFunc("POST "+links.PreferencesPath+"/feed-links", s.form(maxFormBytes, s.newFeedLinks))
	mux.HandleFunc("GET /topics/{id}/feed.atom", s.topicFeed(links.Atom))
	mux.HandleFunc("GET /topics/{id}/feed.json", s.topicFeed(links.JSON))
	mux.HandleFunc("GET /unsubscribe", s.unsubscribePage)
	// The token in the link is the capability, and mail clients post RFC
	// 8058 one-click requests from their own servers with no cookie, so
	// this is the one POST without a CSRF check.
	mux.HandleFunc("POST /unsubscribe", s.unsubscribe)

	mux.HandleFunc("GET /digests", s.digests)
	mux.HandleFunc("GET /digests/{id}", s.digest)

	// Readers' feedback and the editors' labels (feedback.go, labels.go).
	mux.HandleFunc("GET /feedback", s.feedbackPage)
	mux.HandleFunc("POST /feedback", s.form(maxFormBytes, s.feedbackPost))
	mux.HandleFunc("GET /missed", s.missedPage)
	mux.HandleFunc("POST /missed", s.form(maxFormBytes, s.missedPost))
	mux.HandleFunc("GET /admin/labels", s.admin(s.labelsPage))
	mux.HandleFunc("GET /admin/labels/export", s.admin(s.labelsExport))
	mux.HandleFunc("POST /admin/labels/judge", s.admin(s.form(maxFormBytes, s.labelsJudge)))
	mux.HandleFunc("POST /admin/labels/import", s.admin(s.form(maxTopicsBytes, s.labelsImport)))
	mux.HandleFunc("POST /admin/topics/apply", s.admin(s.form(maxTopicsBytes, s.topicsApply)))

	mux.HandleFunc("GET /admin", s.admin(s.overview))
	mux.HandleFunc("GET /admin/topics", s.admin(s.topicsEditor))
	mux.HandleFunc("GET /admin/search", s.admin(s.search))
	mux.HandleFunc("POST /admin/topics/preview", s.admin(s.form(maxTopicsBytes, s.topicsPreview)))
	mux.HandleFunc("POST /admin/topics", s.admin(s.form(maxTopicsBytes, s.topicsSave)))

	s.manageRoutes(mux)
	s.apiRoutes(mux)

	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.HandleFunc("GET /metrics", s.metrics)
	// The catch-alls keep the mux from answering a known path asked with
	// the wrong method itself: 405 and what is allowed, as it would, on the
	// site's own page. Under /admin that answer comes only after signing in.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { s.noRoute(mux, w, r) })
	mux.HandleFunc("/admin", s.admin(func(w http.ResponseWriter, r *http.Request) { s.noRoute(mux, w, r) }))
	mux.HandleFunc("/admin/", s.admin(func(w http.ResponseWriter, r *http.Request) { s.noRoute(mux, w, r) }))

	return s.headers(mux)
}

// noRoute answers a request no route takes: 405 with Allow when the path
// is known under another method, else 404.
func (s *server) noRoute(mux *http.ServeMux, w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "/" && pattern != "/admin/" && pattern != "/admin" {
			allow = append(allow, m)
			if m == http.MethodGet {
				allow = append(allow, http.MethodHead)
			}
		}
	}
	if len(allow) == 0 {
		s.notFound(w, r)
		return
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	s.render(w, r, http.StatusMethodNotAllowed, "error", page{Title: "Method not allowed", Data: "This address does not take that kind of request."})
}

// headers sets the security headers every response carries; handlers that
// serve other content (the digest archive) tighten them further.
func (s *server) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		// Confirm and unsubscribe URLs carry tokens: never pass them on.
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// form refuses cross-origin posts (403), limits the body, parses it (413
// when too large) and checks the CSRF token (403), in that order, before h
// runs.
func (s *server) form(limit int64, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		// Browsers' Sec-Fetch-Site and Origin headers stop cross-site
		// form posts; the double-submit token is the second line for
		// clients that send neither. Both run inside the admin guard, so
		// an admin path says nothing before the client signs in.
		if err := s.cop.Check(r); err != nil {
			s.fail(w, r, http.StatusForbidden, "This form was sent from another site. Go back, reload the page and try again.", fmt.Errorf("cross-origin request refused: %w", err))
			return
		}
		if !s.parseForm(w, r, limit) {
			return
		}
		if !adminByBearer(r) && !s.csrf.valid(r) {
			s.fail(w, r, http.StatusForbidden, "This form has expired. Go back, reload the page and try again.", errors.New("csrf token missing or wrong"))
			return
		}
		h(w, r)
	}
}

// parseForm reads a form of at most limit bytes; when it cannot, it
// answers 413 (too large) or 400 and returns false.
func (s *server) parseForm(w http.ResponseWriter, r *http.Request, limit int64) bool {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	err := r.ParseForm()
	var tooBig *http.MaxBytesError
	switch {
	case err == nil:
		return true
	case errors.As(err, &tooBig):
		s.fail(w, r, http.StatusRequestEntityTooLarge, "What you sent is too large.", err)
	default:
		s.fail(w, r, http.StatusBadRequest, "The form could not be read.", err)
	}
	return false
}

// page is the data every page template gets.
type page struct {
	Title string
	CSRF  string
	Admin bool
	// Alternates are the feeds a page points to (<link rel="alternate">),
	// for readers and browsers that discover feeds.
	Alternates []alternate
	Data       any
}

type alternate struct {
	Type, Title, Href string
}

func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"date": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.UTC().Format("2006-01-02 15:04 UTC")
		},
		"day":  func(t time.Time) string { return t.UTC().Format("2006-01-02") },
		"list": func(v ...string) []string { return v },
		// delta and neg are for figures that moved: "▲ 0.050".
		"delta": func(before, after float64) float64 { return after - before },
		"neg":   func(v float64) float64 { return -v },
	}
	names, err := fs.Glob(assets, "pages/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: list pages: %w", err)
	}
	out := map[string]*template.Template{}
	for _, name := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(name, "pages/"), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(assets, "pages/layout.html", name)
		if err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", name, err)
		}
		out[base] = t
	}
	return out, nil
}

// formPages are the pages with a form that posts a CSRF token.
var formPages = map[string]bool{"index": true, "topics": true, "confirm": true, "preferences": true, "erase": true, "newlink": true}

// render writes a page.
func (s *server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t, ok := s.pages[name]
	if !ok {
		s.log.Error("unknown page", "page", name, "path", r.URL.Path)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	// Only pages with a form get (and so set) the CSRF cookie.
	if p.CSRF == "" && (formPages[name] || strings.HasPrefix(name, "manage_")) {
		p.CSRF = s.csrf.token(w, r)
	}
	s.execute(w, r, status, t, name, "layout", p)
}

// execute writes template block of page name with data, rendered into a
// buffer first so that a template error becomes a clean 500 rather than
// half a page.
func (s *server) execute(w http.ResponseWriter, r *http.Request, status int, t *template.Template, name, block string, data any) {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, block, data); err != nil {
		s.log.Error("render page", "page", name, "block", block, "path", r.URL.Path, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail logs err for the operator and shows the user msg alone.
func (s *server) fail(w http.ResponseWriter, r *http.Request, status int, msg string, err error) {
	level := slog.LevelWarn
	if status >= 500 {
		level = slog.LevelError
	}
	s.log.Log(r.Context(), level, "request failed", "path", r.URL.Path, "method", r.Method, "status", status, "error", err)
	s.render(w, r, status, "error", page{Title: http.StatusText(status), Data: msg})
}

func (s *server) notFound(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusNotFound, "error", page{Title: "Not found", Data: "There is nothing here."})
}

// link is an absolute URL under BaseURL, for mails.
func (s *server) link(path string, q url.Values) string {
	u := *s.base
	u.Path = strings.TrimRight(u.Path, "/") + path
	u.RawQuery = q.Encode()
	return u.String()
}
