package story

import "math"

// params are the weights and thresholds of the score, chosen on
// testdata/stories/tuning.jsonl (docs/digest.md gives the figures).
type params struct {
	// weight of each kind of feature in a pair's score, in the order of
	// kinds: names, words, concepts, numbers.
	weight [numKinds]float64
	// tau is the time, in hours, at which the time factor has fallen to
	// one half: factor = 1 / (1 + Δt/tau).
	tau float64
	// conflict multiplies the score of two reports whose headlines name
	// different actions (a call and a summit, sanctions and an entry ban).
	conflict float64
	// actors multiplies the score of two reports whose headlines name
	// different people, neither named in the other report.
	actors float64
	// threshold is the score from which a report joins a story.
	threshold float64
	// link is how a report is scored against a story: linkBest, its best
	// score against the story's reports; linkMean, their mean.
	link int
	// titleWeight: see extractor.
	titleWeight float64
	// noAliases leaves out the built-in aliases and noKey compares names
	// as spelled, not by Key (ablation).
	noAliases, noKey bool
	// trace, when set, is told every score Add computes (tests).
	trace func(r Report, story int64, score float64)
}

var defaultParams = params{
	weight:      [numKinds]float64{1, 1, 1, 1},
	tau:         24,
	conflict:    0.5,
	actors:      0.25,
	threshold:   0.12,
	link:        linkMean,
	titleWeight: 2,
}

const (
	linkBest = iota
	linkMean
)

// weighted is a report's features with their TF-IDF weights at the time
// it is compared, and the length of each kind's vector.
type weighted struct {
	f    *features
	w    []float64
	norm [numKinds]float64
}

// idf is the rarity of a feature among the reports of the window: a
// name that every report carries (Russia, США) counts little, a name
// that only one event's reports carry counts much. The report being placed
// counts in the number of reports but not in df, so that its own features
// and those of the reports it is compared with are weighed alike.
func (g *Grouper) idf(df int) float64 {
	n := len(g.heap) + 1
	if df >= len(g.idfTab) {
		return math.Log(1 + float64(n+1)/float64(df+1))
	}
	// A table per window size: one Add weighs thousands of features with
	// a few dozen distinct counts.
	if g.idfN != n {
		g.idfN = n
		for i := range g.idfTab {
			g.idfTab[i] = -1
		}
	}
	if v := g.idfTab[df]; v >= 0 {
		return v
	}
	v := math.Log(1 + float64(n+1)/float64(df+1))
	g.idfTab[df] = v
	return v
}

func (g *Grouper) dfOf(ft *feat) int {
	if ft.stat != nil {
		return ft.stat.df
	}
	if st := g.stats[ft.key]; st != nil {
		return st.df
	}
	return 0
}

func (g *Grouper) weigh(f *features, dst *weighted) {
	dst.f = f
	dst.w = dst.w[:0]
	dst.norm = [numKinds]float64{}
	for i := range f.feats {
		ft := &f.feats[i]
		w := ft.tf * g.idf(g.dfOf(ft))
		dst.w = append(dst.w, w)
		dst.norm[ft.kind] += w * w
	}
	for i := range dst.norm {
		dst.norm[i] = math.Sqrt(dst.norm[i])
	}
}

// pairScore is how strongly two reports look like one event, from 0 to
// 1: the weighted mean, over the kinds of feature both reports have, of
// the cosine similarity of their TF-IDF vectors of that kind; times a
// factor that falls with the time between them; times the conflict
// factors when their headlines name different actions or different
// people. Words are compared only within a language: across languages,
// names, concepts and figures carry the comparison.
func (g *Grouper) pairScore(a, b *weighted, hours float64) float64 {
	var dot [numKinds]float64
	i, j := 0, 0
	af, bf := a.f.feats, b.f.feats
	for i < len(af) && j < len(bf) {
		switch {
		case af[i].key < bf[j].key:
			i++
		case af[i].key > bf[j].key:
			j++
		default:
			dot[af[i].kind] += a.w[i] * b.w[j]
			i++
			j++
		}
	}
	return g.combine(a, b, &dot, hours, otherActors(a.f, b.f))
}

// markedScore is pairScore of the report being placed, whose features
// are marked (see keyStat), and a report of the window. It gives the same
// result without comparing strings.
func (g *Grouper) markedScore(a, b *weighted, hours float64) float64 {
	var dot [numKinds]float64
	aTitleInB := false
	for i := range b.f.feats {
		st := b.f.feats[i].stat
		if st.mark != g.mark {
			continue
		}
		dot[b.f.feats[i].kind] += st.markW * b.w[i]
		aTitleInB = aTitleInB || st.markTitle
	}
	differ := false
	if len(a.f.titleNames) > 0 && len(b.f.titleNames) > 0 && !aTitleInB {
		differ = true
		for _, st := range b.f.titleStats {
			if st.mark == g.mark {
				differ = false
				break
			}
		}
	}
	return g.combine(a, b, &dot, hours, differ)
}

func (g *Grouper) combine(a, b *weighted, dot *[numKinds]float64, hours float64, otherActors bool) float64 {
	same := a.f.lang == b.f.lang
	var sum, wsum float64
	for k := range numKinds {
		wk := g.p.weight[k]
		if wk == 0 || a.norm[k] == 0 || b.norm[k] == 0 {
			continue
		}
		if kinds[k] == kindWord && !same {
			continue
		}
		sum += wk * dot[k] / (a.norm[k] * b.norm[k])
		wsum += wk
	}
	if wsum == 0 {
		return 0
	}
	s := sum / wsum
	if g.p.tau > 0 {
		s /= 1 + math.Abs(hours)/g.p.tau
	}
	if conflict(a.f, b.f) || conflict(b.f, a.f) {
		s *= g.p.conflict
	}
	if otherActors {
		s *= g.p.actors
	}
	return s
}

// conflict reports whether a's headline names an action that b never
// mentions while b's headline names one of its own. A headline says what
// a report is about: "Putin and Trump agree by phone to meet" is about a
// call, "Putin and Trump meet in Anchorage" about a meeting, and a report
// of the meeting that never mentions a call is another event. The same
// holds for sanctions and the entry bans that answer them, an expulsion
// and the expulsion in response, an asset sale forced by sanctions.
func conflict(a, b *features) bool {
	return a.titleActions&^b.actions != 0 && b.titleActions != 0
}

// otherActors reports whether the headlines of a and b name people (or
// other names no alias knows) and neither report names anyone the other's
// headline names: "Lavrov and Rubio speak by phone" and "Putin and Trump
// speak by phone" on the same day are two calls.
func otherActors(a, b *features) bool {
	if len(a.titleNames) == 0 || len(b.titleNames) == 0 {
		return false
	}
	for _, k := range a.titleNames {
		if b.has(k) {
			return false
		}
	}
	for _, k := range b.titleNames {
		if a.has(k) {
			return false
		}
	}
	return true
}
