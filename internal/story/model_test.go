package story

import (
	"fmt"
	"go/format"
	"math"
	"os"
	"strings"
	"testing"
)

// example is one pair of labelled reports: its features and whether the
// two tell one event.
type example struct {
	x    [numInputs]float64
	same bool
}

// examples are the pairs of set as a grouper sees them: each report, in
// publication order, against every report of the window before it, with
// the rarities of that window. A quiet stretch of a few reports is weighed
// as the daemon weighs it, not as a slice of the whole set.
func examples(set []labelled, p params) []example {
	// The model's evidence is gathered only for a grouper that has one;
	// its weights do not matter here.
	p.model, p.veto = &pairModel{}, nil
	g := New(Options{p: &p})
	order := arrival(set, 0, 0)
	var out []example
	var a, b weighted
	for _, r := range reports(order) {
		r.Published = g.advance(r.Published)
		f := g.x.features(r)
		g.markFeatures(f)
		g.weigh(f, &a)
		for _, e := range g.heap {
			g.weigh(e.f, &b)
			ev := g.gather(&a, &b)
			hours := r.Published.Sub(e.at).Hours()
			x := pairFeatures(&a, &b, &ev, hours, p.tau, g.idf(0), g.handScore(&a, &b, &ev, hours))
			out = append(out, example{modelInputs(&x), order[r.ID-1].Event == order[e.id-1].Event})
		}
		g.insert(r.ID, r.Published, f, r.ID)
	}
	return out
}

// fit finds the model's weights by gradient descent on the log loss, with
// a small L2 penalty, from zero: the same examples give the same weights.
func fit(data []example) pairModel {
	const (
		rounds = 2000
		rate   = 0.5
		l2     = 1e-4
	)
	var m pairModel
	for range rounds {
		var grad pairModel
		for _, e := range data {
			d := m.probability(&e.x)
			if e.same {
				d--
			}
			for k, v := range e.x {
				grad[k] += d * v
			}
		}
		for k := range m {
			m[k] -= rate * (grad[k]/float64(len(data)) + l2*m[k])
		}
	}
	return m
}

// setExamples are the examples of every set, read with p.
func setExamples(sets [][]labelled, p params) []example {
	var data []example
	for _, set := range sets {
		data = append(data, examples(set, p)...)
	}
	return data
}

// modelVariant is grouping with the fitted model: its threshold is a
// probability, and it needs the quorum.
func modelVariant(p *params) {
	p.model, p.veto, p.threshold, p.quorum = &fittedModel, nil, 0.3, 1.0/3
}

// crossValidated fits the model on all development sets but one and
// groups that one, for each in turn, with the settings p and the model
// where use puts it: the figures of reports the model has not learnt
// from, in publication order, and their mean F1.
func crossValidated(sets [][]labelled, p params, use func(*params, *pairModel)) ([]metrics, float64) {
	out := make([]metrics, len(sets))
	var mean float64
	for i := range sets {
		others := append(append([][]labelled{}, sets[:i]...), sets[i+1:]...)
		m := fit(setExamples(others, p))
		q := p
		use(&q, &m)
		out[i], _ = evaluate(arrival(sets[i], 0, 0), Options{p: &q})
		mean += out[i].F1 / float64(len(sets))
	}
	return out, mean
}

