package suggest

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/feedwatch/feedwatch/internal/match"
	"github.com/feedwatch/feedwatch/internal/topic"
)

// scored is a candidate term with the counts it is chosen by.
type scored struct {
	candidate
	term    match.Term
	support int // misses (or false positives) holding it
	counts
}

// pick keeps the limit best candidates: found in the most of the items
// to fix, then in the fewest labelled items of the other kind and recent
// items (a word every story has is no evidence), then the shortest.
func pick(cs []scored, limit int, against func(counts) int) []candidate {
	slices.SortStableFunc(cs, func(a, b scored) int {
		return cmp.Or(
			cmp.Compare(b.support, a.support),
			cmp.Compare(against(a.counts), against(b.counts)),
			cmp.Compare(a.recent, b.recent),
			cmp.Compare(len(a.term.Words), len(b.term.Words)),
			strings.Compare(a.change.Term, b.change.Term),
		)
	})
	var out []candidate
	for _, c := range cs {
		if len(out) == limit {
			break
		}
		c.candidate.held = c.counts
		out = append(out, c.candidate)
	}
	return out
}

// misses groups the labelled relevant items the rules miss by what they
// lack: each group by name, "" for items that lack two or more groups
// (one term cannot bring both sides). Vetoed items and those missed for
// nearness or score are handled by numberCandidates.
func (st *state) misses() map[string][]int32 {
	out := map[string][]int32{}
	groups := map[string]bool{}
	for _, g := range st.rules.All {
		groups[g.Name] = true
	}
	for i := range st.nLab {
		p := &st.items[i]
		if !p.Relevant || p.base.Matched || p.base.Vetoed != "" {
			continue
		}
		var lack []string
		for _, m := range p.base.Missing {
			if groups[m] {
				lack = append(lack, m)
			}
		}
		if len(groups) == 0 && len(p.base.Hits) == 0 {
			// A topic of any terms only: the miss has none of them. (One
			// that has a term but too low a score is numberCandidates'.)
			lack = []string{"", ""}
		}
		switch len(lack) {
		case 0:
		case 1:
			out[lack[0]] = append(out[lack[0]], int32(i))
		default:
			out[""] = append(out[""], int32(i))
		}
	}
	return out
}

// termCandidates proposes words and two-word phrases of the misses as
// terms of the group they lack, or of any for misses that lack several.
func (st *state) termCandidates(limit int) []candidate {
	var out []candidate
	byGroup := st.misses()
	names := make([]string, 0, len(byGroup))
	for g := range byGroup {
		names = append(names, g)
	}
	slices.Sort(names)
	for _, g := range names {
		miss := byGroup[g]
		section, existing := topic.SectionAll, []string(nil)
		if g == "" {
			section, existing = topic.SectionAny, st.rules.Any
		} else {
			for _, grp := range st.rules.All {
				if grp.Name == g {
					existing = grp.Terms
				}
			}
		}
		spellings := map[string]string{} // key -> spelling, first seen
		var order []string
		addTerm := func(s string) {
			t, err := match.ParseTerm(s, st.rules.FoldDiacritics)
			if err != nil {
				return
			}
			if _, ok := spellings[t.Key()]; !ok {
				spellings[t.Key()] = s
				order = append(order, t.Key())
			}
		}
		var singles []string
		// common marks words seen in lower case after the start of a
		// field: "destroyer" is a common noun, "Navy" (first word only)
		// and "Virginia" are names.
		common := map[string]bool{}
		other := st.otherSides(g)
		for _, i := range miss {
			p := &st.items[i]
			mask := hitMask(p, other)
			for fi := range p.words {
				ws := p.words[fi]
				for k, w := range ws {
					if k > 0 && !startsUpper(w.Text) {
						common[w.Fold] = true
					}
					if mask[fi][k] {
						continue
					}
					if (g != "" || len(st.rules.All) == 0) && usable(w) {
						addTerm(spelling(w.Text))
						singles = append(singles, w.Fold)
					}
					if k+1 < len(ws) && !mask[fi][k+1] && phraseWord(w) && phraseWord(ws[k+1]) {
						addTerm(w.Text + " " + ws[k+1].Text)
					}
				}
			}
		}
		if len(singles) > 0 {
			for _, s := range stems(singles) {
				addTerm(s)
			}
		}
		// A side is named by names (Kremlin, Госдеп*); government
		// business by common words (talks, санкц*).
		names := st.namesGroup(existing)
		var cs []scored
		for _, key := range order {
			s := spellings[key]
			t, _ := match.ParseTerm(s, st.rules.FoldDiacritics)
			if !st.fits(t, existing, true) {
				continue
			}
			scope := st.holding(t)
			support := len(intersect(slices.Clone(scope), miss))
			if support == 0 {
				continue
			}
			c := candidate{change: topic.Change{Section: section, Group: g, Term: s}, finds: true, scope: scope,
				elsewhere: st.inOtherGroup(t, g), unlike: isName(t, common) != names}
			sc := scored{candidate: c, term: t, support: support, counts: st.countsOf(scope)}
			lacking := "that lack more than one group"
			if len(st.rules.All) == 0 {
				lacking = "that have no term of any"
			} else if g != "" {
				lacking = fmt.Sprintf("that lack %q", g)
			}
			sc.why = fmt.Sprintf("%q is in %d of %s %s; in %s labelled not relevant, %s labelled relevant, %s",
				s, support, plural(len(miss), "miss", "misses"), lacking, plural(sc.neg, "item", "items"),
				plural(sc.pos, "item", "items"), plural(sc.recent, "recent item", "recent items"))
			cs = append(cs, sc)
		}
		out = append(out, pick(cs, limit, func(c counts) int { return c.neg })...)
	}
	return out
}

