package parse_test

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/normalize"
	"github.com/feedwatch/feedwatch/internal/parse"
)

var showMismatches = flag.Int("mismatches", 0, "log up to this many reference mismatches per field")

// Shared with testdata/reference.py: the base URL and content type a
// document is treated as served with when its header says nothing.
const (
	defaultBase = "http://feedwatch.example/feed.xml"
	defaultType = "application/xml"
)

// sharedDir finds shared/testdata/<name> by walking up from the package
// directory: in CI shared/ sits beside the repository clone.
func sharedDir(t testing.TB, name string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		for _, cand := range []string{filepath.Join(dir, "shared", "testdata", name), filepath.Join(dir, "..", "shared", "testdata", name)} {
			if fi, err := os.Stat(cand); err == nil && fi.IsDir() {
				return cand
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skipf("shared/testdata/%s not found above the package directory; skipping the corpus test", name)
		}
		dir = parent
	}
}

var headerLine = regexp.MustCompile(`(?m)^Header:\s*([A-Za-z-]+):\s*(.*?)\s*$`)

// served returns the Content-Type and base URL a document declares in its
// "Header:" lines, as reference.py reads them.
func served(doc []byte) (contentType, base string) {
	contentType, base = defaultType, defaultBase
	head := doc[:min(len(doc), 4096)]
	for _, m := range headerLine.FindAllSubmatch(head, -1) {
		switch strings.ToLower(string(m[1])) {
		case "content-type":
			contentType = string(m[2])
		case "content-location":
			base = string(m[2])
		}
	}
	return contentType, base
}

// TestCorpusRobustness parses every document of python feedparser's test
// suite: nothing may panic or take more than a second, and well-formed
// documents must give a feed or an error that says why.
func TestCorpusRobustness(t *testing.T) {
	root := sharedDir(t, "feedparser")
	var n, feeds, notFeeds, failed int
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".xml") || strings.HasSuffix(path, ".json")) {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		doc, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		ct, base := served(doc)
		if strings.HasSuffix(path, ".json") && ct == defaultType {
			ct = "application/feed+json"
		}
		n++
		start := time.Now()
		feed, perr := parse.Parse(doc, ct, base)
		var items int
		if perr == nil {
			all := normalize.Items(feed, base, start)
			items = len(all)
			// A poll skips stored entries by Keys; they must be the
			// keys Items gives, or stored entries would come back.
			keys := normalize.Keys(feed, base, start)
			if len(keys) != len(all) {
				t.Errorf("%s: %d keys for %d items", rel, len(keys), len(all))
			}
			for i := range min(len(keys), len(all)) {
				if keys[i] != all[i].Key {
					t.Errorf("%s: entry %d: Keys gives %q, Items %q", rel, i, keys[i], all[i].Key)
				}
			}
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s: took %v", rel, d)
		}
		switch {
		case perr == nil:
			feeds++
			_ = items
		case errors.Is(perr, parse.ErrNotAFeed):
			notFeeds++
		default:
			failed++
		}
		if perr != nil && strings.HasPrefix(rel, "wellformed"+string(filepath.Separator)) {
			if perr.Error() == "" || !strings.Contains(perr.Error(), base) {
				t.Errorf("%s: unclear error %q", rel, perr)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d documents: %d feeds, %d not feeds, %d syntax errors", n, feeds, notFeeds, failed)
}

type refEntry struct {
	Link, Title, Date string
}

type refDoc struct {
	Bozo    bool
	Error   string
	Entries []refEntry
}

// TestFeedparserReference compares feedwatch's parse+normalize with python
// feedparser on the well-formed documents, from the golden file that
// testdata/reference.py writes.
func TestFeedparserReference(t *testing.T) {
	root := sharedDir(t, "feedparser")
	raw, err := os.ReadFile(filepath.Join("testdata", "feedparser-reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref map[string]refDoc
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}

	type tally struct{ agree, total, valued, valuedAgree, extra int }
	var docs, links, titles, dates tally
	shown := map[string]int{}
	miss := func(field, rel string, want, got any) {
		if shown[field] < *showMismatches {
			shown[field]++
			t.Logf("%s %s: want %q got %q", field, rel, want, got)
		}
	}
	fetched := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for rel, rd := range ref {
		if rd.Error != "" {
			continue // the reference crashed on it: nothing to compare with
		}
		doc, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatalf("%s: %v (regenerate the golden file?)", rel, err)
		}
		ct, base := served(doc)
		var items []itemView
		if feed, err := parse.Parse(doc, ct, base); err == nil {
			for _, it := range normalize.Items(feed, base, fetched) {
				v := itemView{link: it.Link, title: it.Title}
				if !it.DateMissing {
					v.date = it.Published.UTC().Format(time.RFC3339)
				}
				items = append(items, v)
			}
		}
		docs.total++
		if len(items) == len(rd.Entries) {
			docs.agree++
		} else {
			miss("count", rel, fmt.Sprint(len(rd.Entries)), fmt.Sprint(len(items)))
		}
		for i, re := range rd.Entries {
			var got itemView
			if i < len(items) {
				got = items[i]
			}
			// Every reference item counts: agreeing that an entry has no
			// link (or date) is agreement too. The stricter figure over
			// items where the reference has a value is logged beside it.
			compare := func(tl *tally, field, want, have string) {
				tl.total++
				if want == have {
					tl.agree++
				} else {
					miss(field, rel, want, have)
				}
				if want == "" {
					if have != "" {
						tl.extra++
					}
					return
				}
				tl.valued++
				if want == have {
					tl.valuedAgree++
				}
			}
			compare(&links, "link", re.Link, got.link)
			compare(&titles, "title", re.Title, got.title)
			compare(&dates, "date", re.Date, got.date)
		}
	}
	pct := func(tl tally) float64 { return 100 * float64(tl.agree) / float64(max(tl.total, 1)) }
	t.Logf("agreement with python feedparser over %d well-formed documents:", docs.total)
	t.Logf("  item count: %.1f%% (%d/%d documents)", pct(docs), docs.agree, docs.total)
	pv := func(tl tally) float64 { return 100 * float64(tl.valuedAgree) / float64(max(tl.valued, 1)) }
	for _, f := range []struct {
		name string
		tl   tally
	}{{"link", links}, {"title", titles}, {"date", dates}} {
		t.Logf("  %-10s %.1f%% (%d/%d items); where the reference has one: %.1f%% (%d/%d); we have one where it has none: %d",
			f.name+":", pct(f.tl), f.tl.agree, f.tl.total, pv(f.tl), f.tl.valuedAgree, f.tl.valued, f.tl.extra)
	}
	for _, c := range []struct {
		name string
		tl   tally
		min  float64
	}{{"item count", docs, 99}, {"link", links, 99}, {"title", titles, 99}, {"date", dates, 95}} {
		if pct(c.tl) < c.min {
			t.Errorf("%s agreement %.1f%% is below %.0f%%", c.name, pct(c.tl), c.min)
		}
	}
}

type itemView struct{ link, title, date string }