// TestCrossValidation prints the cross-validated figures of each
// development set: of the model's veto with merges backed from levels
// around the shipped one, of vetoes at levels around the shipped one, and
// of the model alone at thresholds around its own; with the trap pairs
// each gets wrong with the shipped weights (STORY_TUNE=1).
func TestCrossValidation(t *testing.T) {
	if os.Getenv("STORY_TUNE") == "" {
		t.Skip("set STORY_TUNE=1")
	}
	sets := loadSets(t, developmentSets)
	var b strings.Builder
	b.WriteString("\n| setting |")
	for _, n := range developmentSets {
		fmt.Fprintf(&b, " %s P / R |", strings.TrimSuffix(n, ".jsonl"))
	}
	b.WriteString(" mean F1 | trap pairs wrong |\n|---" + strings.Repeat("|---", len(developmentSets)+2) + "|\n")
	row := func(name string, p params, use func(*params, *pairModel)) {
		ms, mean := crossValidated(sets, p, use)
		fmt.Fprintf(&b, "| %s |", name)
		for _, m := range ms {
			fmt.Fprintf(&b, " %.3f / %.3f |", m.P, m.R)
		}
		fmt.Fprintf(&b, " %.3f | %d |\n", mean, len(trapErrors(Options{p: &p})))
	}
	for _, mp := range []float64{0.3, 0.4, 0.5, 0.6} {
		p := defaultParams
		p.mergeProb = mp
		row(fmt.Sprintf("veto, merge from %.2f", mp), p, func(q *params, m *pairModel) { q.veto = m })
	}
	for _, at := range []float64{0, 0.03, 0.05, 0.06, 0.08, 0.12, 0.2} {
		p := defaultParams
		p.vetoAt = at
		if at == 0 {
			p.veto = nil
			row("no veto", p, func(*params, *pairModel) {})
			continue
		}
		row(fmt.Sprintf("veto under %.2f", at), p, func(q *params, m *pairModel) { q.veto = m })
	}
	for _, th := range []float64{0.2, 0.3, 0.4, 0.5} {
		p := defaultParams
		modelVariant(&p)
		p.threshold = th
		row(fmt.Sprintf("model alone, threshold %.2f", th), p, func(q *params, m *pairModel) { q.model = m })
	}
	t.Log(b.String())
}

// TestModelWeights checks that the shipped weights (model_weights.go) are
// what fitting the development sets gives, so that they can be fitted
// again when a set or a feature changes: STORY_FIT=1 writes them.
func TestModelWeights(t *testing.T) {
	if raceEnabled {
		t.Skip("fits a model; run it without -race")
	}
	data := setExamples(loadSets(t, developmentSets), defaultParams)
	same := 0
	for _, e := range data {
		if e.same {
			same++
		}
	}
	t.Logf("%d pairs within the window, %d of them one event", len(data), same)
	m := fit(data)
	if os.Getenv("STORY_FIT") != "" {
		writeWeights(t, m)
		return
	}
	for k := range m {
		if math.Abs(m[k]-fittedModel[k]) > 1e-6 {
			t.Fatalf("weight %d is %.6f, fitting the development sets gives %.6f: run STORY_FIT=1 go test ./internal/story/ -run TestModelWeights", k, fittedModel[k], m[k])
		}
	}
}

func writeWeights(t *testing.T, m pairModel) {
	var b strings.Builder
	b.WriteString("// Code generated by STORY_FIT=1 go test ./internal/story/ -run TestModelWeights; DO NOT EDIT.\n\npackage story\n\n")
	b.WriteString("// fittedModel is pairModel fitted on developmentSets (model_test.go).\nvar fittedModel = pairModel{\n")
	for k, v := range m {
		fmt.Fprintf(&b, "\t%.6f, // %s\n", v, inputName(k))
	}
	b.WriteString("}\n")
	src, err := format.Source([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("model_weights.go", src, 0o644); err != nil {
		t.Fatal(err)
	}
}

// featureNames are the names of the features' constants, for writeWeights.
var featureNames = [numPairFeatures]string{"featBias", "featNames", "featBothNamed", "featWords", "featSameLang", "featConcepts", "featBothConcepts", "featFigures", "featBothFigures", "featSharedNames", "featRarestName", "featTitleTopic", "featTime", "featDays", "featActions", "featSubjects", "featSubjectAgree", "featOtherWho", "featOtherWhere", "featOtherFigure", "featTimeNames", "featTimeWords", "featTimeConcepts", "featSharedWords", "featAgreeWho", "featAgreeWhere", "featAgreeFigure", "featOnlySpeakers", "featActionAgree", "featSameSubject", "featSharedActors", "featHand"}

// inputName names input k of the model in model_weights.go.
func inputName(k int) string {
	switch {
	case k < numPairFeatures:
		return featureNames[k]
	case k < numPairFeatures+numSteps:
		s := steps[k-numPairFeatures]
		return fmt.Sprintf("%s ≥ %v", featureNames[s.feat], s.at)
	default:
		c := crosses[k-numPairFeatures-numSteps]
		return featureNames[c[0]] + " × " + featureNames[c[1]]
	}
}
