package story

import (
	"fmt"
	"os"
	"slices"
	"testing"
)

// developmentSets are the labelled sets the grouping is tuned and judged
// on, and the model (model.go) is fitted on: the sets that have been
// read, all but three (below). The first, tuning.jsonl, was the only one
// until the busy days of unseen3.jsonl and unseen4.jsonl showed what it
// lacks; a set is added here once it has been read, and the next unread set
// (testdata/stories/README.md) is the measurement. A set read once at the
// end of a change joins them at the next change, with a new fit, unless
// the fit with it breaks a floor. Fitted with unseen18.jsonl,
// unseen19.jsonl or unseen20.jsonl, the model joins a Kremlin aide's word
// on a summit's date to the ministers' talks that prepare it and costs
// unseen7.jsonl its precision floor, and other sets theirs too; fitted
// with those three and unseen21.jsonl, it costs unseen4, unseen7,
// unseen13, unseen17 and unseen21 theirs (docs/digest.md), so those four
// are held by their floors alone.
var developmentSets = []string{"tuning.jsonl", "holdout.jsonl", "unseen.jsonl", "unseen2.jsonl", "unseen3.jsonl", "unseen4.jsonl", "unseen5.jsonl", "unseen6.jsonl", "unseen7.jsonl", "unseen8.jsonl", "unseen9.jsonl", "unseen10.jsonl", "unseen11.jsonl", "unseen12.jsonl", "unseen13.jsonl", "unseen14.jsonl", "unseen15.jsonl", "unseen16.jsonl", "unseen17.jsonl"}

// readSets are every set that has been read: the development sets, the
// sets left out of the fit, and the one read at the end of the latest
// change, which hold floors too.
var readSets = append(slices.Clone(developmentSets), "unseen18.jsonl", "unseen19.jsonl", "unseen20.jsonl", "unseen21.jsonl", "unseen22.jsonl", "unseen23.jsonl", "unseen24.jsonl", "unseen25.jsonl", "unseen26.jsonl", "unseen27.jsonl", "unseen28.jsonl", "unseen29.jsonl", "unseen30.jsonl", "unseen31.jsonl", "unseen32.jsonl", "unseen33.jsonl", "unseen34.jsonl", "unseen35.jsonl", "unseen36.jsonl", "unseen37.jsonl", "unseen38.jsonl", "unseen39.jsonl", "unseen40.jsonl", "unseen41.jsonl", "unseen42.jsonl", "unseen43.jsonl", "unseen44.jsonl", "unseen45.jsonl", "unseen46.jsonl", "unseen47.jsonl", "unseen48.jsonl", "unseen49.jsonl", "unseen50.jsonl", "unseen51.jsonl", "unseen52.jsonl", "unseen53.jsonl", "unseen54.jsonl", "unseen55.jsonl")

func loadSets(tb testing.TB, names []string) [][]labelled {
	out := make([][]labelled, len(names))
	for i, n := range names {
		out[i] = loadSet(tb, n)
	}
	return out
}

// objective is what tuning maximises: for each set, F1 less a penalty for
// precision under 0.92, averaged over the conditions a digest sees the
// reports in (pipeline_test.go: in publication order, up to six hours
// late, 15% left out, both); the mean over the sets, less a penalty for
// each pair the trap cases (trap_test.go) get wrong. It returns the first
// set's figures in publication order too.
func objective(sets [][]labelled, p params) (float64, metrics) {
	var sum float64
	var first metrics
	for k, set := range sets {
		for i, c := range conditions {
			m := c.measure(set, Options{p: &p})
			if k == 0 && i == 0 {
				first = m
			}
			sum += m.F1 - 2*max(0, 0.92-m.P)
		}
	}
	return sum/float64(len(conditions)*len(sets)) - 0.02*float64(len(trapErrors(Options{p: &p}))), first
}

