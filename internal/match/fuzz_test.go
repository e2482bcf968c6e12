package match

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzMatch checks that no text makes the matcher panic and that every
// result is consistent with itself.
func FuzzMatch(f *testing.F) {
	f.Add("Kremlin rejects Washington's offer", "U.S.–Russia talks, New START")
	f.Add("Посол России в Вашингтоне", "В Белом доме ответили Москве")
	f.Add("Moscow, Idaho", "Russian dressing")
	f.Add("U.S.", "a.b.c.d. O'Brien's ’s ' ’")
	f.Add("\xff\xfe", "e\u0301 ß İ ё")
	r := twoSides
	r.Near = 8
	r.Weights = map[string]float64{FieldTitle: 3, FieldSummary: 1, FieldContent: 1}
	r.MinScore = 2
	r2 := Rules{TopicID: "fold", Any: []string{"café*", "=Abcd", "naïve phrase"}, Not: []string{"x y z"}, FoldDiacritics: true}
	r.TopicID = "t"
	e, err := Compile([]Rules{r, r2})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, title, summary string) {
		doc := Document{Title: title, Summary: summary, Content: summary + " " + title}
		res := e.Match(doc)
		if len(res) != 2 {
			t.Fatalf("%d results for 2 topics", len(res))
		}
		counts := map[string]int{
			FieldTitle:   len(tokenize(title, false, nil)),
			FieldSummary: len(tokenize(summary, false, nil)),
			FieldContent: len(tokenize(doc.Content, false, nil)),
		}
		for _, r := range res {
			if r.Matched && (r.Vetoed != "" || len(r.Missing) > 0) {
				t.Fatalf("matched yet vetoed or missing: %+v", r)
			}
			if r.Reason == "" || !utf8.ValidString(r.Reason) && utf8.ValidString(title+summary) {
				t.Fatalf("bad reason %q", r.Reason)
			}
			for k := 1; k < len(r.Hits); k++ {
				a, b := r.Hits[k-1], r.Hits[k]
				if fa, fb := slices.Index(Fields, a.Field), slices.Index(Fields, b.Field); fa > fb || fa == fb && a.Pos > b.Pos {
					t.Fatalf("hits out of reading order: %+v before %+v", a, b)
				}
			}
			for _, h := range r.Hits {
				if h.Pos < 0 || h.Pos >= counts[h.Field] {
					t.Fatalf("hit %+v outside %s of %d words", h, h.Field, counts[h.Field])
				}
				if !slices.Contains(r.Terms, h.Term) {
					t.Fatalf("hit term %q not in Terms %q", h.Term, r.Terms)
				}
			}
		}
		again := e.Match(doc)
		for i := range res {
			if res[i].Matched != again[i].Matched || res[i].Score != again[i].Score || strings.Join(res[i].Terms, "|") != strings.Join(again[i].Terms, "|") {
				t.Fatalf("not deterministic: %+v vs %+v", res[i], again[i])
			}
		}
	})
}

// FuzzParseTerm checks that any spelling either compiles to a usable term
// or is refused with ErrTerm, and that a compiled term finds its own text.
func FuzzParseTerm(f *testing.F) {
	for _, s := range []string{"Russia", "=US", "Бел* дом*", "a*b", "***", "U.S.", "ab'cd", " x ", "=", "\xff*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		term, err := ParseTerm(s, true)
		if err != nil {
			return
		}
		if len(term.Words) == 0 {
			t.Fatalf("ParseTerm(%q) returned no words and no error", s)
		}
		e, err := Compile([]Rules{{TopicID: "f", Any: []string{s}, FoldDiacritics: true}})
		if err != nil {
			t.Fatalf("ParseTerm accepted %q but Compile refused it: %v", s, err)
		}
		// The term's own words, written out, must match it.
		var b strings.Builder
		for _, w := range term.Words {
			b.WriteString(w.Orig)
			b.WriteByte(' ')
		}
		if res := e.Match(Document{Title: b.String()})[0]; !res.Matched {
			t.Fatalf("term %q does not match its own words %q: %s", s, b.String(), res.Reason)
		}
	})
}
