package story

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// Each line of the glossary joins the two languages, and none is dead: a
// form the concept table already reads is read as the concept, never as
// the glossary's word, and a short prefix would catch unrelated words
// («спас*» is also «спасибо»).
func TestGlossaryTable(t *testing.T) {
	if len(glossary) < 150 {
		t.Fatalf("glossary has %d lines", len(glossary))
	}
	latin, cyrillic := make([]bool, len(glossary)), make([]bool, len(glossary))
	for first, forms := range glossaryForms {
		for _, cf := range forms {
			id := glossary[cf.concept].id
			r, _ := utf8.DecodeRuneInString(first)
			if unicode.Is(unicode.Cyrillic, r) {
				cyrillic[cf.concept] = true
			} else {
				latin[cf.concept] = true
			}
			for k, p := range cf.parts {
				if cf.prefix[k] && utf8.RuneCountInString(p) < 3 {
					t.Errorf("%s: prefix %q* is too short", id, p)
				}
			}
			ws := words(strings.Join(cf.parts, " "), nil)
			if c, n := matchConcept(ws, 0); n > 0 {
				t.Errorf("%s: %q is read as the concept %s", id, strings.Join(cf.parts, " "), concepts[c].id)
			}
		}
	}
	for i, g := range glossary {
		if !latin[i] || !cyrillic[i] {
			t.Errorf("%s: want forms in both languages", g.id)
		}
	}
}

// Across languages, a word both headlines use counts as a word shared in
// one language does, where it raises the pair's score; a glossary word
// shared in the summaries only does not: "rocket" is a satellite's launch
// and a missile's.
func TestGlossaryAcrossLanguages(t *testing.T) {
	with, without := cutGroupers(func(p *params) { p.weight[kindIndex(kindGloss)] = 0 })
	rescue := Report{Title: "Спасатели сняли экипаж яхты со льдины", Text: "Моряков доставили в больницу.", Lang: "ru"}
	tests := []struct {
		a, b Report
		more bool // scores more with the glossary than without
	}{
		{rescue, Report{Title: "Rescuers lift yacht crew off ice floe", Text: "The sailors were taken to hospital.", Lang: "en"}, true},
		{rescue, Report{Title: "Yacht crew taken off ice floe", Text: "Rescuers reached the sailors by helicopter.", Lang: "en"}, true},
		// Only the summaries share the glossary's words.
		{rescue, Report{Title: "Governor visits Alaska", Text: "He met rescuers and sailors in Nome.", Lang: "en"}, false},
		// Both in one language: their words are compared already.
		{rescue, Report{Title: "Спасатели сняли с льдины экипаж яхты", Text: "Моряков доставили в больницу.", Lang: "ru"}, false},
		{
			Report{Title: "Россия вывела на орбиту спутник связи", Text: "Ракета «Союз» стартовала с Плесецка.", Lang: "ru"},
			Report{Title: "Russia test-fires Yars from Plesetsk", Text: "The missile hit its target in Kamchatka.", Lang: "en"},
			false,
		},
	}
	for _, tt := range tests {
		on, off := pairScores(with, without, tt.a, tt.b, 1)
		if more := on > off; more != tt.more || on < off {
			t.Errorf("%q: %.3f with the glossary, %.3f without; want more %v", tt.b.Title, on, off, tt.more)
		}
	}
}