// TestTune searches the parameters one at a time on the development sets
// (coordinate ascent). Run with STORY_TUNE=1 go test ./internal/story/
// -run TestTune -v.
func TestTune(t *testing.T) {
	if os.Getenv("STORY_TUNE") == "" {
		t.Skip("set STORY_TUNE=1")
	}
	set := loadSets(t, developmentSets)
	p := defaultParams
	if v := os.Getenv("STORY_TUNE_LINK"); v != "" {
		fmt.Sscan(v, &p.link)
	}
	best, m := objective(set, p)
	t.Logf("start %.4f %v", best, m)
	type knob struct {
		name   string
		values []float64
		set    func(*params, float64)
	}
	knobs := []knob{
		{"threshold", []float64{0.08, 0.1, 0.12, 0.14, 0.16, 0.18, 0.2, 0.22, 0.25, 0.3}, func(p *params, v float64) { p.threshold = v }},
		{"tau", []float64{12, 18, 24, 30, 36, 42, 48}, func(p *params, v float64) { p.tau = v }},
		{"conflict", []float64{0.2, 0.35, 0.5, 0.65, 0.8, 1}, func(p *params, v float64) { p.conflict = v }},
		{"actors", []float64{0.2, 0.35, 0.5, 0.65, 0.8, 1}, func(p *params, v float64) { p.pairHeads[headWho] = v }},
		{"places", []float64{0.2, 0.35, 0.5, 0.65, 0.8, 1}, func(p *params, v float64) { p.storyHeads[headWhere] = v }},
		{"figures", []float64{0.2, 0.35, 0.5, 0.65, 0.8, 1}, func(p *params, v float64) { p.pairHeads[headFigure] = v }},
		{"titleWeight", []float64{1, 1.5, 2, 3, 4}, func(p *params, v float64) { p.titleWeight = v }},
		{"link", []float64{linkBest, linkMean}, func(p *params, v float64) { p.link = int(v) }},
		{"nameMiss", []float64{0.1, 0.25, 0.35, 0.5, 0.75, 1}, func(p *params, v float64) { p.nameMiss = v }},
		{"sidesMiss", []float64{0, 1}, func(p *params, v float64) { p.sidesMiss = v == 1 }},
		{"sideWords", []float64{0, 1}, func(p *params, v float64) { p.sideWords = v == 1 }},
		{"missWords", []float64{0, 1, 2, 3, 4}, func(p *params, v float64) { p.missWords = int(v) }},
		{"speakerWeight", []float64{0, 0.25, 0.5, 1}, func(p *params, v float64) { p.speakerWeight = v }},
		{"subjectConflict", []float64{0.1, 0.2, 0.35, 0.5, 0.75, 1}, func(p *params, v float64) { p.subjectConflict = v }},
		{"merge", []float64{0, 1}, func(p *params, v float64) { p.merge = v == 1 }},
		{"square", []float64{0, 1}, func(p *params, v float64) { p.square = v == 1 }},
		{"sideWeight", []float64{0, 0.25, 0.5, 0.75, 1}, func(p *params, v float64) { p.sideWeight = v }},
	}
	for k, name := range []string{"name", "word", "concept", "number", "gloss"} {
		knobs = append(knobs, knob{"weight " + name, []float64{0, 0.25, 0.5, 0.75, 1, 1.5, 2}, func(p *params, v float64) { p.weight[k] = v }})
	}
	if os.Getenv("STORY_TUNE") == "weights" {
		// Only the weights and the threshold; the rest stay at values
		// chosen for what they mean (docs/digest.md).
		knobs = append(knobs[:1], knobs[len(knobs)-numKinds:]...)
	}
	for round := 0; round < 4; round++ {
		improved := false
		for _, kn := range knobs {
			for _, v := range kn.values {
				q := p
				kn.set(&q, v)
				if !atFloors(set, q) {
					continue
				}
				if o, m := objective(set, q); o > best+1e-9 {
					best, p, improved = o, q, true
					t.Logf("round %d %s=%v: %.4f %v", round, kn.name, v, o, m)
				}
			}
		}
		if !improved {
			break
		}
	}
	fmt.Printf("best %.4f: %+v\n", best, p)
}

// atFloors reports whether p keeps every development set at its floor
// (quality_test.go) in publication order: tuning may trade precision and
// recall between sets only above them. sets are developmentSets, loaded
// in that order (loadSets).
func atFloors(sets [][]labelled, p params) bool {
	for i, set := range sets {
		f, ok := floors[developmentSets[i]]
		if !ok {
			continue
		}
		m, _ := evaluate(arrival(set, 0, 0), Options{p: &p})
		if m.P < f.P || m.R < f.R {
			return false
		}
	}
	return true
}

// TestThresholdSweep prints the objective and the tuning set's precision
// and recall for thresholds around the default (STORY_TUNE=1).
func TestThresholdSweep(t *testing.T) {
	if os.Getenv("STORY_TUNE") == "" {
		t.Skip("set STORY_TUNE=1")
	}
	set := loadSets(t, developmentSets)
	for _, th := range []float64{0.08, 0.09, 0.1, 0.11, 0.12, 0.13, 0.14, 0.15, 0.16, 0.18, 0.2} {
		p := defaultParams
		p.threshold = th
		o, m := objective(set, p)
		t.Logf("threshold %.2f: objective %.4f  %v  trap errors %d", th, o, m, len(trapErrors(Options{p: &p})))
	}
}
