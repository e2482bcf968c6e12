// Package demo serves a bundled set of realistic sample feeds (English and
// Russian, relevant and irrelevant to the shipped topic, RSS and Atom, one in
// windows-1251) on a loopback port, so that the whole pipeline can be seen
// working offline. Publication times are relative to the moment of serving.
package demo

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"strings"
	"text/template"
	"time"

	"golang.org/x/text/encoding/charmap"
)

//go:embed feeds/*.tmpl
var feedFS embed.FS

// Feed is one served sample feed.
type Feed struct {
	Path  string // URL path on the server
	Title string
}

// Feeds lists the sample feeds in a stable order.
var Feeds = []Feed{
	{Path: "/feeds/wire-world.rss", Title: "Example Wire – World"},
	{Path: "/feeds/diplomatic-review.atom", Title: "Example Diplomatic Review"},
	{Path: "/feeds/primer-novosti.rss", Title: "Пример Новости – В мире"},
}

// Server serves the sample feeds.
type Server struct {
	URL  string // base URL, e.g. http://127.0.0.1:34567
	srv  *http.Server
	ln   net.Listener
	now  func() time.Time
	tmpl *template.Template
}

// Start listens on a free loopback port and serves the feeds.
func Start(now func() time.Time) (*Server, error) {
	if now == nil {
		now = time.Now
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo server: %w", err)
	}
	s := &Server{URL: "http://" + ln.Addr().String(), ln: ln, now: now}
	funcs := template.FuncMap{"ago": s.ago}
	s.tmpl, err = template.New("").Funcs(funcs).ParseFS(feedFS, "feeds/*.tmpl")
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("demo feeds: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /feeds/{name}", s.serveFeed)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// ago formats now-d as an RSS (RFC 1123Z) or Atom (RFC 3339) date.
func (s *Server) ago(d, format string) (string, error) {
	dur, err := time.ParseDuration(d)
	if err != nil {
		return "", err
	}
	t := s.now().Add(-dur).UTC().Truncate(time.Minute)
	if format == "atom" {
		return t.Format(time.RFC3339), nil
	}
	return t.Format(time.RFC1123Z), nil
}

func (s *Server) serveFeed(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if _, err := fs.Stat(feedFS, "feeds/"+name+".tmpl"); err != nil {
		http.NotFound(w, r)
		return
	}
	var buf bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&buf, name+".tmpl", map[string]string{"Base": s.URL}); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	body := buf.Bytes()
	contentType := "application/rss+xml; charset=utf-8"
	switch {
	case strings.HasSuffix(name, ".atom"):
		contentType = "application/atom+xml; charset=utf-8"
	case bytes.Contains(body[:min(len(body), 100)], []byte("windows-1251")):
		enc, err := charmap.Windows1251.NewEncoder().Bytes(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		body, contentType = enc, "application/rss+xml; charset=windows-1251"
	}
	w.Header().Set("Content-Type", contentType)
	w.Write(body)
}