// otherSides returns the terms of the groups that share no term with
// group g: words they find are the other side's ("США" is the American
// side, not the Russian one) and are not proposed for g. A group that
// shares terms with g (officials who are both a side and government
// business) may lend it words. For any (g empty) it is every group's.
func (st *state) otherSides(g string) map[string]bool {
	keys := func(terms []string) map[string]bool {
		m := map[string]bool{}
		for _, s := range terms {
			if t, err := match.ParseTerm(s, st.rules.FoldDiacritics); err == nil {
				m[t.Key()] = true
			}
		}
		return m
	}
	var mine map[string]bool
	for _, grp := range st.rules.All {
		if grp.Name == g {
			mine = keys(grp.Terms)
		}
	}
	out := map[string]bool{}
	for _, grp := range st.rules.All {
		if grp.Name == g {
			continue
		}
		shares := false
		for k := range keys(grp.Terms) {
			if mine[k] {
				shares = true
			}
		}
		if !shares {
			for _, s := range grp.Terms {
				out[s] = true
			}
		}
	}
	return out
}

func startsUpper(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.IsUpper(r)
}

// namesGroup reports whether most of a list's terms are names, written
// with a capital letter.
func (st *state) namesGroup(terms []string) bool {
	n := 0
	for _, s := range terms {
		if startsUpper(strings.TrimPrefix(s, "=")) {
			n++
		}
	}
	return 2*n > len(terms)
}

// isName reports whether a candidate term is a name: its first word is
// never seen in lower case after the start of a field. A prefix term is
// judged by the words it was made from.
func isName(t match.Term, common map[string]bool) bool {
	w := t.Words[0]
	if t.CaseSensitive {
		return true
	}
	if !w.Prefix {
		return !common[w.Fold]
	}
	for fold := range common {
		if strings.HasPrefix(fold, w.Fold) {
			return false
		}
	}
	return true
}

