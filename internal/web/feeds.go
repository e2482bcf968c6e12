package web

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/feedwatch/feedwatch/internal/links"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/render"
	"github.com/feedwatch/feedwatch/internal/store"
	"github.com/feedwatch/feedwatch/internal/token"
	"github.com/feedwatch/feedwatch/internal/topic"
)

// feedEntries is how many of a topic's newest matches its feeds carry.
const feedEntries = 50

// maxFeedTerms keeps an entry's categories to the terms a reader would
// look at, as the digests' "matched" line does.
const maxFeedTerms = 8

// topicFeed serves a topic's newest matches as an Atom or JSON feed. A
// topic's feeds are public when the topics file says so; otherwise each
// subscriber's link carries a token bound to their feed key, which a new
// key revokes. Feed readers poll, so the answer carries an ETag and
// Last-Modified and a repeat gets 304 (http.ServeContent).
func (s *server) topicFeed(format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		t, ok := s.opts.Topics().Topic(r.PathValue("id"))
		if !ok {
			s.notFound(w, r)
			return
		}
		if !t.Public && !s.feedAllowed(w, r, t) {
			return
		}
		entries, err := s.opts.Store.TopicFeedItems(ctx, t.ID, feedEntries)
		if err != nil {
			s.fail(w, r, http.StatusInternalServerError, "The feed is not available just now.", err)
			return
		}
		f := s.newTopicFeedDoc(t, r, entries)
		var body []byte
		h := w.Header()
		switch format {
		case links.Atom:
			body, err = f.atom()
			h.Set("Content-Type", "application/atom+xml; charset=utf-8")
		default:
			body, err = f.jsonFeed()
			h.Set("Content-Type", "application/feed+json; charset=utf-8")
		}
		if err != nil {
			s.fail(w, r, http.StatusInternalServerError, "The feed is not available just now.", err)
			return
		}
		sum := sha256.Sum256(body)
		h.Set("ETag", `"`+hex.EncodeToString(sum[:16])+`"`)
		if t.Public {
			h.Set("Cache-Control", "public, max-age=300")
		} else {
			// The link is a subscriber's own: no shared cache keeps it,
			// and no search engine lists it.
			h.Set("Cache-Control", "private, max-age=300")
			h.Set("X-Robots-Tag", "noindex")
		}
		http.ServeContent(w, r, "", f.updated, bytes.NewReader(body))
	}
}

// feedAllowed checks the token of a non-public topic's feed link: signed
// for this topic, with the subscriber's current feed key, and the
// subscription active. It answers 403 itself when not.
func (s *server) feedAllowed(w http.ResponseWriter, r *http.Request, t topic.Topic) bool {
	tok := r.URL.Query().Get("token")
	if tok == "" {
		s.fail(w, r, http.StatusForbidden, "This topic's feed is for its subscribers: each finds their own link on their preferences page.",
			fmt.Errorf("feed of %s: no token", t.ID))
		return false
	}
	c, err := token.Verify(s.opts.Secret, tok, token.Feed, s.now())
	if err == nil && c.Topic != t.ID {
		err = fmt.Errorf("token for topic %q", c.Topic)
	}
	if err != nil {
		s.fail(w, r, http.StatusForbidden, "This feed link is not valid. Please copy the whole link from your preferences page.",
			fmt.Errorf("feed of %s: %w", t.ID, err))
		return false
	}
	sub, subs, err := s.opts.Store.Subscriber(r.Context(), c.Email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.fail(w, r, http.StatusInternalServerError, "The feed is not available just now.", err)
		return false
	}
	active := false
	for _, sc := range subs {
		active = active || (sc.TopicID == t.ID && sc.Status == model.SubscriptionActive)
	}
	if err != nil || sub.FeedKey == "" || subtle.ConstantTimeCompare([]byte(sub.FeedKey), []byte(c.Key)) != 1 || !active {
		s.fail(w, r, http.StatusForbidden, "This feed link no longer works: new links were made, or the subscription ended. Your preferences page shows the current ones.",
			fmt.Errorf("feed of %s: key replaced, address erased or subscription not active", t.ID))
		return false
	}
	return true
}

