package normalize

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/feedwatch/feedwatch/internal/parse"
)

func TestCanonicalLink(t *testing.T) {
	for in, want := range map[string]string{
		"HTTPS://Example.COM:443/a/B?utm_source=x&id=3&utm_medium=y#frag": "https://example.com/a/B?id=3",
		"http://example.com:80":                                           "http://example.com/",
		"http://example.com:8080/x":                                       "http://example.com:8080/x",
		"https://e.com/p?b=2&fbclid=abc&a=1":                              "https://e.com/p?b=2&a=1",
		"https://e.com/p?gclid=1&dclid=2&msclkid=3&mc_cid=4&mc_eid=5":     "https://e.com/p",
		"https://e.com/p?yclid=1&_hsenc=2&_hsmi=3&igshid=4&ref_src=5&q=a": "https://e.com/p?q=a",
		"https://e.com/p?UTM_Campaign=x&q=a%20b":                          "https://e.com/p?q=a%20b",
		"https://e.com/p?":                                                "https://e.com/p",
		"https://[::1]:443/x":                                             "https://[::1]/x",
		"  https://e.com/x  ":                                             "https://e.com/x",
		"mailto:a@b.example":                                              "mailto:a@b.example",
		"/relative":                                                       "/relative",
		"":                                                                "",
	} {
		if got := CanonicalLink(in); got != want {
			t.Errorf("CanonicalLink(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestText(t *testing.T) {
	for in, want := range map[string]string{
		"plain  title\n": "plain title",
		"AT&amp;T &lt;rocks&gt; &#8230; &eacute;": "AT&T <rocks> … é",
		"<p>One</p><p>Two</p>":                    "One Two",
		"a<b>b</b>c":                              "abc",
		"x<br>y":                                  "x y",
		"<script>alert(1)</script>safe":           "safe",
		"<style>p{}</style><div>t</div>":          "t",
		"<![CDATA[x]]>":                           "",
		"unclosed <b>bold":                        "unclosed bold",
		"<object>safe description</object>":       "safe description",
		"Tom &amp; Jerry":                         "Tom & Jerry",
		"":                                        "",
	} {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestItems(t *testing.T) {
	fetched := time.Date(2026, 3, 1, 12, 0, 0, 0, time.FixedZone("X", 3600))
	pub := time.Date(2026, 2, 1, 8, 0, 0, 0, time.UTC)
	upd := time.Date(2026, 2, 2, 8, 0, 0, 0, time.UTC)
	feed := &parse.Feed{Language: "en", Entries: []parse.Entry{
		{GUID: "g1", Link: "post.html?utm_source=rss", Base: "http://base.example/blog/", Title: "<b>Bold</b> &amp; title", Summary: "<p>Hello <i>world</i></p>", Published: pub, Updated: upd},
		{Link: "/two#comments", Title: "Two", Updated: upd},
		{Title: "No link", Summary: "text"},
		{Title: strings.Repeat("é", MaxTitleRunes+10), Summary: strings.Repeat("ü", MaxBodyBytes)},
	}}
	items := Items(feed, "http://feed.example/rss.xml", fetched)
	if len(items) != 4 {
		t.Fatalf("%d items", len(items))
	}

	a := items[0]
	if a.Link != "http://base.example/blog/post.html?utm_source=rss" || a.CanonicalLink != "http://base.example/blog/post.html" {
		t.Errorf("link %q canonical %q", a.Link, a.CanonicalLink)
	}
	if a.Title != "Bold & title" || a.SummaryText != "Hello world" || a.Summary != "<p>Hello <i>world</i></p>" {
		t.Errorf("text: %q %q %q", a.Title, a.SummaryText, a.Summary)
	}
	if a.Key != "guid:g1" || !a.Published.Equal(pub) || !a.Updated.Equal(upd) || a.DateMissing || a.Lang != "en" {
		t.Errorf("%+v", a)
	}
	if a.FetchedAt.Location() != time.UTC || a.Published.Location() != time.UTC {
		t.Errorf("times not UTC: %v %v", a.FetchedAt, a.Published)
	}
	if a.ID != 0 || a.FeedID != 0 {
		t.Errorf("IDs set: %+v", a)
	}

	b := items[1]
	if b.Link != "http://feed.example/two#comments" || b.Key != "link:http://feed.example/two" || !b.Published.Equal(upd) || b.DateMissing {
		t.Errorf("%+v", b)
	}

	c := items[2]
	if !c.DateMissing || !c.Published.Equal(fetched) || !strings.HasPrefix(c.Key, "hash:") || len(c.Key) != len("hash:")+32 {
		t.Errorf("%+v", c)
	}
	// The hash key is stable across fetches.
	if again := Items(feed, "http://feed.example/rss.xml", fetched.Add(time.Hour)); again[2].Key != c.Key {
		t.Errorf("hash key changed: %q %q", again[2].Key, c.Key)
	}

	d := items[3]
	if n := utf8.RuneCountInString(d.Title); n != MaxTitleRunes+1 || !strings.HasSuffix(d.Title, "…") {
		t.Errorf("title has %d runes", n)
	}
	if len(d.Summary) > MaxBodyBytes || !utf8.ValidString(d.Summary) {
		t.Errorf("summary %d bytes, valid %v", len(d.Summary), utf8.ValidString(d.Summary))
	}
}

func TestItemsNil(t *testing.T) {
	if Items(nil, "http://x/", time.Now()) != nil {
		t.Error("nil feed gave items")
	}
}

// TestItemsExcept leaves out exactly the entries whose keys are known, and
// nothing when the keys do not fit the document.
func TestItemsExcept(t *testing.T) {
	feed := &parse.Feed{Entries: []parse.Entry{{GUID: "a", Title: "A"}, {GUID: "b", Title: "B"}, {Link: "/c", Title: "C"}}}
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	keys := Keys(feed, "https://x.example/feed", at)
	for _, tc := range []struct {
		name        string
		keys        []string
		known       map[string]bool
		wantTitles  string
		wantSkipped int
	}{
		{"none known", keys, map[string]bool{}, "A B C", 0},
		{"two known", keys, map[string]bool{keys[0]: true, keys[2]: true}, "B", 2},
		{"keys of another document", keys[:2], map[string]bool{keys[0]: true}, "A B C", 0},
		{"no keys", nil, nil, "A B C", 0},
	} {
		items, skipped := ItemsExcept(feed, "https://x.example/feed", at, tc.keys, tc.known)
		var titles []string
		for _, it := range items {
			titles = append(titles, it.Title)
		}
		if got := strings.Join(titles, " "); got != tc.wantTitles || skipped != tc.wantSkipped {
			t.Errorf("%s: %q, %d skipped; want %q, %d", tc.name, got, skipped, tc.wantTitles, tc.wantSkipped)
		}
	}
}

// TestKeysTellEntriesApart: entries that a careless feed gives one GUID,
// or links that differ only after '#', get keys of their own, so the
// second is not taken for the first and lost; a feed that does neither
// keeps the keys it always had.
func TestKeysTellEntriesApart(t *testing.T) {
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	const feedURL = "https://x.example/feed"
	for _, tc := range []struct {
		name    string
		entries []parse.Entry
		want    []string
	}{
		{"own GUIDs", []parse.Entry{{GUID: "a", Link: "/1#top"}, {GUID: "b", Link: "/2"}},
			[]string{"guid:a", "guid:b"}},
		{"one GUID on every entry", []parse.Entry{{GUID: feedURL, Link: "/1"}, {GUID: feedURL, Link: "/2"}, {GUID: feedURL}},
			[]string{"link:https://x.example/1", "link:https://x.example/2", "guid:" + feedURL}},
		{"an entry listed twice", []parse.Entry{{GUID: "a", Link: "/1"}, {GUID: "a", Link: "/1"}},
			[]string{"guid:a", "guid:a"}},
		{"links that differ after #", []parse.Entry{{Link: "/changelog#v1.3"}, {Link: "/changelog#v1.2"}, {Link: "/about"}},
			[]string{"link:https://x.example/changelog#v1.3", "link:https://x.example/changelog#v1.2", "link:https://x.example/about"}},
		{"a lone anchor stays out of the key", []parse.Entry{{Link: "/one#comments"}, {Link: "/two"}},
			[]string{"link:https://x.example/one", "link:https://x.example/two"}},
	} {
		feed := &parse.Feed{Entries: tc.entries}
		keys := Keys(feed, feedURL, at)
		items := Items(feed, feedURL, at)
		for i := range tc.want {
			if keys[i] != tc.want[i] || items[i].Key != tc.want[i] {
				t.Errorf("%s: entry %d: Keys %q, Items %q, want %q", tc.name, i, keys[i], items[i].Key, tc.want[i])
			}
		}
	}
}
