package ingest

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/store"
)

// TestSteadyStatePoll is a later poll of feeds whose documents each gained
// one entry at the top: the entries stored before are neither parsed,
// normalised, matched nor written, and each feed costs a bounded number of
// statements, whatever the number of its entries.
func TestSteadyStatePoll(t *testing.T) {
	const feeds = 12
	var docs []string
	for _, d := range benchDocs(t) {
		docs = append(docs, string(d))
	}
	var round atomic.Int64
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var i int
		fmt.Sscanf(r.URL.Path, "/feed%d.xml", &i)
		w.Header().Set("Content-Type", "application/xml")
		// Dated, as feedgen's entries are: an undated entry would have
		// the stored undated ones marked seen (TestRecognisedEntriesStoreTheSame).
		doc := withNewEntry(docs[i%len(docs)], i, int(round.Load()))
		io.WriteString(w, strings.Replace(doc, "<description>New.", "<pubDate>Wed, 25 Nov 2026 12:00:00 GMT</pubDate><description>New.", 1))
	}))
	ctx := context.Background()
	st, count, err := store.OpenCounting(ctx, filepath.Join(t.TempDir(), "feedwatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	m := &countingMatcher{Matcher: shippedTopics(t)}
	c := newClock()
	p := newPoller(st, m, testOptions(c))
	for i := range feeds {
		addFeed(t, st, fmt.Sprintf("%s/feed%d.xml", srv.URL, i))
	}
	poll := func() []FeedResult {
		var results []FeedResult
		if _, err := p.PollDue(ctx, true, func(r FeedResult) { results = append(results, r) }); err != nil {
			t.Fatal(err)
		}
		return results
	}
	first := poll()
	entries := 0
	for _, r := range first {
		if r.Err != nil || r.New != r.Items || r.Parsed != r.Items {
			t.Fatalf("first poll of %s: %+v", r.Feed.URL, r)
		}
		entries += r.Items
	}
	m.take()

	round.Add(1)
	c.Add(time.Hour)
	count.Reset()
	for _, r := range poll() {
		if r.Err != nil || r.Outcome != OutcomeOK || r.New != 1 || r.Parsed != 1 || r.Seen != r.Items-1 {
			t.Errorf("steady poll of %s: %d entries, %d parsed, %d new, %d seen, error %v; want 1 parsed and new, the rest seen",
				r.Feed.URL, r.Items, r.Parsed, r.New, r.Seen, r.Err)
		}
	}
	titles := m.take()
	sort.Strings(titles)
	if len(titles) != feeds {
		t.Errorf("%d entries matched, want %d (the new ones): %q", len(titles), feeds, titles)
	}
	for _, title := range titles {
		if !strings.HasPrefix(title, "Round 1 of feed") {
			t.Errorf("entry %q matched again", title)
		}
	}

	byText := count.ByText()
	counts := map[string]int{}
	for q, n := range byText {
		switch q = strings.Join(strings.Fields(q), " "); {
		case strings.HasPrefix(q, "INSERT INTO items "):
			counts["insert item"] += n
		case strings.HasPrefix(q, "INSERT INTO items_fts"):
			counts["index item"] += n
		case strings.HasPrefix(q, "UPDATE items"):
			counts["update item"] += n
		case strings.HasPrefix(q, "SELECT") && strings.Contains(q, "FROM items"):
			counts["read items"] += n
		case strings.HasPrefix(q, "UPDATE feeds"):
			counts["update feed"] += n
		}
	}
	want := map[string]int{"insert item": feeds, "index item": feeds, "update item": 0, "read items": 2 * feeds, "update feed": feeds}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("%s: %d statements, want %d", k, counts[k], n)
		}
	}
	// Per feed: its fingerprints and what it has stored (3 reads), its
	// new item, its index row, its matches (at most one per topic), its
	// state; and the run's list of due feeds. Nothing grows with the
	// entries already stored.
	topics := len(shippedTopics(t).Topics())
	if bound := feeds*(6+topics) + 1; count.Total() > bound {
		t.Errorf("%d statements for %d feeds of %d entries, want at most %d:\n%s", count.Total(), feeds, entries/feeds, bound, statementList(byText))
	}
}

func statementList(byText map[string]int) string {
	var b strings.Builder
	for q, n := range byText {
		fmt.Fprintf(&b, "%5d  %.100s\n", n, strings.Join(strings.Fields(q), " "))
	}
	return b.String()
}