// topicFeedDoc is what both feed formats say.
type topicFeedDoc struct {
	id, title, description string
	self, home             string
	updated                time.Time // newest change: a match or an entry's update; zero without entries
	entries                []feedEntry
}

type feedEntry struct {
	id, title, link, author string
	summary                 string // sanitised HTML
	published, updated      time.Time
	terms                   []string
}

func (s *server) newTopicFeedDoc(t topic.Topic, r *http.Request, items []store.MatchedItem) topicFeedDoc {
	host := s.base.Hostname()
	self := *s.base
	self.Path = strings.TrimRight(self.Path, "/") + r.URL.EscapedPath()
	self.RawQuery = r.URL.RawQuery
	d := topicFeedDoc{
		// Tag URIs (RFC 4151) stay the same when the feed's address
		// changes scheme, port or token.
		id:          "tag:" + host + ",2026:topic:" + t.ID,
		title:       t.Name,
		description: t.Description,
		self:        self.String(),
		home:        s.link("/", nil),
	}
	for _, mi := range items {
		it := mi.Item
		e := feedEntry{
			id:        "tag:" + host + ",2026:item:" + strconv.FormatInt(it.ID, 10),
			title:     it.Title,
			link:      it.CanonicalLink,
			author:    mi.FeedTitle,
			published: it.Published,
			updated:   it.Published,
			terms:     feedTerms(mi.Match.Terms),
		}
		if e.link == "" {
			e.link = it.Link
		}
		if e.title == "" {
			e.title = "(no title)"
		}
		if e.author == "" {
			if u, err := url.Parse(mi.FeedURL); err == nil && u.Host != "" {
				e.author = u.Host
			} else {
				e.author = mi.FeedURL
			}
		}
		if it.Updated.After(e.updated) {
			e.updated = it.Updated
		}
		if e.published.IsZero() {
			e.published, e.updated = mi.Match.MatchedAt, mi.Match.MatchedAt
		}
		summary := it.Summary
		if summary == "" {
			summary = it.Content
		}
		e.summary = render.SanitizeSummary(summary, render.SummaryLimit)
		for _, t := range []time.Time{mi.Match.MatchedAt, e.updated} {
			if t.After(d.updated) {
				d.updated = t
			}
		}
		d.entries = append(d.entries, e)
	}
	return d
}

// feedTerms turns rule spellings into what a reader recognises, as the
// digests show them: without the "=" (exact case) and "*" (prefix) marks,
// once each.
func feedTerms(terms []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range terms {
		t = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(t, "="), "*"))
		if t == "" || seen[strings.ToLower(t)] {
			continue
		}
		seen[strings.ToLower(t)] = true
		out = append(out, t)
		if len(out) == maxFeedTerms {
			break
		}
	}
	return out
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		t = time.Unix(0, 0)
	}
	return t.UTC().Format(time.RFC3339)
}

// Atom 1.0 (RFC 4287).
type atomFeed struct {
	XMLName   xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID        string      `xml:"id"`
	Title     atomText    `xml:"title"`
	Subtitle  *atomText   `xml:"subtitle,omitempty"`
	Updated   string      `xml:"updated"`
	Links     []atomLink  `xml:"link"`
	Author    atomPerson  `xml:"author"`
	Generator string      `xml:"generator"`
	Entries   []atomEntry `xml:"entry"`
}