// phraseWord reports whether a word may be part of a proposed phrase:
// letters only, and not a word every text has.
func phraseWord(w match.TextWord) bool {
	for _, r := range w.Fold {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return w.Fold != "" && !stop[w.Fold]
}

// stems proposes prefix terms for words that come in several forms:
// "кремль", "кремля" give "кремл*"; a long Russian word without its
// ending ("конгресса" gives "конгресс*").
func stems(words []string) []string {
	slices.Sort(words)
	words = slices.Compact(words)
	seen := map[string]bool{}
	var out []string
	add := func(stem string) {
		if utf8.RuneCountInString(stem) >= 4 && !seen[stem] {
			seen[stem] = true
			out = append(out, stem+"*")
		}
	}
	// Every pair that shares its first five letters: the forms of a
	// word need not sort next to each other (россии, российских, россия).
	for i := range words {
		a := []rune(words[i])
		if len(a) < 5 || !unicode.Is(unicode.Cyrillic, a[0]) {
			continue // English forms are few and spelled out
		}
		for j := i + 1; j < len(words) && strings.HasPrefix(words[j], string(a[:5])); j++ {
			b := []rune(words[j])
			n := 0
			for n < len(a) && n < len(b) && a[n] == b[n] {
				n++
			}
			// Forms of one word differ only in a short ending.
			if ending(a[n:]) && ending(b[n:]) {
				add(string(a[:n]))
			}
		}
	}
	for _, w := range words {
		r := []rune(w)
		if len(r) < 6 || !unicode.Is(unicode.Cyrillic, r[0]) {
			continue
		}
		end := len(r)
		for end > 0 && strings.ContainsRune("аеиоуыэюяйь", r[end-1]) {
			end--
		}
		if end < len(r) && end >= 5 {
			add(string(r[:end]))
		}
	}
	return out
}

// ending reports whether r can be a Russian inflectional ending: up to
// three letters of those endings are made of (-а, -ой, -ами, -ого, -ях).
func ending(r []rune) bool {
	if len(r) > 3 {
		return false
	}
	for _, c := range r {
		if !strings.ContainsRune("аеиоуыэюяйьмхвг", c) {
			return false
		}
	}
	return true
}

// fits reports whether term t can join list as the topics file requires:
// not adding nothing, not making another term redundant, not hidden by
// ignore and (for positive terms) not always vetoed.
func (st *state) fits(t match.Term, list []string, positive bool) bool {
	for _, s := range list {
		o, err := match.ParseTerm(s, st.rules.FoldDiacritics)
		if err != nil {
			continue
		}
		if t.Covers(o) || o.Covers(t) {
			return false
		}
	}
	if positive {
		for _, s := range st.rules.Ignore {
			if o, err := match.ParseTerm(s, st.rules.FoldDiacritics); err == nil && o.Key() == t.Key() {
				return false
			}
		}
		for _, s := range st.rules.Not {
			if o, err := match.ParseTerm(s, st.rules.FoldDiacritics); err == nil && t.Covers(o) {
				return false
			}
		}
	}
	return true
}

// inOtherGroup reports whether a term of a group other than g matches
// everything t matches.
func (st *state) inOtherGroup(t match.Term, g string) bool {
	for _, grp := range st.rules.All {
		if grp.Name == g {
			continue
		}
		for _, s := range grp.Terms {
			if o, err := match.ParseTerm(s, st.rules.FoldDiacritics); err == nil && t.Covers(o) {
				return true
			}
		}
	}
	return false
}

// positiveTerms are the rules' terms that make items match.
func (st *state) positiveTerms() []match.Term {
	var out []match.Term
	add := func(ss []string) {
		for _, s := range ss {
			if t, err := match.ParseTerm(s, st.rules.FoldDiacritics); err == nil {
				out = append(out, t)
			}
		}
	}
	add(st.rules.Any)
	for _, g := range st.rules.All {
		add(g.Terms)
	}
	return out
}

// trapCandidates proposes, from the false positives, phrases around their
// hits to ignore ("Russian roulette" hides "Russian") and words or phrases
// to veto that no relevant item has.
func (st *state) trapCandidates(limit int) []candidate {
	var fps []int32
	for i := range st.nLab {
		if p := &st.items[i]; !p.Relevant && p.base.Matched {
			fps = append(fps, int32(i))
		}
	}
	if len(fps) == 0 {
		return nil
	}
	positive := st.positiveTerms()
	ignores := map[string]string{}
	nots := map[string]string{}
	var ignoreOrder, notOrder []string
	note := func(m map[string]string, order *[]string, s string) {
		t, err := match.ParseTerm(s, st.rules.FoldDiacritics)
		if err != nil {
			return
		}
		if _, ok := m[t.Key()]; !ok {
			m[t.Key()] = s
			*order = append(*order, t.Key())
		}
	}
	for _, i := range fps {
		p := &st.items[i]
		mask := hitMask(p, nil)
		for fi, ws := range p.words {
			for k, w := range ws {
				if mask[fi][k] {
					// The hit with a neighbour on either side.
					if k > 0 && !mask[fi][k-1] && phraseWord(ws[k-1]) {
						note(ignores, &ignoreOrder, ws[k-1].Text+" "+w.Text)
					}
					if k+1 < len(ws) && !mask[fi][k+1] && phraseWord(ws[k+1]) {
						note(ignores, &ignoreOrder, w.Text+" "+ws[k+1].Text)
					}
					continue
				}
				if usable(w) {
					note(nots, &notOrder, spelling(w.Text))
				}
			}
		}
	}
	for _, key := range ignoreOrder {
		note(nots, &notOrder, ignores[key])
	}
	build := func(section string, m map[string]string, order []string) []candidate {
		var cs []scored
		for _, key := range order {
			s := m[key]
			t, _ := match.ParseTerm(s, st.rules.FoldDiacritics)
			list := st.rules.Not
			if section == topic.SectionIgnore {
				list = st.rules.Ignore
			}
			if !st.fits(t, list, false) || section == topic.SectionNot && vetoesTerm(t, positive) ||
				section == topic.SectionIgnore && slices.ContainsFunc(positive, func(pt match.Term) bool { return pt.Key() == t.Key() }) {
				continue
			}
			scope := st.holding(t)
			support := len(intersect(slices.Clone(scope), fps))
			if support == 0 {
				continue
			}
			c := candidate{change: topic.Change{Section: section, Term: s}, scope: scope}
			sc := scored{candidate: c, term: t, support: support, counts: st.countsOf(scope)}
			sc.why = fmt.Sprintf("%q is in %d of %s; in %s labelled relevant, %s",
				s, support, plural(len(fps), "false positive", "false positives"), plural(sc.pos, "item", "items"),
				plural(sc.recent, "recent item", "recent items"))
			cs = append(cs, sc)
		}
		return pick(cs, limit, func(c counts) int { return c.pos })
	}
	out := build(topic.SectionIgnore, ignores, ignoreOrder)
	return append(out, build(topic.SectionNot, nots, notOrder)...)
}

// vetoesTerm reports whether not term t would veto every item one of the
// rules' own terms matches, which the topics file refuses.
func vetoesTerm(t match.Term, positive []match.Term) bool {
	for _, pt := range positive {
		if pt.Covers(t) {
			return true
		}
	}
	return false
}

// numberCandidates proposes near and min_score values: a longer near or
// a lower min_score for misses that have every group or every term they
// need but too far apart or too weak; a shorter near or a higher
// min_score for false positives.
func (st *state) numberCandidates() []candidate {
	r := st.rules
	var far, weak, fps []*prepared
	var weakScores, fpScores []float64
	within := fmt.Sprintf("all groups within %d words", r.Near)
	for i := range st.nLab {
		p := &st.items[i]
		switch {
		case !p.Relevant && p.base.Matched:
			fps = append(fps, p)
			fpScores = append(fpScores, p.base.Score)
		case !p.Relevant || p.base.Matched || p.base.Vetoed != "":
		case len(p.base.Missing) == 1 && p.base.Missing[0] == within:
			far = append(far, p)
		case len(p.base.Missing) == 0 && p.base.Score < r.MinScore:
			weak = append(weak, p)
			weakScores = append(weakScores, p.base.Score)
		}
	}
	var out []candidate
	addNear := func(v int, finds bool, why string) {
		if v < 0 || v == r.Near || v > 0 && v < 5 {
			return
		}
		out = append(out, candidate{change: topic.Change{Section: topic.SectionNear, Value: float64(v)}, finds: finds, why: why})
	}
	if len(far) > 0 && r.Near > 0 {
		why := fmt.Sprintf("%s every group but not within %d words", plural(len(far), "miss has", "misses have"), r.Near)
		for _, v := range uniqueInts(r.Near+25, 2*r.Near, 3*r.Near, 0) {
			addNear(v, true, why)
		}
	}
	if len(fps) > 0 && len(r.All) >= 2 {
		why := fmt.Sprintf("%s matched by groups that may be far apart", plural(len(fps), "false positive is", "false positives are"))
		if r.Near > 0 {
			for _, v := range uniqueInts(r.Near*3/4, r.Near/2) {
				addNear(v, false, why)
			}
		} else {
			for _, v := range uniqueInts(50, 25) {
				addNear(v, false, why)
			}
		}
	}
	step := 1.0
	for _, w := range st.weights {
		if w != math.Trunc(w) {
			step = 0.5
		}
	}
	if len(weak) > 0 {
		why := fmt.Sprintf("%s every group but a score below %s", plural(len(weak), "miss has", "misses have"), fmtScore(r.MinScore))
		for _, v := range uniqueFloats(weakScores) {
			if v > 0 && v < r.MinScore {
				out = append(out, candidate{change: topic.Change{Section: topic.SectionMinScore, Value: v}, finds: true, why: why})
			}
		}
	}
	if len(fps) > 0 {
		why := fmt.Sprintf("%s with scores of %s", plural(len(fps), "false positive matches", "false positives match"), joinScores(fpScores))
		for _, v := range uniqueFloats(fpScores) {
			if v+step > r.MinScore {
				out = append(out, candidate{change: topic.Change{Section: topic.SectionMinScore, Value: v + step}, why: why})
			}
		}
	}
	return out
}

func uniqueInts(vs ...int) []int {
	slices.Sort(vs)
	return slices.Compact(vs)
}

func uniqueFloats(vs []float64) []float64 {
	vs = slices.Clone(vs)
	slices.Sort(vs)
	return slices.Compact(vs)
}

func fmtScore(v float64) string { return fmt.Sprintf("%g", v) }

func joinScores(vs []float64) string {
	var parts []string
	for _, v := range uniqueFloats(vs) {
		parts = append(parts, fmtScore(v))
	}
	return strings.Join(parts, ", ")
}
