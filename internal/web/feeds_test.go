package web

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/feedwatch/feedwatch/internal/links"
	"github.com/feedwatch/feedwatch/internal/model"
	"github.com/feedwatch/feedwatch/internal/token"
)

// feedTopics has one public topic and one for subscribers only.
const feedTopics = `topics:
  - id: golang
    name: Go language
    description: News about Go.
    public: true
    rules:
      any: [golang]
  - id: rust
    name: Rust & friends
    description: News about <Rust>.
    rules:
      any: [rust]
`

func newFeedEnv(t *testing.T) *env {
	e := newEnv(t, nil)
	e.topics = mustTopics(t, feedTopics)
	return e
}

func (e *env) getWith(path string, header http.Header) response {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	return e.do(&http.Client{}, req)
}

// atomDoc is an Atom document read with every child kept as a list, so
// that a missing or repeated element shows.
type atomDoc struct {
	XMLName xml.Name
	IDs     []string   `xml:"id"`
	Titles  []string   `xml:"title"`
	Updated []string   `xml:"updated"`
	Authors []atomName `xml:"author"`
	Links   []atomHref `xml:"link"`
	Entries []struct {
		IDs        []string   `xml:"id"`
		Titles     []string   `xml:"title"`
		Updated    []string   `xml:"updated"`
		Published  []string   `xml:"published"`
		Authors    []atomName `xml:"author"`
		Links      []atomHref `xml:"link"`
		Summary    []string   `xml:"summary"`
		Content    []string   `xml:"content"`
		Categories []struct {
			Term string `xml:"term,attr"`
		} `xml:"category"`
	} `xml:"entry"`
}

type atomName struct {
	Names []string `xml:"name"`
}

type atomHref struct {
	Rel  string `xml:"rel,attr"`
	Href string `xml:"href,attr"`
}

