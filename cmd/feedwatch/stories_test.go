package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestPreviewJSONGroupsStories serves each labelled set of
// testdata/stories as the RSS feeds of its outlets, polls them with the
// shipped topic, and reads `digest --preview --json` as an outside
// measurement would: pairwise precision and recall of "these two reports
// are one story" over the reports the topic matched, English and Russian
// together. The floors are the goal for reports grouping was not tuned on.
func TestPreviewJSONGroupsStories(t *testing.T) {
	for _, set := range []string{"tuning", "holdout"} {
		t.Run(set, func(t *testing.T) { checkStoryGrouping(t, set) })
	}
}

func checkStoryGrouping(t *testing.T, set string) {
	type report struct {
		ID, Event, Title, Summary, Source string
		Published                         time.Time
	}
	f, err := os.Open(filepath.Join("..", "..", "testdata", "stories", set+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	bySource := map[string][]report{}
	eventOf := map[string]string{} // link -> event
	for sc := bufio.NewScanner(f); sc.Scan(); {
		var r report
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		bySource[r.Source] = append(bySource[r.Source], r)
	}
	var sources []string
	for s := range bySource {
		sources = append(sources, s)
	}
	sort.Strings(sources)
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	var feeds strings.Builder
	for i, source := range sources {
		path := fmt.Sprintf("/feed%d.rss", i)
		var b strings.Builder
		fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>%s</title><link>https://outlet%d.example/</link><description>news</description>`,
			html.EscapeString(source), i)
		for _, r := range bySource[source] {
			link := fmt.Sprintf("https://outlet%d.example/%s", i, r.ID)
			eventOf[link] = r.Event
			fmt.Fprintf(&b, `<item><title>%s</title><link>%s</link><guid>%s</guid><pubDate>%s</pubDate><description>%s</description></item>`,
				html.EscapeString(r.Title), link, link, r.Published.Format(time.RFC1123Z), html.EscapeString(r.Summary))
		}
		b.WriteString(`</channel></rss>`)
		doc := b.String()
		mux.HandleFunc(path, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprint(w, doc)
		})
		fmt.Fprintf(&feeds, "  - url: %s%s\n", srv.URL, path)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "feedwatch.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`data_dir: %s
topics_file: %s
log: {level: warn, format: text}
retention: {max_age: 0s}
web: {listen: ""}
feeds:
%s`, dir, filepath.Join("..", "..", "config", "topics.yaml"), feeds.String())), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCLI(t, nil, "poll", "--config", cfg); code != 0 {
		t.Fatalf("poll: %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut := runCLI(t, nil, "digest", "--preview", "--json", "--topic", "us-russia", "--config", cfg)
	if code != 0 {
		t.Fatalf("digest --preview --json: %d\n%s", code, errOut)
	}
	var preview struct {
		Topic   string
		Stories []struct {
			Title, Link string
			Items       []struct{ Title, Link, Source, Lang string }
		}
	}
	if err := json.Unmarshal([]byte(out), &preview); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	storyOf := map[string]int{}
	for i, s := range preview.Stories {
		if s.Title == "" || s.Link == "" || len(s.Items) == 0 {
			t.Errorf("story %d: %+v", i, s)
		}
		for _, it := range s.Items {
			if _, dup := storyOf[it.Link]; dup {
				t.Errorf("%s is in two stories", it.Link)
			}
			if it.Lang != "en" && it.Lang != "ru" {
				t.Errorf("%s: lang %q", it.Link, it.Lang)
			}
			storyOf[it.Link] = i
		}
	}
	var links []string
	for l := range storyOf {
		links = append(links, l)
	}
	var tp, fp, fn int
	for i := range links {
		for j := i + 1; j < len(links); j++ {
			same := eventOf[links[i]] == eventOf[links[j]]
			grouped := storyOf[links[i]] == storyOf[links[j]]
			switch {
			case same && grouped:
				tp++
			case grouped:
				fp++
			case same:
				fn++
			}
		}
	}
	precision, recall := float64(tp)/float64(max(tp+fp, 1)), float64(tp)/float64(max(tp+fn, 1))
	t.Logf("%d of %d reports matched, %d stories; pairwise precision %.3f, recall %.3f (%d pairs right, %d wrongly joined, %d missed)",
		len(links), len(eventOf), len(preview.Stories), precision, recall, tp, fp, fn)
	if len(links) < len(eventOf)*3/4 {
		t.Errorf("only %d of %d reports matched the topic", len(links), len(eventOf))
	}
	if precision < 0.90 || recall < 0.80 {
		t.Errorf("pairwise precision %.3f, recall %.3f: want at least 0.90 and 0.80", precision, recall)
	}
}