type atomText struct {
	Type string `xml:"type,attr,omitempty"`
	Body string `xml:",chardata"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

type atomEntry struct {
	ID         string         `xml:"id"`
	Title      atomText       `xml:"title"`
	Updated    string         `xml:"updated"`
	Published  string         `xml:"published"`
	Links      []atomLink     `xml:"link"`
	Author     atomPerson     `xml:"author"`
	Summary    *atomText      `xml:"summary,omitempty"`
	Content    *atomText      `xml:"content,omitempty"`
	Categories []atomCategory `xml:"category"`
}

func (d topicFeedDoc) atom() ([]byte, error) {
	f := atomFeed{
		ID:        d.id,
		Title:     atomText{Type: "text", Body: d.title},
		Updated:   rfc3339(d.updated),
		Links:     []atomLink{{Rel: "self", Type: "application/atom+xml", Href: d.self}, {Rel: "alternate", Type: "text/html", Href: d.home}},
		Author:    atomPerson{Name: "feedwatch"},
		Generator: "feedwatch",
	}
	if d.description != "" {
		f.Subtitle = &atomText{Type: "text", Body: d.description}
	}
	for _, e := range d.entries {
		ae := atomEntry{
			ID:        e.id,
			Title:     atomText{Type: "text", Body: e.title},
			Updated:   rfc3339(e.updated),
			Published: rfc3339(e.published),
			Author:    atomPerson{Name: e.author},
		}
		html := &atomText{Type: "html", Body: e.summary}
		if e.link != "" {
			ae.Links = []atomLink{{Rel: "alternate", Type: "text/html", Href: e.link}}
			if e.summary != "" {
				ae.Summary = html
			}
		} else {
			// An entry without a link must have content (RFC 4287 4.1.2).
			ae.Content = html
		}
		for _, t := range e.terms {
			ae.Categories = append(ae.Categories, atomCategory{Term: t})
		}
		f.Entries = append(f.Entries, ae)
	}
	out, err := xml.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("atom feed %s: %w", d.id, err)
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}

// JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/).
type jsonFeed struct {
	Version     string       `json:"version"`
	Title       string       `json:"title"`
	HomePageURL string       `json:"home_page_url"`
	FeedURL     string       `json:"feed_url"`
	Description string       `json:"description,omitempty"`
	Authors     []jsonAuthor `json:"authors"`
	Items       []jsonItem   `json:"items"`
}

type jsonAuthor struct {
	Name string `json:"name"`
}

type jsonItem struct {
	ID            string       `json:"id"`
	URL           string       `json:"url,omitempty"`
	Title         string       `json:"title"`
	ContentHTML   string       `json:"content_html"` // one of content_html and content_text must be there
	DatePublished string       `json:"date_published"`
	DateModified  string       `json:"date_modified"`
	Authors       []jsonAuthor `json:"authors"`
	Tags          []string     `json:"tags,omitempty"`
}

func (d topicFeedDoc) jsonFeed() ([]byte, error) {
	f := jsonFeed{
		Version:     "https://jsonfeed.org/version/1.1",
		Title:       d.title,
		HomePageURL: d.home,
		FeedURL:     d.self,
		Description: d.description,
		Authors:     []jsonAuthor{{Name: "feedwatch"}},
		Items:       make([]jsonItem, 0, len(d.entries)),
	}
	for _, e := range d.entries {
		f.Items = append(f.Items, jsonItem{
			ID:            e.id,
			URL:           e.link,
			Title:         e.title,
			ContentHTML:   e.summary,
			DatePublished: rfc3339(e.published),
			DateModified:  rfc3339(e.updated),
			Authors:       []jsonAuthor{{Name: e.author}},
			Tags:          e.terms,
		})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("json feed %s: %w", d.id, err)
	}
	return buf.Bytes(), nil
}

// publicFeeds are the alternates of the pages that list topics: the feeds
// of every public topic.
func (s *server) publicFeeds() []alternate {
	var out []alternate
	for _, t := range s.opts.Topics().Topics() {
		if !t.Public {
			continue
		}
		out = append(out,
			alternate{Type: "application/atom+xml", Title: t.Name + " (Atom)", Href: links.TopicFeedPath(t.ID, links.Atom)},
			alternate{Type: "application/feed+json", Title: t.Name + " (JSON Feed)", Href: links.TopicFeedPath(t.ID, links.JSON)})
	}
	return out
}
