package story

import (
	"fmt"
	"strings"
	"testing"
)

// ablations switch off one signal each, or, for a variant, change the
// settings to an alternative that is not shipped.
var ablations = []struct {
	name    string
	off     func(*params)
	variant bool
}{
	{"all signals", func(*params) {}, false},
	{"no names", func(p *params) { p.weight[0] = 0 }, false},
	{"no words (same language)", func(p *params) { p.weight[1] = 0 }, false},
	{"no concepts", func(p *params) { p.weight[2] = 0 }, false},
	{"no numbers", func(p *params) { p.weight[3] = 0 }, false},
	{"no glossary (words across languages)", func(p *params) { p.weight[4] = 0 }, false},
	{"no subject concepts", func(p *params) { p.noSubjects = true }, false},
	{"no transliteration of names", func(p *params) { p.noKey = true }, false},
	{"no built-in aliases", func(p *params) { p.noAliases = true }, false},
	{"no sea read as one in both languages after the model (noSeas)", func(p *params) { p.noSeas = true }, false},
	{"no post read as its holder's name", func(p *params) { p.noOffices = true }, false},
	{"no time factor", func(p *params) { p.tau = 0 }, false},
	{"time factor 1/(1 + Δt/24 h), the earlier one", func(p *params) { p.square, p.tau = false, 24 }, false},
	{"no action conflict", func(p *params) { p.conflict = 1 }, false},
	{"no subject conflict", func(p *params) { p.subjectConflict = 1 }, false},
	{"no actor conflict", func(p *params) { p.pairHeads[headWho] = 1 }, false},
	{"no agency conflict", func(p *params) { p.pairHeads[headBody], p.storyHeads[headBody] = 1, 1 }, false},
	{"different agencies cut a pair's score only, not a report's against a story", func(p *params) { p.storyHeads[headBody] = 1 }, true},
	{"no place conflict", func(p *params) { p.storyHeads[headWhere] = 1 }, false},
	{"names after \"in\" and \"в\" are not places", func(p *params) { p.locative = false }, false},
	{"no place adjectives", func(p *params) { p.noPlaceAdjectives = true }, false},
	{"a report naming nothing is compared by its other kinds", func(p *params) { p.nameGap = false }, false},
	{"no merging of stories", func(p *params) { p.merge = false }, false},
	{"merging stories half of whose pairs are told apart as two events (mergeApart)", func(p *params) { p.mergeApart = 0 }, false},
	{"headline counts as summary", func(p *params) { p.titleWeight = 1 }, false},
	{"best link, not mean", func(p *params) { p.link = linkBest }, false},
	{"no veto by the fitted model", func(p *params) { p.veto = nil }, false},
	{"no cut for reports that share only the sides and places and no concept", func(p *params) { p.placeMiss = 1 }, false},
	{"no cut for a spokesperson's statements that share nothing else", func(p *params) { p.voiceMiss = 1 }, false},
	{"no cut for a third country's act (thirdMiss)", func(p *params) { p.thirdMiss = 1 }, false},
	{"one spokesperson's headlines on different actions cut once, not twice", func(p *params) { p.speakerConflict = 1 }, false},
	{"no cut for headlines that say who or where and share no name (headsMiss)", func(p *params) { p.headsMiss = 1 }, false},
	{"no cut for a relative's headline against a report that names no relative (kinMiss)", func(p *params) { p.kinMiss = 1 }, false},
	{"a freed prisoner's coming home read as a meeting, its airport as the event's place", func(p *params) { p.homecoming = false }, false},
	{"a court's custody order after a detention read as a court's action of its own", func(p *params) { p.remand = false }, false},
	{"no cut for a statement of what is to come against a later act (forecastMiss)", func(p *params) { p.forecastMiss = 1 }, false},
	{"a headline that names a day ahead not read as a statement of what is to come on that day (dates)", func(p *params) { p.dates = false }, false},
	{"no cut for one person's two statements that share nothing else (statementMiss)", func(p *params) { p.statementMiss = 1 }, false},
	{"no cut for one side's drills against an encounter of the two sides' forces (drillsMiss)", func(p *params) { p.drillsMiss = 1 }, false},
	{"a report joins a story half of whose reports are told apart from it as a statement half a day before or a third party's act (joinApart)", func(p *params) { p.joinApart = 0 }, false},
	{"a Russian headline's opening word that a preposition follows always read as who (openingNames)", func(p *params) { p.openingNames = false }, false},
	{"no lower bar for a commentary's headline (nameless)", func(p *params) { p.nameless = 0 }, false},
	{"only a headline that names nothing read as a commentary's (commentaryWords)", func(p *params) { p.commentaryWords = 0 }, false},
	{"a short headline whose names follow «над», «у», «из» not read as a commentary's (nearNames)", func(p *params) { p.nearNames = false }, false},
	{"no meeting of more than a day read as one sitting (meetingSpan)", func(p *params) { p.meetingSpan = 0 }, false},
	{"an aircraft's or a ship's number read as a figure to differ on (designations)", func(p *params) { p.designations = false }, false},
	{"answers to one act keep their speakers apart (reactions off)", func(p *params) { p.reactions = false }, false},
	{"a statement that says when its act comes cut as one that does not (soonMiss at forecastMiss)", func(p *params) { p.soonMiss = p.forecastMiss }, false},
	{"no cut of a third country's statement of what it will do (thirdFirst off)", func(p *params) { p.thirdFirst = false }, false},
	{"a third country's offer not cut as its word on what it will do is (thirdOffers off)", func(p *params) { p.thirdOffers = false }, false},
	{"a third country's answer to sanctions not cut as its word on what it will do is (thirdAnswers off)", func(p *params) { p.thirdAnswers = false }, false},
	{"a third country's statement of what it will do cut by half, as its act is (thirdFirstMiss at thirdMiss)", func(p *params) { p.thirdFirstMiss = p.thirdMiss }, false},
	{"no cut of a third country acting beside one side (thirdPair off)", func(p *params) { p.thirdPair = false }, false},
	{"a host's act cut only against a report that names the other side (hostActs off)", func(p *params) { p.hostActs = false }, false},
	{"a call's place not read as that of the meeting it discussed (callPlaces off)", func(p *params) { p.callPlaces = false }, false},
	{"a commentary's names do not put first the stories that name them (commentaryNames)", func(p *params) { p.commentaryNames = false }, false},
	{"no figure conflict (the earlier setting)", func(p *params) { p.pairHeads[headFigure] = 1 }, false},
	{"reports that share no name and no headline topic halved (the earlier setting)", func(p *params) { p.nameMiss = 0.5 }, true},
	{"the sides' names counted among the words too (the earlier setting)", func(p *params) { p.sideWords = true }, true},
	{"the busy-day variant", busyDay, true},
	{"names of the sides at half weight", func(p *params) { p.sideWeight = 0.5 }, true},
	{"names of the sides not counted", func(p *params) { p.sideWeight = 0 }, true},
	{"spokespeople's names at a quarter weight, never a headline's who", func(p *params) { p.speakerWeight = 0.25 }, true},
	{"two reports of one outlet at 0.35 of their score", func(p *params) { p.sameSource = 0.35 }, true},
	{"the fitted model alone, threshold 0.3, a quorum of a third (model.go)", modelVariant, true},
}

