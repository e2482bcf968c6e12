package story

import (
	"fmt"
	"strings"
	"testing"
)

// ablations switch off one signal each, or, for a variant, change the
// settings to an alternative that is not shipped. A row that changes
// what the model reads (drop, or settings that change the features)
// fits the model again without it, so that the row measures the signal
// and not a model fitted to another input.
var ablations = []struct {
	name    string
	off     func(*params)
	drop    []int // features the model is fitted without
	variant bool
}{
	{"all signals", nil, nil, false},
	{"no names", nil, nameFeatures, false},
	{"no words (same language)", nil, []int{featWords, featSameLang, featTimeWords, featSharedWords}, false},
	{"no concepts", nil, []int{featConcepts, featBothConcepts, featTimeConcepts, featTitleTopic, featActions, featActionAgree}, false},
	{"no subjects", nil, []int{featSubjects, featSubjectAgree, featSameSubject}, false},
	{"no figures", nil, []int{featFigures, featBothFigures, featOtherFigure, featAgreeFigure}, false},
	{"no time", nil, []int{featTime, featDays, featTimeNames, featTimeWords, featTimeConcepts}, false},
	{"no subject concepts in the text", func(p *params) { p.noSubjects = true }, nil, false},
	{"no transliteration of names", func(p *params) { p.noKey = true }, nil, false},
	{"no built-in aliases", func(p *params) { p.noAliases = true }, nil, false},
	{"names after \"in\" and \"в\" are not places", func(p *params) { p.locative = false }, nil, false},
	{"no place adjectives", func(p *params) { p.noPlaceAdjectives = true }, nil, false},
	{"headline counts as summary", func(p *params) { p.titleWeight = 1 }, nil, false},
	{"no actor factor", func(p *params) { p.pairHeads[headWho] = 1 }, nil, false},
	{"no place factor against a story", func(p *params) { p.storyHeads[headWhere] = 1 }, nil, false},
	{"no merging of stories", func(p *params) { p.merge = false }, nil, false},
	{"no quorum", func(p *params) { p.quorum = 0 }, nil, false},
	{"best link, not mean", func(p *params) { p.link = linkBest }, nil, false},
	{"the hand-set score of the previous release", func(p *params) { *p = handParams() }, nil, true},
	{"the sides' names counted among the words too", func(p *params) { p.sideWords = true }, nil, true},
	{"names of the sides at half weight", func(p *params) { p.sideWeight = 0.5 }, nil, true},
	{"spokespeople's names at a quarter weight, never a headline's who", func(p *params) { p.speakerWeight = 0.25 }, nil, true},
}

// nameFeatures are the features the model reads from names.
var nameFeatures = []int{featNames, featBothNamed, featSharedNames, featRarestName, featTimeNames, featAgreeWho, featAgreeWhere,
	featOnlySpeakers, featSharedActors, featOtherWho, featOtherWhere}

// ablated returns the settings of row a: the change, and the model
// fitted again when the change alters what it reads.
func ablated(dev [][]labelled, off func(*params), drop []int) params {
	p := defaultParams
	if off == nil && drop == nil {
		return p
	}
	if off != nil {
		off(&p)
	}
	if p.model != nil && (drop != nil || readsDifferently(p)) {
		m := fitSets(dev, p, drop...)
		p.model = &m
	}
	return p
}

// readsDifferently reports whether p reads reports otherwise than the
// shipped settings, so that the model must be fitted again.
func readsDifferently(p params) bool {
	d := defaultParams
	return p.titleWeight != d.titleWeight || p.locative != d.locative || p.sideWords != d.sideWords ||
		p.sideWeight != d.sideWeight || p.speakerWeight != d.speakerWeight || p.noAliases != d.noAliases ||
		p.noKey != d.noKey || p.noPlaceAdjectives != d.noPlaceAdjectives || p.noSubjects != d.noSubjects || p.tau != d.tau
}

// TestAblation measures what each signal adds: precision and recall on
// every set read so far, in publication order, with that signal switched
// off, and the variants beside them; and the mean F1 of the development
// sets cross-validated (model_test.go), which measures the model on
// reports it has not learnt from. The table goes into docs/digest.md; run
// with -v to see it. No signal may do harm: switching one off must not
// raise the cross-validated F1 by more than 0.01. A variant may: the
// table says whether it keeps every set at its floor.
func TestAblation(t *testing.T) {
	if raceEnabled {
		// Figures of a single goroutine: the detector has nothing to
		// check and makes the fits and groupings ten times slower.
		t.Skip("measures figures; run it without -race")
	}
	names := readSets
	var b strings.Builder
	b.WriteString("\n| signal off |")
	for _, n := range names {
		fmt.Fprintf(&b, " %s P / R |", strings.TrimSuffix(n, ".jsonl"))
	}
	b.WriteString(" trap pairs wrong | busy-morning pairs wrong | cross-validated F1 | at the floors |\n|---" + strings.Repeat("|---", len(names)+4) + "|\n")
	sets := make([][]labelled, len(names))
	for i, n := range names {
		sets[i] = arrival(loadSet(t, n), 0, 0)
	}
	dev := loadSets(t, developmentSets)
	var full float64
	for i, a := range ablations {
		p := ablated(dev, a.off, a.drop)
		name := a.name
		if a.variant {
			name = "*(a variant, not shipped)* " + name
		}
		fmt.Fprintf(&b, "| %s |", name)
		for _, set := range sets {
			m, _ := evaluate(set, Options{p: &p})
			fmt.Fprintf(&b, " %.3f / %.3f |", m.P, m.R)
		}
		cv := "—"
		var mean float64
		if p.model != nil {
			_, mean = crossValidated(dev, p, a.drop...)
			cv = fmt.Sprintf("%.3f", mean)
		}
		floors := "yes"
		if !atFloors(dev, p) {
			floors = "no"
		}
		fmt.Fprintf(&b, " %d | %d | %s | %s |\n", len(trapErrors(Options{p: &p})), len(busyErrors(Options{p: &p})), cv, floors)
		if i == 0 {
			full = mean
		} else if p.model != nil && mean > full+0.01 && !a.variant {
			t.Errorf("%s: cross-validated F1 %.4f above %.4f with every signal", a.name, mean, full)
		}
	}
	t.Log(b.String())
}