// scenario is a feed whose document changes from round to round.
type scenario struct {
	name  string
	ctype string
	doc   func(round int) string
}

// rssEntry is one RSS item; empty fields are left out.
type rssEntry struct{ guid, link, title, date, text string }

func rss(head string, entries ...rssEntry) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n" + `<rss version="2.0"><channel><title>Scenario</title><link>https://s.example/</link>` + head + "\n")
	for _, e := range entries {
		b.WriteString("  <item>")
		if e.guid != "" {
			fmt.Fprintf(&b, "<guid isPermaLink=\"false\">%s</guid>", e.guid)
		}
		if e.link != "" {
			fmt.Fprintf(&b, "<link>%s</link>", e.link)
		}
		fmt.Fprintf(&b, "<title>%s</title>", e.title)
		if e.date != "" {
			fmt.Fprintf(&b, "<pubDate>%s</pubDate>", e.date)
		}
		fmt.Fprintf(&b, "<description><![CDATA[<p>%s</p>]]></description></item>\n", e.text)
	}
	b.WriteString("</channel></rss>\n")
	return b.String()
}

// day is the date of entry n, newer for higher n.
func day(n int) string {
	return time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Hour).Format(time.RFC1123Z)
}

// moving lists entries round..round+4, newest first, with GUIDs.
func moving(round int) []rssEntry {
	var out []rssEntry
	for n := round + 4; n >= round; n-- {
		out = append(out, rssEntry{guid: fmt.Sprintf("g%d", n), link: fmt.Sprintf("https://s.example/%d", n),
			title: fmt.Sprintf("Kremlin and Washington story %d", n), date: day(n), text: fmt.Sprintf("Sanctions talks, part %d.", n)})
	}
	return out
}

var scenarios = []scenario{
	{"moving", "application/rss+xml", func(r int) string {
		return rss(fmt.Sprintf("<lastBuildDate>%s</lastBuildDate>", day(r+4)), moving(r)...)
	}},
	{"edited", "application/rss+xml", func(r int) string {
		es := moving(0)
		es[2].text = fmt.Sprintf("Corrected in round %d.", r) // same GUID, other bytes
		return rss("", es...)
	}},
	{"shared-guid", "application/rss+xml", func(r int) string {
		es := moving(0)
		if r >= 2 { // the feed starts putting one GUID on every entry
			for i := range es {
				es[i].guid = "1"
			}
		}
		return rss("", es...)
	}},
	{"new-shares-guid", "application/rss+xml", func(r int) string {
		es := moving(0)
		if r >= 1 { // a new entry repeats an old one's GUID with another link
			es = append([]rssEntry{{guid: "g2", link: "https://s.example/other", title: "Another story", date: day(9)}}, es...)
		}
		return rss("", es...)
	}},
	{"fragments", "application/rss+xml", func(r int) string {
		var es []rssEntry
		for n := r + 2; n >= 0 && n >= r; n-- {
			es = append(es, rssEntry{link: fmt.Sprintf("https://s.example/changelog#v%d", n), title: fmt.Sprintf("Release %d", n), date: day(n)})
		}
		if r == 0 {
			es = es[:1] // one entry: its fragment does not yet tell it apart
		}
		return rss("", es...)
	}},
	{"undated", "application/rss+xml", func(r int) string {
		es := moving(r)
		for i := range es {
			es[i].date = ""
		}
		return rss("", es...)
	}},
	{"no-guid-no-link", "application/rss+xml", func(r int) string {
		var es []rssEntry
		for n := r + 2; n >= r; n-- {
			es = append(es, rssEntry{title: fmt.Sprintf("Untitled %d", n), date: day(n), text: "Text"})
		}
		return rss("", es...)
	}},
	{"reordered", "application/rss+xml", func(r int) string {
		es := moving(0)
		if r%2 == 1 {
			es[0], es[4] = es[4], es[0]
		}
		return rss("", es...)
	}},
	{"atom-base", "application/atom+xml", func(r int) string {
		var b strings.Builder
		fmt.Fprintf(&b, `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://a.example/news/"><title>Atom</title><id>urn:a</id><updated>%s</updated>
`, time.Date(2026, 11, 2, r, 0, 0, 0, time.UTC).Format(time.RFC3339))
		for n := r + 3; n >= r; n-- {
			base := ""
			if n%2 == 0 {
				base = ` xml:base="/other/"`
			}
			fmt.Fprintf(&b, `<entry%s><title>Moscow %d</title><id>tag:a,2026:%d</id><link href="story-%d.html"/><updated>2026-11-01T%02d:00:00Z</updated><summary>US talks %d</summary></entry>
`, base, n, n, n, n, n)
		}
		b.WriteString("</feed>\n")
		return b.String()
	}},
	{"rdf", "application/rdf+xml", func(r int) string {
		var b strings.Builder
		b.WriteString(`<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel rdf:about="https://r.example/"><title>RDF</title><link>https://r.example/</link></channel>` + "\n")
		for n := r + 2; n >= r; n-- {
			fmt.Fprintf(&b, `<item rdf:about="https://r.example/%d"><title>Item %d</title><link>https://r.example/%d</link><dc:date>2026-11-01T%02d:00:00Z</dc:date></item>`+"\n", n, n, n, n)
		}
		b.WriteString("</rdf:RDF>\n")
		return b.String()
	}},
	{"doctype", "application/rss+xml", func(r int) string {
		return strings.Replace(rss("", moving(r)...), "<rss", `<!DOCTYPE rss [<!ENTITY who "Kremlin">]><rss`, 1)
	}},
	{"json", "application/feed+json", func(r int) string {
		var items []string
		for n := r + 2; n >= r; n-- {
			items = append(items, fmt.Sprintf(`{"id":"j%d","url":"https://j.example/%d","title":"JSON %d","date_published":"2026-11-01T%02d:00:00Z"}`, n, n, n, n))
		}
		return `{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[` + strings.Join(items, ",") + `]}`
	}},
	{"windows-1251", "application/rss+xml; charset=windows-1251", func(r int) string {
		return strings.Replace(rss("", moving(r)...), "Sanctions", "\xd1\xe0\xed\xea\xf6\xe8\xe8", -1) // Санкции
	}},
	{"pruned", "application/rss+xml", func(r int) string {
		return rss(fmt.Sprintf("<lastBuildDate>%s</lastBuildDate>", day(r)), moving(0)...)
	}},
}

