package topic

import (
	"strings"
	"testing"

	"github.com/feedwatch/feedwatch/internal/match"
)

// FuzzRulesMatch compiles any topics file and, when it is accepted, matches
// any item against it: rules text and item text together, which FuzzCompile
// (fixed item) and match.FuzzMatch (fixed rules) each hold still.
func FuzzRulesMatch(f *testing.F) {
	f.Add(valid, "US and Russia open arms control talks in Geneva", "The Kremlin said")
	f.Add("topics:\n  - id: t\n    name: T\n    rules:\n      all:\n        a: [Бел* дом*]\n        b: [=US]\n      near: 3\n      not: [Moscow Idaho]\n", "Белый дом и US", "Moscow, Idaho")
	f.Add("topics:\n  - id: t\n    name: T\n    rules: {any: [café*], fold_diacritics: true, min_score: 0, fields: {title: 1}}\n", "CAFE cafés", "")
	f.Fuzz(func(t *testing.T, src, title, summary string) {
		s, err := Parse(strings.NewReader(src), "f.yaml")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.yaml:") {
				t.Fatalf("error without file name: %v", err)
			}
			return
		}
		doc := match.Document{Title: title, Summary: summary, Content: summary}
		res := s.Match(doc)
		if len(res) != len(s.Topics()) {
			t.Fatalf("%d results for %d topics", len(res), len(s.Topics()))
		}
		again := s.Match(doc)
		for i, r := range res {
			if r.Matched && (r.Vetoed != "" || len(r.Missing) > 0) {
				t.Fatalf("matched yet vetoed or missing: %+v", r)
			}
			if r.Matched != again[i].Matched || r.Score != again[i].Score {
				t.Fatalf("not deterministic: %+v vs %+v", r, again[i])
			}
			if r.Score < 0 {
				t.Fatalf("negative score %v", r.Score)
			}
		}
	})
}
