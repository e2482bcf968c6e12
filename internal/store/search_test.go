package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/model"
)

// saveItems stores items in one fetch of a new feed and returns the feed.
func saveItems(t testing.TB, s *Store, url string, items []model.Item, matches [][]model.Match) model.Feed {
	t.Helper()
	ctx := context.Background()
	f, err := s.AddFeed(ctx, model.Feed{URL: url, Title: "Feed " + url})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveFetch(ctx, f, items, matches); err != nil {
		t.Fatal(err)
	}
	return f
}

func searchTitles(t *testing.T, s *Store, query string) []string {
	t.Helper()
	hits, err := s.Search(context.Background(), query, 50)
	if err != nil {
		t.Fatalf("Search(%q): %v", query, err)
	}
	var out []string
	for _, h := range hits {
		out = append(out, Highlight(h.Title, "", "", nil))
	}
	return out
}

func TestSearch(t *testing.T) {
	s := mustOpen(t)
	at := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	item := func(key, title, summary string) model.Item {
		return model.Item{Key: key, Title: title, Summary: summary, Published: at, FetchedAt: at}
	}
	saveItems(t, s, "https://a.example/feed", []model.Item{
		item("1", "Лавров и Блинкен обсудили ДСНВ", "<p>Министр иностранных дел <b>России</b> заявил о переговорах.</p>"),
		item("2", "Ёлка в Кремле", "<p>Новогодняя ёлка установлена.</p>"),
		item("2b", "Елка на Красной площади", "<p>Установлена новогодняя елка.</p>"),
		item("3", "Sanctions on Russian banks", `<p>The <a href="https://treasury.example/sanctions">Treasury</a> named banks.</p>`),
		item("4", "Prisoner exchange completed", "<p>Two prisoners were exchanged in Abu Dhabi.</p>"),
		item("5", "Café owners protest", "<p>Owners of cafés in Paris protested &amp; marched.</p>"),
		item("6", "Budget vote", "<p>Parliament passed the budget; no word on sanctions.</p>"),
	}, nil)

	cases := []struct {
		query string
		want  []string // titles, newest (highest id) first
	}{
		// Cyrillic is case-folded: lower-case query, title-case text.
		{"лавров", []string{"Лавров и Блинкен обсудили ДСНВ"}},
		{"ЛАВРОВ", []string{"Лавров и Блинкен обсудили ДСНВ"}},
		{"дснв", []string{"Лавров и Блинкен обсудили ДСНВ"}},
		// Words inside HTML are found; the markup itself is not.
		{"россии", []string{"Лавров и Блинкен обсудили ДСНВ"}},
		{"href", nil},
		{"treasury", []string{"Sanctions on Russian banks"}},
		// Latin diacritics are removed; for "ё" the query also tries "е",
		// the usual spelling, but not the other way round.
		{"cafe", []string{"Café owners protest"}},
		{"CAFÉS", []string{"Café owners protest"}},
		{"ёлка", []string{"Елка на Красной площади", "Ёлка в Кремле"}},
		{"елка", []string{"Елка на Красной площади"}},
		{"amp", nil},
		{"sanction*", []string{"Budget vote", "Sanctions on Russian banks"}},
		{"перегово*", []string{"Лавров и Блинкен обсудили ДСНВ"}},
		{`"prisoners were exchanged"`, []string{"Prisoner exchange completed"}},
		{`"were prisoners exchanged"`, nil},
		{"sanctions -budget", []string{"Sanctions on Russian banks"}},
		{"sanctions NOT budget", []string{"Sanctions on Russian banks"}},
		{"treasury OR prisoners", []string{"Prisoner exchange completed", "Sanctions on Russian banks"}},
		{"banks OR parliament sanctions", []string{"Budget vote", "Sanctions on Russian banks"}},
		{"banks treasury", []string{"Sanctions on Russian banks"}},
		{"banks prisoners", nil},
	}
	for _, c := range cases {
		got := searchTitles(t, s, c.query)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("Search(%q) = %q, want %q", c.query, got, c.want)
		}
	}
}