// TestRecognisedEntriesStoreTheSame polls feeds whose documents change in
// the ways real feeds change, round after round, into two databases: one
// poller recognises stored entries by fingerprint, the other has its
// fingerprints cleared before every poll and so parses every document
// whole. What the two store must be the same, row for row.
func TestRecognisedEntriesStoreTheSame(t *testing.T) {
	var round atomic.Int64
	mux := http.NewServeMux()
	for _, sc := range scenarios {
		mux.HandleFunc("/"+sc.name, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", sc.ctype)
			io.WriteString(w, sc.doc(int(round.Load())))
		})
	}
	srv := newServer(t, mux)
	ctx := context.Background()
	c := newClock()
	fast, whole := mustOpenStore(t), mustOpenStore(t)
	fast.Now, whole.Now = c.Now, c.Now
	topics := shippedTopics(t)
	var logs bytes.Buffer
	opts := testOptions(c)
	opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	pf, pw := newPoller(fast, topics, opts), newPoller(whole, topics, opts)
	for _, st := range []*store.Store{fast, whole} {
		for _, sc := range scenarios {
			addFeed(t, st, srv.URL+"/"+sc.name)
		}
	}
	recognised := map[string]int{}
	for r := range 5 {
		round.Store(int64(r))
		if r == 3 {
			// Retention pruned an item the feed still lists: the poll
			// stores it again, recognised or not.
			for _, st := range []*store.Store{fast, whole} {
				if _, err := st.DB().ExecContext(ctx, `DELETE FROM items WHERE key = 'guid:g2' AND feed_id = (SELECT id FROM feeds WHERE url LIKE '%/pruned')`); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, err := whole.DB().ExecContext(ctx, "UPDATE feeds SET entry_prints = x''"); err != nil {
			t.Fatal(err)
		}
		for _, p := range []*Poller{pf, pw} {
			_, err := p.PollDue(ctx, true, func(res FeedResult) {
				if res.Err != nil {
					t.Errorf("round %d: %s: %v", r, res.Feed.URL, res.Err)
				}
				if p == pf && res.Parsed < res.Items {
					recognised[res.Feed.URL[strings.LastIndexByte(res.Feed.URL, '/')+1:]] += res.Items - res.Parsed
				}
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		a, b := storedRows(t, fast.DB()), storedRows(t, whole.DB())
		if a != b {
			t.Fatalf("round %d: what recognising stored differs from what parsing whole stored:\n%s", r, lineDiff(a, b))
		}
		c.Add(time.Hour)
	}
	// The test is only worth something if entries were recognised, and
	// only where that can be done with certainty.
	for _, name := range []string{"moving", "edited", "undated", "reordered", "atom-base", "rdf", "windows-1251", "fragments", "pruned"} {
		if recognised[name] == 0 {
			t.Errorf("%s: no entry recognised in 5 rounds", name)
		}
	}
	for _, name := range []string{"doctype", "json"} {
		if recognised[name] != 0 {
			t.Errorf("%s: %d entries recognised; such documents must be parsed whole", name, recognised[name])
		}
	}
}

// lineDiff lists the lines only a has (-) and only b has (+).
func lineDiff(a, b string) string {
	count := map[string]int{}
	for _, l := range strings.Split(a, "\n") {
		count[l]++
	}
	for _, l := range strings.Split(b, "\n") {
		count[l]--
	}
	var out []string
	for l, n := range count {
		switch {
		case n > 0:
			out = append(out, "- "+l)
		case n < 0:
			out = append(out, "+ "+l)
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// storedRows is everything a poll stores, as text, in a stable order.
func storedRows(t *testing.T, db *sql.DB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT f.url, i.key, i.guid, i.link, i.canonical_link, i.title, i.summary, i.content, i.author,
			i.published_at, i.updated_at, i.date_missing, i.fetched_at, i.seen_at
			FROM items i JOIN feeds f ON f.id = i.feed_id ORDER BY f.url, i.key`,
		`SELECT f.url, i.key, m.topic_id, m.score, m.terms FROM matches m JOIN items i ON i.id = m.item_id
			JOIN feeds f ON f.id = i.feed_id ORDER BY f.url, i.key, m.topic_id`,
		`SELECT url, title, etag, body_hash, refresh_hint_s, item_count, last_error FROM feeds ORDER BY url`,
	} {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&b, "%v|", v)
			}
			b.WriteByte('\n')
		}
		rows.Close()
	}
	return b.String()
}

// TestMaxEntries: a document with more entries than poll.max_entries has
// only its newest stored, whichever order it lists them in, read a part
// at a time when it can be cut (RSS) and whole when not (JSON Feed), and
// the operator is told which feed it was.
func TestMaxEntries(t *testing.T) {
	const total, max = 600, 100
	// Dates spread so that the newest are scattered through the document.
	hour := func(n int) int { return (n * 7919) % total }
	var rssEntries []rssEntry
	var jsonItems []string
	for n := range total {
		rssEntries = append(rssEntries, rssEntry{guid: fmt.Sprintf("e%d", n), title: fmt.Sprintf("Entry %d", n), date: day(hour(n))})
		jsonItems = append(jsonItems, fmt.Sprintf(`{"id":"e%d","title":"Entry %d","date_published":%q}`, n, n,
			time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(hour(n))*time.Hour).Format(time.RFC3339)))
	}
	docs := map[string]string{
		"rss":  rss("", rssEntries...),
		"json": `{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[` + strings.Join(jsonItems, ",") + `]}`,
	}
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, docs[strings.TrimPrefix(r.URL.Path, "/")])
	}))
	var want []string
	for n := range total {
		if hour(n) >= total-max {
			want = append(want, fmt.Sprintf("guid:e%d", n))
		}
	}
	sort.Strings(want)
	for name := range docs {
		st := mustOpenStore(t)
		var logs bytes.Buffer
		opts := testOptions(newClock())
		opts.MaxEntries = max
		opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		p := newPoller(st, mustTopics(t, ""), opts)
		f := addFeed(t, st, srv.URL+"/"+name)
		r := p.PollFeed(context.Background(), f)
		if r.Err != nil || r.New != max {
			t.Fatalf("%s: %d new, error %v; want %d", name, r.New, r.Err, max)
		}
		rows, err := st.DB().Query("SELECT key FROM items ORDER BY key")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var k string
			rows.Scan(&k)
			got = append(got, k)
		}
		rows.Close()
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: stored %v\nwant the newest %v", name, got, want)
		}
		if line := logs.String(); !strings.Contains(line, "poll.max_entries") || !strings.Contains(line, "feed_url="+f.URL) ||
			!strings.Contains(line, fmt.Sprintf("entries=%d", total)) {
			t.Errorf("%s: log %q does not name the feed and its entries", name, line)
		}
	}
}
