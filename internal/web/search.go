package web

import (
	"html"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/store"
)

const searchLimit = 50

type searchHit struct {
	Title, Snippet template.HTML // escaped by store.Highlight, then marked
	Link           string
	FeedTitle      string
	Published      time.Time
}

type searchData struct {
	Query string
	Hits  []searchHit
	Done  bool // a query was run
}

// search is the admin's full-text search over stored items.
func (s *server) search(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > 500 {
		q = strings.ToValidUTF8(q[:500], "") // not in the middle of a character
	}
	d := searchData{Query: q}
	if q != "" {
		hits, err := s.opts.Store.Search(r.Context(), q, searchLimit)
		if err != nil {
			s.fail(w, r, http.StatusInternalServerError, "The search failed; see the log.", err)
			return
		}
		d.Done = true
		for _, h := range hits {
			d.Hits = append(d.Hits, searchHit{
				// Highlight escapes every piece of stored text before it
				// adds the <mark> tags, so the result is safe HTML.
				Title:     template.HTML(store.Highlight(h.Title, "<mark>", "</mark>", html.EscapeString)),
				Snippet:   template.HTML(store.Highlight(h.Snippet, "<mark>", "</mark>", html.EscapeString)),
				Link:      safeLink(h.Link),
				FeedTitle: h.FeedTitle,
				Published: h.Published,
			})
		}
	}
	s.render(w, r, http.StatusOK, "search", page{Title: "Search", Admin: true, Data: d})
}

// safeLink keeps http and https links only.
func safeLink(s string) string {
	if strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://") {
		return s
	}
	return ""
}