// TestSearchQueriesNeverFail feeds the search box what people and scripts
// type: FTS5 operators, unbalanced quotes and brackets, column filters,
// lone punctuation. None may be an error.
func TestSearchQueriesNeverFail(t *testing.T) {
	s := mustOpen(t)
	at := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	saveItems(t, s, "https://a.example/feed", []model.Item{{Key: "1", Title: "NEAR the title: AND (or) not", Published: at, FetchedAt: at}}, nil)
	for _, q := range []string{
		"", " ", `"`, `""`, `"""`, `"unclosed phrase`, "*", "**", "a*b", "-", "--", "-x", "NOT", "NOT x", "OR", "x OR", "OR x",
		"AND", "x AND", "(", ")", "(title", "title:", "title:near", "NEAR(a b)", "NEAR/3", "^title", "{title summary}: x",
		"+", "+x", ":", "'", "x'y", `x"y"z`, "a\x00b", "\u00a0", "🙂", "tie-break", "rank MATCH 1", "title*:x",
		"-near", "near -", `"and" "or"`, "\x02", "\x03",
	} {
		if _, err := s.Search(context.Background(), q, 10); err != nil {
			match, _ := parseQuery(q)
			t.Errorf("Search(%q): %v (fts query %q)", q, err, match)
		}
	}
	if got := searchTitles(t, s, "near"); len(got) != 1 {
		t.Errorf("Search(near) = %q: operator words are words", got)
	}
	if got := searchTitles(t, s, "title:"); len(got) != 1 {
		t.Errorf(`Search("title:") = %q: a column filter is a word`, got)
	}
}

func TestSearchSnippetAndTopic(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t)
	at := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	long := strings.Repeat("Filler words about the weather. ", 30) + "The envoy met <i>Ryabkov</i> in Geneva. " + strings.Repeat("More filler text. ", 30)
	saveItems(t, s, "https://a.example/feed", []model.Item{
		{Key: "1", Title: "Envoy in Geneva", Summary: "<p>" + long + "</p>", Link: "https://a.example/1?utm_source=x", CanonicalLink: "https://a.example/1", Published: at, FetchedAt: at},
		{Key: "2", Title: "Geneva weather", Summary: "<p>Rain <3 & wind.</p>", Published: at, FetchedAt: at},
	}, [][]model.Match{{{TopicID: "us-russia", Score: 2}}, nil})

	hits, err := s.Search(ctx, "ryabkov", 10)
	if err != nil || len(hits) != 1 {
		t.Fatalf("Search = %+v, %v", hits, err)
	}
	h := hits[0]
	if h.Link != "https://a.example/1" || h.FeedTitle != "Feed https://a.example/feed" || !h.Published.Equal(at) {
		t.Errorf("hit = %+v", h)
	}
	snip := Highlight(h.Snippet, "[", "]", nil)
	if !strings.Contains(snip, "met [Ryabkov] in Geneva") || strings.Contains(snip, "<i>") || len(snip) > 400 {
		t.Errorf("snippet = %q", snip)
	}
	if got := Highlight(h.Title, "<mark>", "</mark>", nil); got != "Envoy in Geneva" {
		t.Errorf("title = %q", got)
	}

	hits, _ = s.Search(ctx, "wind", 10)
	if len(hits) != 1 {
		t.Fatalf("Search(wind) = %+v", hits)
	}
	// Text is escaped before the marks become tags.
	if got := Highlight(hits[0].Snippet, "<mark>", "</mark>", escapeHTML); got != "Rain &lt;3 &amp; <mark>wind</mark>." {
		t.Errorf("escaped snippet = %q", got)
	}

	all, _ := s.Search(ctx, "geneva", 10)
	inTopic, err := s.SearchTopic(ctx, "us-russia", "geneva", 10)
	if err != nil || len(all) != 2 || len(inTopic) != 1 || inTopic[0].ItemID != hits[0].ItemID-1 {
		t.Errorf("all = %d hits, in topic = %+v, %v", len(all), inTopic, err)
	}
	if got, _ := s.Search(ctx, "geneva", 1); len(got) != 1 {
		t.Errorf("limit 1 gave %d hits", len(got))
	}
}

