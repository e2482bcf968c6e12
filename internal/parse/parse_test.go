package parse

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// realworld reads shared/testdata/realworld/name, found by walking up from
// the package directory, and skips the test when it is absent.
func realworld(t testing.TB, name string) []byte {
	t.Helper()
	b, ok := findRealworld(name)
	if !ok {
		t.Skipf("shared/testdata/realworld/%s not found", name)
	}
	return b
}

func findRealworld(name string) ([]byte, bool) {
	dir, _ := os.Getwd()
	for {
		for _, p := range []string{filepath.Join(dir, "shared", "testdata", "realworld", name), filepath.Join(dir, "..", "shared", "testdata", "realworld", name)} {
			if b, err := os.ReadFile(p); err == nil {
				return b, true
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil, false
		}
		dir = parent
	}
}

type wantEntry struct {
	index     int
	title     string
	link      string
	published string // RFC 3339 UTC, "" for none
}

// TestRealWorld checks titles, links and dates read by eye in real feeds in
// several encodings, each with a correct, wrong or missing declaration.
func TestRealWorld(t *testing.T) {
	for _, tc := range []struct {
		file, contentType    string
		title, format        string
		entries              int
		want                 []wantEntry
		stripDecl            bool // also test the bytes with the declaration removed
		stripDeclContentType string
	}{
		{file: "parser-encoding_WINDOWS-1251.xml", title: "iBash.Org.Ru", format: "rss", entries: 50, stripDecl: true,
			want: []wantEntry{{0, "Цитата #17703", "http://ibash.org.ru/quote.php?id=17703", "2018-03-21T07:27:32Z"}}},
		{file: "encoding-koi8r.xml", title: "Пример RSS ленты", format: "rss", entries: 2, stripDecl: true,
			want: []wantEntry{{0, "Первая новость", "http://example.com/post1", "2026-02-15T10:00:00Z"}, {1, "Вторая новость", "http://example.com/post2", "2026-02-15T11:00:00Z"}}},
		{file: "parser-encoding_ISO-8859-1.xml", title: "Golem.de", format: "rss", entries: 40, stripDecl: true,
			want: []wantEntry{{0, "Red Dead Redemption 2: Hinweise auf PC-Umsetzung in App von Rockstar Games",
				"https://www.golem.de/news/red-dead-redemption-2-hinweise-auf-pc-umsetzung-in-app-von-rockstar-games-1810-137358-rss.html", "2018-10-28T12:48:00Z"}}},
		{file: "parser-no_encoding_ISO-8859-1.xml", title: "Flux RSS du magazine de psychologie Le Cercle Psy", format: "rss", entries: 10,
			want: []wantEntry{{1, "Masters en Psycho\u00a0: une simplificationet#8230; très complexe",
				"https://le-cercle-psy.scienceshumaines.com/masters-en-psycho-une-simplification-tres-complexe_sh_40065", "2018-10-17T10:30:00Z"}}},
		{file: "parser-rdf_UTF8.xml", title: "heise online News", format: "rss", entries: 60,
			want: []wantEntry{{1, "Mega-Deal: IBM übernimmt Red Hat", "https://www.heise.de/newsticker/meldung/Mega-Deal-IBM-uebernimmt-Red-Hat-4205582.html?wt_mc=rss.ho.beitrag.rdf", ""}}},
		{file: "parser-urdu_UTF8.xml", title: "BBC News  اردو - پاکستان کے لیے امریکی امداد کی بہار و خزاں", format: "rss", entries: 26,
			want: []wantEntry{{1, "امریکہ کے ساتھ خفیہ معلومات کا تبادلہ اور فوجی تعاون معطل کر دیا: وزیر دفاع", "http://www.bbc.com/urdu/pakistan-42645212", "2018-01-11T13:20:55Z"}}},
		{file: "parser-small_atom.xml", title: "Recent Commits to v2:main", format: "atom", entries: 20,
			want: []wantEntry{{0, "Parse podcast categories", "https://github.com/miniflux/v2/commit/6d97f8b4582414b6ce69467656824690057d4793", "2024-03-12T05:30:27Z"}}},
		{file: "parser-large_atom.xml", title: "Artificial truth", format: "atom", entries: 25,
			want: []wantEntry{{0, "Using vale with vim", "https://dustri.org/b/using-vale-with-vim.html", "2024-03-10T16:15:00Z"}}},
		{file: "parser-large_rss.xml", title: "Artificial truth", format: "rss", entries: 25,
			want: []wantEntry{{1, "Carrot disclosure", "https://dustri.org/b/carrot-disclosure.html", "2024-03-08T20:30:00Z"}}},
		{file: "encoding-iso-8859-1.xml", title: "Café", format: "rss"},
		{file: "encoding-windows-1252.xml", title: "Euro €", format: "rss"},
		// UTF-8 bytes under a windows-1252, ISO-8859-1 or bogus declaration.
		{file: "encoding-windows-1252-incorrect-prolog.xml", title: "Euro €", format: "rss"},
		{file: "encoding-utf8-incorrect-prolog.xml", title: "테스트 피드", format: "atom", entries: 1, want: []wantEntry{{0, "Café", "", ""}}},
		{file: "encoding-invalid-prolog.xml", title: "테스트 피드", format: "atom", entries: 1, want: []wantEntry{{0, "Café", "", ""}}},
	} {
		body := realworld(t, tc.file)
		check := func(name string, body []byte, contentType string) {
			t.Run(name, func(t *testing.T) {
				f, err := Parse(body, contentType, "http://feed.example/")
				if err != nil {
					t.Fatal(err)
				}
				if f.Title != tc.title || f.Format != tc.format || len(f.Entries) != tc.entries {
					t.Fatalf("got title %q format %q %d entries; want %q %q %d", f.Title, f.Format, len(f.Entries), tc.title, tc.format, tc.entries)
				}
				for _, w := range tc.want {
					e := f.Entries[w.index]
					var pub string
					if !e.Published.IsZero() {
						pub = e.Published.Format(time.RFC3339)
					}
					if strings.TrimSpace(e.Title) != w.title || e.Link != w.link || pub != w.published {
						t.Errorf("entry %d: got %q %q %q; want %q %q %q", w.index, strings.TrimSpace(e.Title), e.Link, pub, w.title, w.link, w.published)
					}
				}
			})
		}
		check(tc.file, body, tc.contentType)
		if tc.stripDecl {
			// Undeclared: the encoding must be guessed from the bytes.
			check(tc.file+"/undeclared", xmlDecl.ReplaceAll(body, []byte(`<?xml version="1.0"?>`)), "")
			check(tc.file+"/declared-utf-8", xmlDecl.ReplaceAll(body, []byte(`${1}UTF-8${3}`)), "")
		}
	}
}

func TestCharsetFromContentType(t *testing.T) {
	doc := `<rss version="2.0"><channel><title>Привет, мир</title><item><title>Ёлка</title></item></channel></rss>`
	for _, tc := range []struct {
		name string
		enc  interface{ Bytes([]byte) ([]byte, error) }
		ct   string
	}{
		{"koi8-r", charmap.KOI8R.NewEncoder(), "application/rss+xml; charset=koi8-r"},
		{"windows-1251", charmap.Windows1251.NewEncoder(), "text/xml; charset=windows-1251"},
		{"iso-8859-5", charmap.ISO8859_5.NewEncoder(), "text/xml; charset=iso-8859-5"},
	} {
		b, err := tc.enc.Bytes([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		f, err := Parse(b, tc.ct, "http://x/")
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if f.Title != "Привет, мир" || f.Entries[0].Title != "Ёлка" {
			t.Errorf("%s: %q %q", tc.name, f.Title, f.Entries[0].Title)
		}
	}
}

func TestUTF16(t *testing.T) {
	doc := `<?xml version="1.0" encoding="utf-16"?><rss version="2.0"><channel><title>Ünïcode ✓</title><item><title>日本語</title></item></channel></rss>`
	for _, tc := range []struct {
		name string
		e    unicode.Endianness
		bom  unicode.BOMPolicy
	}{
		{"LE with BOM", unicode.LittleEndian, unicode.UseBOM},
		{"BE with BOM", unicode.BigEndian, unicode.UseBOM},
		{"LE without BOM", unicode.LittleEndian, unicode.IgnoreBOM},
	} {
		b, err := unicode.UTF16(tc.e, tc.bom).NewEncoder().Bytes([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		f, err := Parse(b, "", "http://x/")
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if f.Title != "Ünïcode ✓" || f.Entries[0].Title != "日本語" {
			t.Errorf("%s: %q %q", tc.name, f.Title, f.Entries[0].Title)
		}
	}
	// UTF-8 with a BOM and a utf-16 declaration it does not match.
	b := append([]byte{0xEF, 0xBB, 0xBF}, doc...)
	if f, err := Parse(b, "", "http://x/"); err != nil || f.Title != "Ünïcode ✓" {
		t.Errorf("UTF-8 BOM: %v %+v", err, f)
	}
}

func TestNotAFeed(t *testing.T) {
	for name, body := range map[string]string{
		"empty":      "",
		"whitespace": " \n\t ",
		"html":       "<!DOCTYPE html><html><head><title>Blog</title></head><body>hi</body></html>",
		"other xml":  `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>`,
		"json api":   `{"error": "rate limited"}`,
		"text":       "404 page not found",
	} {
		_, err := Parse([]byte(body), "text/html", "http://x.example/feed")
		if !errors.Is(err, ErrNotAFeed) {
			t.Errorf("%s: err = %v, want ErrNotAFeed", name, err)
		} else if !strings.Contains(err.Error(), "http://x.example/feed") {
			t.Errorf("%s: error %q does not name the URL", name, err)
		}
	}
}

func TestJSONFeed(t *testing.T) {
	doc := `{"version":"https://jsonfeed.org/version/1.1","title":"JF","home_page_url":"https://jf.example/",
	"items":[{"id":"1","url":"https://jf.example/1","title":"One","content_html":"<p>x</p>","date_published":"2024-05-01T10:00:00+02:00"},
	{"id":"2","url":"/2","title":"Two","date_modified":"2024-05-02T00:00:00Z"}]}`
	f, err := Parse([]byte(doc), "application/feed+json", "https://jf.example/feed.json")
	if err != nil {
		t.Fatal(err)
	}
	if f.Format != "json" || f.Title != "JF" || len(f.Entries) != 2 {
		t.Fatalf("%+v", f)
	}
	e := f.Entries[0]
	if e.GUID != "1" || e.Link != "https://jf.example/1" || e.Content != "<p>x</p>" || !e.Published.Equal(time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("%+v", e)
	}
	if e := f.Entries[1]; e.Updated.IsZero() {
		t.Errorf("date_modified lost: %+v", e)
	}
}

func TestRSS1AndDublinCore(t *testing.T) {
	doc := `<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/">
 <channel rdf:about="http://r.example/"><title>R</title><link>http://r.example/</link></channel>
 <item rdf:about="http://r.example/1"><title>One</title><link>http://r.example/1</link><dc:date>2003-12-31T10:14:55-08:00</dc:date></item>
 <item rdf:about="http://r.example/2"><title>Two</title><link>http://r.example/2</link><dcterms:issued>2004-01-02</dcterms:issued><dcterms:modified>2004-02-03T04:05:06Z</dcterms:modified></item>
 <item rdf:about="http://r.example/3"><title>Three</title><link>http://r.example/3</link><dcterms:created>Thu, 01 Jan 2004 19:48:21 EST</dcterms:created></item>
</rdf:RDF>`
	f, err := Parse([]byte(doc), "application/rdf+xml", "http://r.example/rss")
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ pub, upd string }{
		{"", "2003-12-31T18:14:55Z"},
		{"2004-01-02T00:00:00Z", "2004-02-03T04:05:06Z"},
		{"2004-01-02T00:48:21Z", ""},
	}
	if len(f.Entries) != 3 {
		t.Fatalf("%d entries", len(f.Entries))
	}
	for i, w := range want {
		e := f.Entries[i]
		got := func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.Format(time.RFC3339)
		}
		// dc:date may be reported as published or updated; what matters
		// is that it is found.
		p, u := got(e.Published), got(e.Updated)
		if i == 0 && (p == w.upd || u == w.upd) {
			continue
		}
		if p != w.pub || u != w.upd {
			t.Errorf("entry %d: published %q updated %q; want %q %q", i, p, u, w.pub, w.upd)
		}
	}
}

func TestXMLBase(t *testing.T) {
	doc := `<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://a.example/blog/">
 <title>B</title>
 <entry xml:base="posts/"><id>1</id><title>rel</title><link href="one.html"/></entry>
 <entry><id>2</id><title>inherit</title><link href="two.html"/></entry>
 <entry xml:base="http://other.example/x/"><id>3</id><title>abs</title><link href="/root.html"/></entry>
</feed>`
	f, err := Parse([]byte(doc), "application/atom+xml", "http://feed.example/atom.xml")
	if err != nil {
		t.Fatal(err)
	}
	wantBase := []string{"http://a.example/blog/posts/", "http://a.example/blog/", "http://other.example/x/"}
	wantLink := []string{"http://a.example/blog/posts/one.html", "http://a.example/blog/two.html", "http://other.example/root.html"}
	for i, e := range f.Entries {
		if e.Base != wantBase[i] {
			t.Errorf("entry %d: Base %q, want %q", i, e.Base, wantBase[i])
		}
		// gofeed resolves href attributes itself; normalize resolves any
		// link still relative against Base, so either way is fine as long
		// as the two agree.
		if got := resolveBase(e.Base, e.Link); got != wantLink[i] {
			t.Errorf("entry %d: link %q resolves to %q, want %q", i, e.Link, got, wantLink[i])
		}
	}
}

func TestDates(t *testing.T) {
	for in, want := range map[string]string{
		"Mon, 02 Jan 2006 15:04:05 -0700":     "2006-01-02T22:04:05Z",
		"Mon, 02 Jan 2006 15:04:05 EST":       "2006-01-02T20:04:05Z",
		"Mon, 2 Jan 2006 15:04:05 PDT":        "2006-01-02T22:04:05Z",
		"Tue, 02 Jan 2006 15:04:05 GMT":       "2006-01-02T15:04:05Z", // wrong weekday
		"02 Jan 2006 15:04:05 +0000":          "2006-01-02T15:04:05Z",
		"Mon, 02 Jan 06 15:04:05 +0100":       "2006-01-02T14:04:05Z",
		"2006-01-02T15:04:05+01:00":           "2006-01-02T14:04:05Z",
		"2006-01-02t15:04:05z":                "2006-01-02T15:04:05Z",
		"2006-01-02T15:04:05.123456Z":         "2006-01-02T15:04:05Z",
		"2006-01-02 15:04:05":                 "2006-01-02T15:04:05Z",
		"2006-01-02":                          "2006-01-02T00:00:00Z",
		"2006-01":                             "2006-01-01T00:00:00Z",
		"20060102T150405Z":                    "2006-01-02T15:04:05Z",
		"January 2, 2006":                     "2006-01-02T00:00:00Z",
		"Mon, 02 Jan 2006 15:04:05 +00:00":    "2006-01-02T15:04:05Z",
		"Mon, 02 Jan 2006 15:04:05 -0500 EST": "2006-01-02T20:04:05Z",
		"0001-01-01T00:00:00Z":                "", // placeholder year: absent
		"9999-12-31T23:59:59Z":                "",
		"10000-01-01T00:00:00Z":               "",
		"not a date":                          "",
		"":                                    "",
	} {
		got := ParseDate(in)
		var s string
		if !got.IsZero() {
			s = got.Format(time.RFC3339)
		}
		if s != want {
			t.Errorf("ParseDate(%q) = %q, want %q", in, s, want)
		}
	}
}

func TestExtremeDatesInFeed(t *testing.T) {
	doc := `<rss version="2.0"><channel><title>x</title>
<item><title>a</title><pubDate>Mon, 01 Jan 0001 00:00:00 GMT</pubDate></item>
<item><title>b</title><pubDate>Fri, 31 Dec 9999 23:59:59 GMT</pubDate></item>
<item><title>c</title><pubDate>` + strings.Repeat("9", 10000) + `</pubDate></item>
</channel></rss>`
	f, err := Parse([]byte(doc), "", "http://x/")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range f.Entries {
		if !e.Published.IsZero() || !e.Updated.IsZero() {
			t.Errorf("%s: got date %v/%v, want absent", e.Title, e.Published, e.Updated)
		}
	}
}

func TestBillionLaughs(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol "lol">`)
	prev := "lol"
	for i := 1; i <= 9; i++ {
		name := "lol" + string(rune('0'+i))
		b.WriteString(`<!ENTITY ` + name + ` "` + strings.Repeat("&"+prev+";", 10) + `">`)
		prev = name
	}
	b.WriteString(`]><rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title><description>&lol9;</description></item></channel></rss>`)
	start := time.Now()
	f, err := Parse(b.Bytes(), "", "http://x/")
	if d := time.Since(start); d > time.Second {
		t.Fatalf("took %v", d)
	}
	// Either outcome is fine as long as nothing was expanded.
	if err == nil && (len(f.Title) > 1000 || len(f.Entries[0].Summary) > 1000) {
		t.Fatalf("entity expanded: %d bytes", len(f.Title))
	}
}

func TestHugeInput(t *testing.T) {
	_, err := Parse(make([]byte, MaxInput+1), "", "http://x/")
	if err == nil || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("err = %v", err)
	}
}

func TestTTLAndLanguage(t *testing.T) {
	doc := `<rss version="2.0"><channel><title>x</title><language>de-DE</language><ttl>90</ttl><item><title>a</title></item></channel></rss>`
	f, err := Parse([]byte(doc), "", "http://x/")
	if err != nil {
		t.Fatal(err)
	}
	if f.TTL != 90*time.Minute || f.Language != "de-DE" {
		t.Errorf("TTL %v Language %q", f.TTL, f.Language)
	}
}

func TestGUIDAsLink(t *testing.T) {
	doc := `<rss version="2.0"><channel><title>x</title>
<item><guid>https://g.example/1</guid></item>
<item><guid isPermaLink="false">https://g.example/2</guid></item>
<item><guid>12345</guid></item>
<item><link>https://g.example/page</link><guid>https://g.example/4</guid></item>
</channel></rss>`
	f, err := Parse([]byte(doc), "", "http://x/")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"https://g.example/1", "", "", "https://g.example/page"}
	for i, e := range f.Entries {
		if e.Link != want[i] {
			t.Errorf("entry %d: link %q, want %q", i, e.Link, want[i])
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`<rss version="2.0"><channel><title>x</title><item><title>a</title></item></channel></rss>`), "")
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><title type="html">&lt;b&gt;x</title></entry></feed>`), "")
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1","items":[{"id":"1"}]}`), "application/json")
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		// Parse recovers from panics in gofeed so the daemon survives; the
		// fuzzer still wants to hear about them.
		if _, err := Parse(body, ct, "http://fuzz.example/"); err != nil && strings.Contains(err.Error(), "parser panic") {
			t.Fatal(err)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	for _, name := range []string{"parser-large_rss.xml", "parser-large_atom.xml", "parser-encoding_WINDOWS-1251.xml"} {
		body := realworld(b, name)
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if _, err := Parse(body, "", "http://x/"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestUpdatePeriod(t *testing.T) {
	for _, tc := range []struct {
		name, channel string
		want          time.Duration
	}{
		{"none", "", 0},
		{"WordPress default", "<sy:updatePeriod>\n\thourly\t</sy:updatePeriod><sy:updateFrequency>\n\t1\t</sy:updateFrequency>", time.Hour},
		{"twice an hour", "<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency>", 30 * time.Minute},
		{"daily, no frequency", "<sy:updatePeriod>Daily</sy:updatePeriod>", 24 * time.Hour},
		{"frequency only: daily", "<sy:updateFrequency>4</sy:updateFrequency>", 6 * time.Hour},
		{"unknown period", "<sy:updatePeriod>fortnightly</sy:updatePeriod>", 0},
		{"bad frequency", "<sy:updatePeriod>weekly</sy:updatePeriod><sy:updateFrequency>-3</sy:updateFrequency>", 7 * 24 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := `<rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel><title>x</title>` +
				tc.channel + `<item><title>a</title></item></channel></rss>`
			f, err := Parse([]byte(doc), "", "http://x/")
			if err != nil {
				t.Fatal(err)
			}
			if f.UpdatePeriod != tc.want {
				t.Errorf("UpdatePeriod = %v, want %v", f.UpdatePeriod, tc.want)
			}
		})
	}
	// RSS 1.0 carries the module too; the prefix is the document's choice.
	rdf := `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:syn="http://purl.org/rss/1.0/modules/syndication/">
<channel rdf:about="http://x/"><title>x</title><link>http://x/</link><syn:updatePeriod>daily</syn:updatePeriod><syn:updateFrequency>3</syn:updateFrequency></channel>
<item rdf:about="http://x/1"><title>a</title><link>http://x/1</link></item></rdf:RDF>`
	f, err := Parse([]byte(rdf), "", "http://x/")
	if err != nil {
		t.Fatal(err)
	}
	if f.UpdatePeriod != 8*time.Hour {
		t.Errorf("RSS 1.0: UpdatePeriod = %v, want 8h", f.UpdatePeriod)
	}
}

// TestUTF8WithABadByte: a UTF-8 document with a few bytes that are not
// UTF-8 (a description cut mid-character) is still read as UTF-8, the bad
// bytes replaced; taken for an 8-bit encoding, all of it came out garbled.
func TestUTF8WithABadByte(t *testing.T) {
	for _, tc := range []struct{ name, title, item string }{
		{"russian", "Новости — мир", "Лавров встретился с Рубио"},
		{"french", "Actualités", "Élections à Genève"},
	} {
		doc := []byte(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>` + tc.title +
			`</title><item><title>` + tc.item + `</title><description>Cut here: ` + "\xd0" + `</description></item></channel></rss>`)
		f, err := Parse(doc, "application/rss+xml; charset=utf-8", "http://x/")
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if f.Title != tc.title || f.Entries[0].Title != tc.item || !strings.Contains(f.Entries[0].Summary, "\uFFFD") {
			t.Errorf("%s: %q %q %q", tc.name, f.Title, f.Entries[0].Title, f.Entries[0].Summary)
		}
	}
	// Real 8-bit documents stay what they are (TestRealWorld and
	// TestCharsetFromContentType cover the corpus).
}

// TestZoneAbbreviations: a date in a zone Go does not know by name is not
// read as UTC.
func TestZoneAbbreviations(t *testing.T) {
	for raw, want := range map[string]string{
		"Tue, 24 Nov 2026 14:00:00 MSK":   "2026-11-24T11:00:00Z",
		"Tue, 24 Nov 2026 14:00:00 CEST":  "2026-11-24T12:00:00Z",
		"Tue, 24 Nov 2026 14:00:00 EST":   "2026-11-24T19:00:00Z",
		"Tue, 24 Nov 2026 14:00:00 GMT":   "2026-11-24T14:00:00Z",
		"Tue, 24 Nov 2026 14:00:00 +0300": "2026-11-24T11:00:00Z",
	} {
		doc := `<rss version="2.0"><channel><title>x</title><item><title>a</title><pubDate>` + raw + `</pubDate></item></channel></rss>`
		f, err := Parse([]byte(doc), "", "http://x/")
		if err != nil {
			t.Fatal(err)
		}
		if got := f.Entries[0].Published.UTC().Format(time.RFC3339); got != want {
			t.Errorf("%s: %s, want %s", raw, got, want)
		}
	}
}
