package normalize

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/feedwatch/feedwatch/internal/parse"
)

// FuzzNormalize runs any document through parse and normalize, as ingest
// does, and checks what would reach the store: bounded fields, one line of
// valid text per title, a key and a plausible date for every item.
func FuzzNormalize(f *testing.F) {
	f.Add([]byte(`<rss version="2.0"><channel><title>x</title><item><title>a &amp; b</title><link>/rel</link><pubDate>Mon, 02 Nov 2026 10:00:00 GMT</pubDate></item></channel></rss>`), "")
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://b.example/d/"><entry><id>1</id><title type="html">&lt;b&gt;x&lt;/b&gt;</title><link href="../y?utm_source=z"/><updated>9999-12-31T23:59:59Z</updated></entry></feed>`), "application/atom+xml")
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","title":"t\r\nBcc: x","url":"javascript:alert(1)","date_published":"0001-01-01T00:00:00Z"}]}`), "application/feed+json")
	f.Add([]byte("<?xml version=\"1.0\" encoding=\"windows-1251\"?><rss><channel><item><title>\xcc\xee\xf1\xea\xe2\xe0</title></item></channel></rss>"), "text/xml; charset=utf-8")
	fetched := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		doc, err := parse.Parse(body, contentType, "http://fuzz.example/feed")
		if err != nil {
			return
		}
		items := Items(doc, "http://fuzz.example/feed", fetched)
		if len(items) > MaxItems || len(items) > len(doc.Entries) {
			t.Fatalf("%d items from %d entries", len(items), len(doc.Entries))
		}
		for _, it := range items {
			if it.Key == "" {
				t.Fatalf("item without a key: %+v", it)
			}
			if n := utf8.RuneCountInString(it.Title); n > MaxTitleRunes+1 {
				t.Fatalf("title of %d runes", n)
			}
			if len(it.Summary) > MaxBodyBytes || len(it.Content) > MaxBodyBytes || len(it.GUID) > MaxGUIDBytes || len(it.Link) > MaxLinkBytes {
				t.Fatalf("oversized field: summary %d content %d guid %d link %d", len(it.Summary), len(it.Content), len(it.GUID), len(it.Link))
			}
			if strings.ContainsAny(it.Title, "\r\n\t") || strings.ContainsAny(it.Author, "\r\n") {
				t.Fatalf("title or author spans lines: %q / %q", it.Title, it.Author)
			}
			if utf8.ValidString(string(body)) && (!utf8.ValidString(it.Title) || !utf8.ValidString(it.SummaryText)) {
				t.Fatalf("invalid UTF-8 made from valid input: %q", it.Title)
			}
			if it.Published.IsZero() || it.Published.After(fetched.Add(MaxFutureSkew)) || it.Published.Location() != time.UTC {
				t.Fatalf("published %v (fetched %v)", it.Published, fetched)
			}
			if it.DateMissing && !it.Published.Equal(fetched) {
				t.Fatalf("date missing but published %v", it.Published)
			}
		}
	})
}