// busyDay is the variant first measured for busy days (docs/digest.md,
// "Busy days"): the sides are not a shared name, two shared words escape
// a quartered score, and the sides weigh three quarters of a name. It is
// not shipped.
func busyDay(p *params) {
	p.sidesMiss, p.sideWords, p.missWords = false, false, 2
	p.nameMiss, p.threshold, p.sideWeight = 0.25, 0.11, 0.75
}

// TestAblation measures what each signal adds: precision and recall on
// every set, in publication order, with that signal switched off, and the
// variants beside them. The table goes into docs/digest.md; run with -v
// to see it. On the development sets no signal may do harm: switching one
// off must not raise the objective (F1 over the conditions of
// pipeline_test.go, less penalties for precision under 0.92 and for trap
// pairs put wrong; see tune_test.go) by more than 0.01. A variant may:
// the table says whether it keeps every set at its floor.
func TestAblation(t *testing.T) {
	if raceEnabled {
		// Figures of a single goroutine: the detector has nothing to
		// check and makes the two hundred groupings ten times slower.
		t.Skip("measures figures; run it without -race")
	}
	names := developmentSets
	var b strings.Builder
	b.WriteString("\n| signal off |")
	for _, n := range names {
		label := strings.TrimSuffix(n, ".jsonl")
		if label == "holdout" {
			label = "held-out"
		}
		fmt.Fprintf(&b, " %s P / R |", label)
	}
	b.WriteString(" trap pairs wrong | busy-morning pairs wrong | objective | at the floors |\n|---" + strings.Repeat("|---", len(names)+4) + "|\n")
	sets := make([][]labelled, len(names))
	for i, n := range names {
		sets[i] = arrival(loadSet(t, n), 0, 0)
	}
	dev := loadSets(t, developmentSets)
	var full float64
	for i, a := range ablations {
		p := defaultParams
		a.off(&p)
		name := a.name
		if a.variant {
			name = "*(a variant, not shipped)* " + name
		}
		fmt.Fprintf(&b, "| %s |", name)
		for _, set := range sets {
			m, _ := evaluate(set, Options{p: &p})
			fmt.Fprintf(&b, " %.3f / %.3f |", m.P, m.R)
		}
		o, _ := objective(dev, p)
		floors := "yes"
		if !atFloors(dev, p) {
			floors = "no"
		}
		fmt.Fprintf(&b, " %d | %d | %.3f | %s |\n", len(trapErrors(Options{p: &p})), len(busyErrors(Options{p: &p})), o, floors)
		if i == 0 {
			full = o
		} else if o > full+0.01 && !a.variant && floors == "yes" {
			// A setting that scores higher over all the sets but drops some
			// under their floors is a trade, not a better setting: the
			// earlier time factor gains precision on the busy sets and
			// loses recall on nearly every other.
			t.Errorf("%s: tuning objective %.4f above %.4f with every signal, every set at its floor", a.name, o, full)
		}
	}
	t.Log(b.String())
}