func escapeHTML(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// TestSearchIndexFollowsItems: items stored before the migration are
// indexed by it, and pruned or removed items leave the index.
func TestSearchIndexFollowsItems(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "feedwatch.db")
	old, err := OpenAt(ctx, path, 3)
	if err != nil {
		t.Fatal(err)
	}
	// Plain SQL of that schema: this version's SaveFetch writes the search
	// index, which version 3 does not have.
	for _, q := range []string{
		`INSERT INTO feeds (url, created_at) VALUES ('https://old.example/feed', '2026-01-01T00:00:00.000Z')`,
		`INSERT INTO items (feed_id, key, title, summary, published_at, fetched_at) VALUES
			(1, '1', 'Stored before search existed', '<p>Старая новость</p>', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`,
	} {
		if _, err := old.db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := searchTitles(t, s, "старая"); len(got) != 1 {
		t.Fatalf("pre-migration item not indexed: %q", got)
	}
	recent := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	saveItems(t, s, "https://new.example/feed", []model.Item{{Key: "1", Title: "Recent news", Summary: "<p>Свежая новость</p>", Published: recent, FetchedAt: recent}}, nil)
	if got := searchTitles(t, s, "новость"); len(got) != 2 {
		t.Fatalf("Search(новость) = %q", got)
	}
	if _, err := s.PruneItems(ctx, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), 10); err != nil {
		t.Fatal(err)
	}
	if got := searchTitles(t, s, "новость"); strings.Join(got, "|") != "Recent news" {
		t.Fatalf("after prune: %q", got)
	}
	if err := s.RemoveFeed(ctx, "https://new.example/feed"); err != nil {
		t.Fatal(err)
	}
	if got := searchTitles(t, s, "новость"); len(got) != 0 {
		t.Fatalf("after removing the feed: %q", got)
	}
	if _, err := s.db.ExecContext(ctx, "INSERT INTO items_fts (items_fts) VALUES ('integrity-check')"); err != nil {
		t.Fatalf("fts integrity: %v", err)
	}
}

// TestHTMLText: what the index and the snippets see of a summary.
func TestHTMLText(t *testing.T) {
	s := mustOpen(t)
	for in, want := range map[string]string{
		"":                                      "",
		"plain  text\n here":                    "plain text here",
		"<p>one</p><p>two</p>":                  "one two",
		"<b>Mos</b>cow":                         "Moscow",
		"a<br>b<br/>c":                          "a b c",
		"Tom &amp; Jerry &lt;3 &#1044;&eacute;": "Tom & Jerry <3 Дé",
		"a < b and c > d":                       "a < b and c > d",
		`<a href="https://x.example/?a=1&amp;b=2">link</a>`: "link",
		"<script>var x = '<p>';</script>after":              "after",
		"<STYLE>p{}</STYLE><P>Up</P>":                       "Up",
		"<!-- note -->text<!-- unterminated":                "text",
		"cut <a href=":                                      "cut",
	} {
		var got string
		if err := s.db.QueryRow("SELECT html_text(?)", in).Scan(&got); err != nil || got != want {
			t.Errorf("html_text(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func BenchmarkSearch(b *testing.B) {
	ctx := context.Background()
	s := mustOpen(b)
	at := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	var items []model.Item
	for i := range 5000 {
		items = append(items, model.Item{Key: fmt.Sprint(i), Title: fmt.Sprintf("Story %d about sanctions", i),
			Summary: "<p>Officials said talks would continue next week.</p>", Published: at, FetchedAt: at})
	}
	saveItems(b, s, "https://a.example/feed", items, nil)
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Search(ctx, "sanctions talks", 20); err != nil {
			b.Fatal(err)
		}
	}
}

// TestMark: the words the index matched are the words marked, compared as
// unicode61 compares them.
func TestMark(t *testing.T) {
	for _, c := range []struct{ query, text, want string }{
		{"лавров", "Лавров и ЛАВРОВ, лавровый лист", "[Лавров] и [ЛАВРОВ], лавровый лист"},
		{"лавров*", "Лавров и лавровый лист", "[Лавров] и [лавровый] лист"},
		{"cafe", "Café, CAFÉ and cafés", "[Café], [CAFÉ] and cafés"},
		{"ёлка", "Ёлка и елка", "[Ёлка] и [елка]"},
		{"мой", "мои и мой", "мои и [мой]"},
		{`"prisoner exch"*`, "A prisoner exchange, prisoners exchanged", "A [prisoner] [exchange], prisoners [exchanged]"},
		{"sanctions -budget", "sanctions and budget", "[sanctions] and budget"},
		{"us-russia", "US-Russia talks", "[US]-[Russia] talks"},
	} {
		_, terms := parseQuery(c.query)
		if got := Highlight(mark(c.text, terms, 0), "[", "]", nil); got != c.want {
			t.Errorf("mark(%q, %q) = %q, want %q", c.text, c.query, got, c.want)
		}
	}
	_, terms := parseQuery("needle")
	words := strings.Fields(strings.Repeat("hay ", 100) + "needle " + strings.Repeat("hay ", 100))
	got := Highlight(mark(strings.Join(words, " "), terms, 24), "[", "]", nil)
	if n := len(strings.Fields(got)); !strings.HasPrefix(got, "…") || !strings.HasSuffix(got, "…") || !strings.Contains(got, "[needle]") || n != 24 {
		t.Errorf("snippet = %q (%d words)", got, n)
	}
	if got := mark("short text", terms, 24); got != "short text" {
		t.Errorf("short snippet = %q", got)
	}
}
