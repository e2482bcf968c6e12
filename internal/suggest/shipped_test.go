package suggest

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/feedwatch/feedwatch/internal/match"
	"github.com/feedwatch/feedwatch/internal/topic"
)

// unread are labelled files kept for measuring the next change to the
// rules (docs/rules.md): nothing reads them until then. A new one is
// added here when it is written, and leaves when it has been read; every
// labelled file there is has now been read, so the map stays empty until
// a new one is written.
var unread = map[string]bool{}

// labelledSets reads every labelled file in testdata/relevance that has
// been read.
func labelledSets(t *testing.T) []Item {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "relevance", "*.jsonl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no labelled files: %v", err)
	}
	var out []Item
	for _, name := range files {
		if unread[filepath.Base(name)] {
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		ls, err := topic.ReadLabelled(f, name)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range ls {
			out = append(out, Item{ID: filepath.Base(name) + ":" + l.ID, Title: l.Title, Doc: l.Document(), Relevant: l.Relevant})
		}
	}
	return out
}

// TestSuggestFindsRemovedTerm takes one term out of the shipped rules and
// asks for suggestions on the labelled sets: the term, or one that matches
// the same words, must be among the first three for its group. The terms
// are the sides' whose removal loses at least two labelled items. Left
// out are those whose return, on these labels, is not worth its cost, so
// that the method rightly does not propose them: Госдеп* (one item, below
// edits that fix two), Putin and Trump (the Brazilian president's calls
// to both, thirdcountry.jsonl t22), and Washington and Москв*, whose
// returns bring back too many false positives for the method to propose
// them (Putin and Xi as "the two leaders" with Washington in passing,
// unseen4.jsonl q074). =US stays in the list: with every labelled file
// that has been read, its return fixes sixty-three items and brings back
// twelve false positives, more than twice what it breaks (unseen32.jsonl,
// the last read, moved neither count: each of its items that says "US"
// names the American side by another name too). docs/rules.md says,
// change by change and set by set, how those counts moved and which
// items make them.
func TestSuggestFindsRemovedTerm(t *testing.T) {
	set, err := topic.Load(filepath.Join("..", "..", "config", "topics.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	shipped, _ := set.Topic("us-russia")
	items := labelledSets(t)
	tests := []struct{ group, term string }{
		{"Russian side", "Moscow"},
		{"Russian side", "Russian"},
		{"Russian side", "Kremlin"},
		{"Russian side", "Росси*"},
		{"Russian side", "Лавров*"},
		{"American side", "=US"},
		{"American side", "White House"},
		{"American side", "США"},
		{"American side", "Америк*"},
		{"American side", "Вашингтон*"},
	}
	for _, tt := range tests {
		t.Run(tt.term, func(t *testing.T) {
			rules := shipped.Rules
			rules.All = slices.Clone(rules.All)
			found := false
			for i, g := range rules.All {
				if g.Name == tt.group {
					rules.All[i].Terms = slices.DeleteFunc(slices.Clone(g.Terms), func(s string) bool { return s == tt.term })
					found = len(rules.All[i].Terms) < len(g.Terms)
				}
			}
			if !found {
				t.Fatalf("no term %q in group %q", tt.term, tt.group)
			}
			removed, _ := match.ParseTerm(tt.term, false)
			got, err := Suggest(rules, items, nil, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var forGroup []Suggestion
			for _, s := range got {
				if s.Change.Section == topic.SectionAll && s.Change.Group == tt.group {
					forGroup = append(forGroup, s)
				}
			}
			for i, s := range forGroup {
				t.Logf("%d. %s: fixes %d, breaks %d (%s)", i+1, s.Change, len(s.Fixes), len(s.Breaks), s.Why)
			}
			for _, s := range forGroup[:min(3, len(forGroup))] {
				if c, err := match.ParseTerm(s.Change.Term, false); err == nil && (c.Covers(removed) || removed.Covers(c)) {
					return
				}
			}
			t.Errorf("%q is not among the first three suggestions for %q", tt.term, tt.group)
		})
	}
}