// checkAtom checks what RFC 4287 requires that Go can check: well-formed
// XML in the Atom namespace; a feed with one id, title and updated, and
// an author of its own or on every entry; entries with one id, title and
// updated each, an alternate link or content, ids unique; every date an
// RFC 3339 date-time.
func checkAtom(t *testing.T, body string) atomDoc {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(body))
	dec.Strict = true
	for {
		if _, err := dec.Token(); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, body)
		}
	}
	var d atomDoc
	if err := xml.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	if d.XMLName.Space != "http://www.w3.org/2005/Atom" || d.XMLName.Local != "feed" {
		t.Errorf("root = %v", d.XMLName)
	}
	date := func(what, v string) {
		if _, err := time.Parse(time.RFC3339, v); err != nil || !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$`).MatchString(v) {
			t.Errorf("%s %q is not an RFC 3339 date-time", what, v)
		}
	}
	if len(d.IDs) != 1 || len(d.Titles) != 1 || len(d.Updated) != 1 {
		t.Errorf("feed has %d ids, %d titles, %d updated; want one each", len(d.IDs), len(d.Titles), len(d.Updated))
	}
	for _, u := range d.Updated {
		date("feed updated", u)
	}
	ids := map[string]bool{}
	for i, en := range d.Entries {
		if len(en.IDs) != 1 || len(en.Titles) != 1 || len(en.Updated) != 1 || len(en.Published) > 1 {
			t.Errorf("entry %d has %d ids, %d titles, %d updated, %d published", i, len(en.IDs), len(en.Titles), len(en.Updated), len(en.Published))
			continue
		}
		if u, err := url.Parse(en.IDs[0]); err != nil || u.Scheme == "" {
			t.Errorf("entry %d id %q is not an IRI", i, en.IDs[0])
		}
		if ids[en.IDs[0]] {
			t.Errorf("entry id %q twice", en.IDs[0])
		}
		ids[en.IDs[0]] = true
		date("entry updated", en.Updated[0])
		for _, p := range en.Published {
			date("entry published", p)
		}
		if len(d.Authors) == 0 && len(en.Authors) == 0 {
			t.Errorf("entry %d has no author and the feed none", i)
		}
		alternate := slices.ContainsFunc(en.Links, func(l atomHref) bool { return l.Rel == "alternate" || l.Rel == "" })
		if !alternate && len(en.Content) == 0 {
			t.Errorf("entry %d has neither an alternate link nor content", i)
		}
	}
	return d
}

type jsonFeedDoc struct {
	Version     string `json:"version"`
	Title       string `json:"title"`
	FeedURL     string `json:"feed_url"`
	HomePageURL string `json:"home_page_url"`
	Items       []struct {
		ID            *string  `json:"id"`
		URL           string   `json:"url"`
		Title         string   `json:"title"`
		ContentHTML   *string  `json:"content_html"`
		ContentText   *string  `json:"content_text"`
		DatePublished string   `json:"date_published"`
		DateModified  string   `json:"date_modified"`
		Tags          []string `json:"tags"`
		Authors       []struct {
			Name string `json:"name"`
		} `json:"authors"`
	} `json:"items"`
}

// checkJSONFeed checks JSON Feed 1.1's required fields: version, title,
// items; each item's id (a string, unique) and content_html or
// content_text; dates in RFC 3339.
func checkJSONFeed(t *testing.T, body string) jsonFeedDoc {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &raw); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if string(raw["items"]) == "null" || raw["items"] == nil {
		t.Error("items is missing or null")
	}
	var d jsonFeedDoc
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	if d.Version != "https://jsonfeed.org/version/1.1" || d.Title == "" {
		t.Errorf("version %q, title %q", d.Version, d.Title)
	}
	ids := map[string]bool{}
	for i, it := range d.Items {
		if it.ID == nil || *it.ID == "" || ids[*it.ID] {
			t.Errorf("item %d id missing or repeated", i)
			continue
		}
		ids[*it.ID] = true
		if it.ContentHTML == nil && it.ContentText == nil {
			t.Errorf("item %d has neither content_html nor content_text", i)
		}
		for _, v := range []string{it.DatePublished, it.DateModified} {
			if _, err := time.Parse(time.RFC3339, v); err != nil {
				t.Errorf("item %d date %q: %v", i, v, err)
			}
		}
	}
	return d
}

func TestPublicTopicFeeds(t *testing.T) {
	e := newFeedEnv(t)
	e.addMatches("golang", 60)
	e.addMatches("rust", 2)

	r := e.get("/topics/golang/feed.atom")
	if r.status != 200 || r.header.Get("Content-Type") != "application/atom+xml; charset=utf-8" {
		t.Fatalf("atom = %d %q", r.status, r.header.Get("Content-Type"))
	}
	d := checkAtom(t, r.body)
	if len(d.Entries) != feedEntries {
		t.Errorf("%d entries, want the newest %d", len(d.Entries), feedEntries)
	}
	f, err := gofeed.NewParser().ParseString(r.body)
	if err != nil {
		t.Fatalf("gofeed: %v", err)
	}
	if f.FeedType != "atom" || f.Title != "Go language" || len(f.Items) != feedEntries {
		t.Fatalf("gofeed read %s %q with %d items", f.FeedType, f.Title, len(f.Items))
	}
	first := f.Items[0]
	if first.Title != "Story 60 about golang" || first.Link != "https://wire.example/golang/60" || first.Author == nil || first.Author.Name != "The Wire" {
		t.Errorf("newest entry = %q %q %+v", first.Title, first.Link, first.Author)
	}
	if !slices.Equal(first.Categories, []string{"golang", "release"}) {
		t.Errorf("categories = %v, want the terms as readers know them", first.Categories)
	}
	if first.PublishedParsed == nil || !first.PublishedParsed.Equal(e.clock.Now().Add(-time.Minute)) {
		t.Errorf("published = %v", first.PublishedParsed)
	}
	// The summary went through the digests' sanitiser.
	if !strings.Contains(first.Description, "Summary 60") || !strings.Contains(first.Description, "<b>bold</b>") ||
		strings.Contains(first.Description, "<script") || strings.Contains(first.Description, "<img") {
		t.Errorf("summary = %q", first.Description)
	}
	for _, it := range f.Items {
		if strings.Contains(it.Title, "rust") {
			t.Errorf("another topic's entry: %q", it.Title)
		}
	}

	// 304 for a reader that has it, by ETag or by date.
	etag, lastMod := r.header.Get("ETag"), r.header.Get("Last-Modified")
	if etag == "" || lastMod == "" || r.header.Get("Cache-Control") != "public, max-age=300" {
		t.Fatalf("headers: %v", r.header)
	}
	if lm, _ := http.ParseTime(lastMod); !lm.Equal(e.clock.Now().Truncate(time.Second)) {
		t.Errorf("Last-Modified %s, want the newest match's time", lastMod)
	}
	if r := e.getWith("/topics/golang/feed.atom", http.Header{"If-None-Match": {etag}}); r.status != http.StatusNotModified || r.body != "" {
		t.Errorf("If-None-Match = %d", r.status)
	}
	if r := e.getWith("/topics/golang/feed.atom", http.Header{"If-Modified-Since": {lastMod}}); r.status != http.StatusNotModified {
		t.Errorf("If-Modified-Since = %d", r.status)
	}
	if r := e.getWith("/topics/golang/feed.atom", http.Header{"If-None-Match": {`"stale"`}}); r.status != 200 {
		t.Errorf("stale ETag = %d", r.status)
	}
	// A new match changes both.
	e.clock.Add(time.Minute)
	e.addMatches("golang", 1)
	r2 := e.getWith("/topics/golang/feed.atom", http.Header{"If-None-Match": {etag}, "If-Modified-Since": {lastMod}})
	if r2.status != 200 || r2.header.Get("ETag") == etag {
		t.Errorf("after a new match = %d, ETag %s", r2.status, r2.header.Get("ETag"))
	}

	j := e.get("/topics/golang/feed.json")
	if j.status != 200 || j.header.Get("Content-Type") != "application/feed+json; charset=utf-8" || j.header.Get("ETag") == "" {
		t.Fatalf("json = %d %v", j.status, j.header)
	}
	jd := checkJSONFeed(t, j.body)
	if len(jd.Items) != feedEntries || jd.FeedURL != e.srv.URL+"/topics/golang/feed.json" || jd.HomePageURL != e.srv.URL+"/" {
		t.Errorf("json feed: %d items, feed_url %q, home %q", len(jd.Items), jd.FeedURL, jd.HomePageURL)
	}
	jf, err := gofeed.NewParser().ParseString(j.body)
	if err != nil {
		t.Fatalf("gofeed json: %v", err)
	}
	// The newest entry is the one just added.
	if jf.FeedType != "json" || jf.Items[0].Link != "https://wire.example/golang/1" || !slices.Equal(jf.Items[0].Categories, []string{"golang", "release"}) {
		t.Errorf("gofeed json: %s, first %q %v", jf.FeedType, jf.Items[0].Link, jf.Items[0].Categories)
	}
	if r := e.getWith("/topics/golang/feed.json", http.Header{"If-None-Match": {j.header.Get("ETag")}}); r.status != http.StatusNotModified {
		t.Errorf("json If-None-Match = %d", r.status)
	}

	// HEAD answers as GET without the body.
	req, _ := http.NewRequest(http.MethodHead, e.srv.URL+"/topics/golang/feed.atom", nil)
	if r := e.do(&http.Client{}, req); r.status != 200 || r.body != "" {
		t.Errorf("HEAD = %d", r.status)
	}
	for _, p := range []string{"/topics/nope/feed.atom", "/topics/golang/feed.rss", "/topics/golang/feed.atom/x", "/topics/golang/feed.xml"} {
		if r := e.get(p); r.status != 404 {
			t.Errorf("%s = %d", p, r.status)
		}
	}
}

// TestFeedOfTopicWithoutMatches: still valid documents.
func TestFeedOfTopicWithoutMatches(t *testing.T) {
	e := newFeedEnv(t)
	r := e.get("/topics/golang/feed.atom")
	if r.status != 200 {
		t.Fatalf("atom = %d", r.status)
	}
	checkAtom(t, r.body)
	if _, err := gofeed.NewParser().ParseString(r.body); err != nil {
		t.Errorf("gofeed: %v", err)
	}
	j := e.get("/topics/golang/feed.json")
	if d := checkJSONFeed(t, j.body); len(d.Items) != 0 {
		t.Errorf("items = %d", len(d.Items))
	}
}

// TestPrivateTopicFeeds: a topic not marked public has a feed per
// subscriber, through the link on their preferences page, and only while
// it is theirs.
func TestPrivateTopicFeeds(t *testing.T) {
	e := newFeedEnv(t)
	ctx := context.Background()
	e.addMatches("rust", 3)
	e.subscribe(reader, model.Subscription{TopicID: "rust"}, model.Subscription{TopicID: "golang"})
	e.subscribe("other@example.org", model.Subscription{TopicID: "rust"})

	r := e.get("/topics/rust/feed.atom")
	if r.status != http.StatusForbidden || !strings.Contains(r.body, "preferences page") {
		t.Errorf("without a token = %d\n%s", r.status, r.body)
	}
	page := e.get(e.manageLink(reader))
	atomRE := regexp.MustCompile(`href="(http[^"]+/topics/rust/feed\.atom\?token=[^"]+)"`)
	m := atomRE.FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("no private feed link on the page:\n%s", page.body)
	}
	link := strings.TrimPrefix(html.UnescapeString(m[1]), e.srv.URL)
	// The public topic's links carry no token.
	if !strings.Contains(page.body, `href="`+e.srv.URL+`/topics/golang/feed.atom"`) {
		t.Error("the public topic's feed link is not the plain one")
	}
	r = e.get(link)
	if r.status != 200 || r.header.Get("Cache-Control") != "private, max-age=300" || r.header.Get("X-Robots-Tag") != "noindex" {
		t.Fatalf("private feed = %d %v", r.status, r.header)
	}
	d := checkAtom(t, r.body)
	if len(d.Entries) != 3 || len(d.Titles) != 1 || d.Titles[0] != "Rust & friends" {
		t.Errorf("private feed: %d entries, title %v", len(d.Entries), d.Titles)
	}
	if f, err := gofeed.NewParser().ParseString(r.body); err != nil || f.Title != "Rust & friends" || f.Description != "News about <Rust>." {
		t.Errorf("gofeed: %v %+v", err, f)
	}
	jsonLink := strings.Replace(link, "feed.atom", "feed.json", 1)
	if r := e.get(jsonLink); r.status != 200 {
		t.Errorf("private json feed = %d", r.status)
	} else {
		checkJSONFeed(t, r.body)
	}

	// Tokens that are not this subscriber's current link for this topic.
	key := func(email string) string {
		k, err := e.store.EnsureFeedKey(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	sign := func(c token.Claims) string {
		c.Expires = links.FeedExpiry
		return "/topics/rust/feed.atom?token=" + url.QueryEscape(token.Sign(e.secret, c))
	}
	for name, p := range map[string]string{
		"other topic's token": "/topics/rust/feed.atom?token=" + url.QueryEscape(token.Sign(e.secret, token.Claims{Purpose: token.Feed, Email: reader, Topic: "golang", Key: key(reader), Expires: links.FeedExpiry})),
		"manage token":        sign(token.Claims{Purpose: token.Manage, Email: reader, Topic: "rust", Key: key(reader)}),
		"wrong key":           sign(token.Claims{Purpose: token.Feed, Email: reader, Topic: "rust", Key: "0123456789abcdef01234567"}),
		"no key":              sign(token.Claims{Purpose: token.Feed, Email: reader, Topic: "rust"}),
		"other secret":        "/topics/rust/feed.atom?token=" + url.QueryEscape(token.Sign([]byte("another secret of enough length"), token.Claims{Purpose: token.Feed, Email: reader, Topic: "rust", Key: key(reader), Expires: links.FeedExpiry})),
		"garbage":             "/topics/rust/feed.atom?token=xyz",
		"unknown address":     sign(token.Claims{Purpose: token.Feed, Email: "nobody@example.org", Topic: "rust", Key: key(reader)}),
	} {
		if r := e.get(p); r.status != http.StatusForbidden || strings.Contains(r.body, "<feed") {
			t.Errorf("%s = %d", name, r.status)
		}
	}
	// Another subscriber's own link works for them.
	if r := e.get(sign(token.Claims{Purpose: token.Feed, Email: "other@example.org", Topic: "rust", Key: key("other@example.org")})); r.status != 200 {
		t.Errorf("other subscriber's link = %d", r.status)
	}

	// New links from the page: the old one stops at once.
	form := formValues(t, page.body, "/preferences/feed-links")
	if r := e.post("/preferences/feed-links", form, nil); r.status != http.StatusSeeOther || !strings.Contains(r.header.Get("Location"), "done=feeds") {
		t.Fatalf("new feed links = %d", r.status)
	}
	if r := e.get(link); r.status != http.StatusForbidden || !strings.Contains(r.body, "no longer works") {
		t.Errorf("old link after new ones = %d\n%s", r.status, r.body)
	}
	page = e.get(e.manageLink(reader))
	m = atomRE.FindStringSubmatch(page.body)
	if m == nil || strings.TrimPrefix(html.UnescapeString(m[1]), e.srv.URL) == link {
		t.Fatal("the page does not show a new link")
	}
	link = strings.TrimPrefix(html.UnescapeString(m[1]), e.srv.URL)
	if r := e.get(link); r.status != 200 {
		t.Errorf("new link = %d", r.status)
	}
	// Unsubscribed: the link stops; subscribed again, it works again.
	if _, err := e.store.Unsubscribe(ctx, reader, "rust"); err != nil {
		t.Fatal(err)
	}
	if r := e.get(link); r.status != http.StatusForbidden {
		t.Errorf("link after unsubscribing = %d", r.status)
	}
	e.subscribe(reader, model.Subscription{TopicID: "rust"})
	if r := e.get(link); r.status != 200 {
		t.Errorf("link after subscribing again = %d", r.status)
	}
}

// TestFeedAlternates: the start page and the archive point feed readers at
// the public topics' feeds, and only those.
func TestFeedAlternates(t *testing.T) {
	e := newFeedEnv(t)
	for _, p := range []string{"/", "/digests"} {
		r := e.get(p)
		r.body = html.UnescapeString(r.body)
		for _, want := range []string{
			`<link rel="alternate" type="application/atom+xml" title="Go language (Atom)" href="/topics/golang/feed.atom">`,
			`<link rel="alternate" type="application/feed+json" title="Go language (JSON Feed)" href="/topics/golang/feed.json">`,
		} {
			if !strings.Contains(r.body, want) {
				t.Errorf("%s lacks %s", p, want)
			}
		}
		if strings.Contains(r.body, "/topics/rust/feed") {
			t.Errorf("%s points to the private topic's feed", p)
		}
	}
}

func TestFeedTerms(t *testing.T) {
	got := feedTerms([]string{"=US", "sanction*", "Sanction", "us", "", "*", "Kremlin", "a", "b", "c", "d", "e", "f", "g"})
	want := []string{"US", "sanction", "Kremlin", "a", "b", "c", "d", "e"}
	if !slices.Equal(got, want) {
		t.Errorf("feedTerms = %v, want %v", got, want)
	}
}
