package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/store"
)

const digestsPerPage = 50

// archiveCSP is for digests as stored: their HTML came through render's
// sanitiser, but it is served as-is, so it gets no scripts, no remote
// loads, no forms and a sandbox, with only the inline styles mails need.
const archiveCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"

type digestRow struct {
	model.Digest
	TopicName string
}

type digestsData struct {
	Digests []digestRow
	Next    int64 // id to page on from; 0 on the last page
}

func (s *server) digests(w http.ResponseWriter, r *http.Request) {
	var before int64
	if b := r.URL.Query().Get("before"); b != "" {
		v, err := strconv.ParseInt(b, 10, 64)
		if err != nil || v <= 0 {
			s.notFound(w, r)
			return
		}
		before = v
	}
	// One extra row tells whether there is a next page.
	ds, err := s.opts.Store.DigestsBefore(r.Context(), before, digestsPerPage+1)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "The archive is not available just now.", err)
		return
	}
	var data digestsData
	if len(ds) > digestsPerPage {
		ds = ds[:digestsPerPage]
		data.Next = ds[len(ds)-1].ID
	}
	set := s.opts.Topics()
	for _, d := range ds {
		name := d.TopicID
		if t, ok := set.Topic(d.TopicID); ok {
			name = t.Name
		}
		data.Digests = append(data.Digests, digestRow{Digest: d, TopicName: name})
	}
	s.render(w, r, http.StatusOK, "digests", page{Title: "Digest archive", Alternates: s.publicFeeds(), Data: data})
}

// digest serves one archived digest exactly as stored. Only a plain decimal
// id is accepted; anything else, including encoded path tricks, is 404.
func (s *server) digest(w http.ResponseWriter, r *http.Request) {
	raw := r.PathValue("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != raw {
		s.notFound(w, r)
		return
	}
	d, err := s.opts.Store.Digest(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, r)
		return
	}
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "The archive is not available just now.", err)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", archiveCSP)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write([]byte(withMissedLink(d.HTML, d.TopicID)))
}

func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz is 200 only when the database answers and the daemon says it is
// ready; the reason stays in the log, since the endpoint is public.
func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	err := s.opts.Store.DB().PingContext(ctx)
	if err != nil {
		err = fmt.Errorf("database: %w", err)
	} else if s.opts.Ready != nil {
		err = s.opts.Ready(ctx)
	}
	if err != nil {
		s.log.Warn("not ready", "path", r.URL.Path, "error", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("not ready\n"))
		return
	}
	_, _ = w.Write([]byte("ready\n"))
}

func (s *server) metrics(w http.ResponseWriter, r *http.Request) {
	if s.metricsHandler == nil {
		s.notFound(w, r)
		return
	}
	if t := s.opts.MetricsToken; t != "" {
		scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || !sameSecret(strings.TrimSpace(cred), t) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="feedwatch metrics"`)
			w.Header().Set("Cache-Control", "no-store")
			s.log.Warn("metrics: wrong or missing token", "client", clientIP(r, s.opts.TrustProxy))
			http.Error(w, "metrics need the bearer token (web.metrics_token_env)", http.StatusUnauthorized)
			return
		}
	}
	s.metricsHandler.ServeHTTP(w, r)
}

func (s *server) newMetricsHandler() http.Handler {
	if s.opts.Metrics == nil {
		return nil
	}
	// ContinueOnError: a store query failing at scrape time must not hide
	// every other metric.
	return promhttp.HandlerFor(s.opts.Metrics.Registry, promhttp.HandlerOpts{
		ErrorHandling: promhttp.ContinueOnError,
		ErrorLog:      slogPromLogger{s},
	})
}

type slogPromLogger struct{ s *server }

func (l slogPromLogger) Println(v ...any) { l.s.log.Error("metrics", "error", fmt.Sprint(v...)) }
