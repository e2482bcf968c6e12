// Package suggest proposes edits of a topic's rules from labelled items:
// a term to add to a group (or to any), an ignore phrase, a not term, a
// new near or min_score. It reads the words of the items the rules get
// wrong, counts where each candidate occurs among the misses, the false
// positives and the rest of the labelled items, and measures every
// candidate exactly by matching the labelled items (and the recent stored
// items) with the edited rules. docs/rules.md explains the method.
//
// It is pure: no I/O, no clock, no randomness; the same input gives the
// same suggestions in the same order.
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

// Item is one item the rules are measured on.
type Item struct {
	ID       string
	Title    string // shown to the editor
	Doc      match.Document
	Relevant bool // ignored for recent stored items, which are not labelled
}

// Figures are how rules fare on labelled items.
type Figures struct {
	TP, FP, FN, TN        int
	Precision, Recall, F1 float64
}

func (f *Figures) finish() {
	f.Precision, f.Recall, f.F1 = 0, 0, 0
	if f.TP+f.FP > 0 {
		f.Precision = float64(f.TP) / float64(f.TP+f.FP)
	}
	if f.TP+f.FN > 0 {
		f.Recall = float64(f.TP) / float64(f.TP+f.FN)
	}
	if f.Precision+f.Recall > 0 {
		f.F1 = 2 * f.Precision * f.Recall / (f.Precision + f.Recall)
	}
}

func (f *Figures) count(relevant, matched bool) {
	switch {
	case matched && relevant:
		f.TP++
	case matched:
		f.FP++
	case relevant:
		f.FN++
	default:
		f.TN++
	}
}

// Suggestion is one proposed edit with what it does.
type Suggestion struct {
	Change topic.Change
	// Why gives the counts the candidate was chosen by.
	Why string
	// Fixes are labelled items the rules get wrong now and right after
	// the change; Breaks the reverse.
	Fixes, Breaks []Item
	// Newly and Lost are recent stored items that would start or stop
	// matching.
	Newly, Lost   []Item
	Before, After Figures
	// For a term: how many labelled relevant and not relevant items and
	// recent stored items hold it.
	InRelevant, InNotRelevant, InRecent int
	finds                               bool
	// elsewhere: the term is already one of another group's (a word of
	// government business is a poor sign of a side).
	elsewhere bool
	// unlike: a common word for a group of names, or the reverse.
	unlike bool
}

// Options bound the work.
type Options struct {
	Max        int // suggestions returned; default 10
	Candidates int // candidates measured per kind of edit; default 40
}

// Measure returns the figures of rules on labelled items.
func Measure(rules match.Rules, labelled []Item) (Figures, error) {
	e, err := compile(rules)
	if err != nil {
		return Figures{}, err
	}
	var f Figures
	for _, it := range labelled {
		f.count(it.Relevant, e.MatchTopic(0, it.Doc).Matched)
	}
	f.finish()
	return f, nil
}

func compile(r match.Rules) (*match.Engine, error) {
	if r.TopicID == "" {
		r.TopicID = "topic"
	}
	return match.Compile([]match.Rules{r})
}

// prepared is an item read once: its words per field and its verdict
// under the current rules.
type prepared struct {
	Item
	labelled bool
	words    [3][]match.TextWord
	base     match.Result
}

// state is what every candidate is measured against.
type state struct {
	rules   match.Rules
	items   []prepared // labelled first, then recent
	nLab    int
	before  Figures
	index   map[string][]int32 // folded word -> items holding it, ascending
	keys    []string           // index's words, sorted, for prefix lookups
	weights [3]float64
}

// Suggest returns up to opts.Max edits of rules that raise F1 on the
// labelled items and keep the other figure: an edit that finds more (a
// term, a longer near, a lower min_score) keeps precision, one that finds
// less (ignore, not, a shorter near, a higher min_score) keeps recall,
// unless it fixes at least twice as many items as it breaks. They come
// best first: by F1 gained, then by how little they touch outside the
// items they fix.
func Suggest(rules match.Rules, labelled, recent []Item, opts Options) ([]Suggestion, error) {
	if opts.Max <= 0 {
		opts.Max = 10
	}
	if opts.Candidates <= 0 {
		opts.Candidates = 40
	}
	st, err := prepare(rules, labelled, recent)
	if err != nil {
		return nil, err
	}
	var cands []candidate
	cands = append(cands, st.termCandidates(opts.Candidates)...)
	cands = append(cands, st.trapCandidates(opts.Candidates)...)
	cands = append(cands, st.numberCandidates()...)
	var out []Suggestion
	for _, c := range cands {
		s, ok, err := st.measure(c)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, s)
		}
	}
	slices.SortStableFunc(out, func(a, b Suggestion) int {
		return cmp.Or(
			cmp.Compare(b.After.F1, a.After.F1),
			cmp.Compare(len(a.Breaks), len(b.Breaks)),
			compareBool(a.elsewhere, b.elsewhere),
			cmp.Compare(len(a.Newly)+len(a.Lost), len(b.Newly)+len(b.Lost)),
			cmp.Compare(rank(a.Change), rank(b.Change)),
			cmp.Compare(distance(rules, a.Change), distance(rules, b.Change)),
			cmp.Compare(b.lift(), a.lift()),
			compareBool(a.unlike, b.unlike),
			cmp.Compare(a.InRecent, b.InRecent),
			// A word says more than a phrase that holds it, and a longer
			// word is a rarer one (Zipf): "Госдепартамент" before "yet"
			// when the labelled items cannot tell them apart.
			cmp.Compare(len(strings.Fields(a.Change.Term)), len(strings.Fields(b.Change.Term))),
			cmp.Compare(utf8.RuneCountInString(b.Change.Term), utf8.RuneCountInString(a.Change.Term)),
			strings.Compare(a.Change.String(), b.Change.String()),
		)
	})
	// One suggestion per finding: "Kremlin", "Kremlin*" and "Kremlin aide"
	// fixing the same items are one, and the first is the plainer. Terms
	// that are not forms of each other stay: the editor picks.
	seen := map[string][]topic.Change{}
	kept := out[:0]
	for _, s := range out {
		key := s.Change.Section + "\x00" + s.Change.Group + "\x00" + ids(s.Fixes) + "\x00" + ids(s.Breaks)
		if slices.ContainsFunc(seen[key], func(c topic.Change) bool { return related(c, s.Change, rules.FoldDiacritics) }) {
			continue
		}
		seen[key] = append(seen[key], s.Change)
		kept = append(kept, s)
	}
	if len(kept) > opts.Max {
		kept = kept[:opts.Max]
	}
	return kept, nil
}

// rank orders kinds of edit at equal effect: a term first (it says what
// the topic is), numbers last (they move everything at once).
func rank(c topic.Change) int {
	switch c.Section {
	case topic.SectionAll:
		return 0
	case topic.SectionIgnore:
		return 1
	case topic.SectionNot:
		return 2
	case topic.SectionAny:
		return 3
	}
	return 4
}

// related reports whether two changes of one section are the same idea:
// two numbers, or terms of which one holds the other.
func related(a, b topic.Change, fold bool) bool {
	if a.Term == "" || b.Term == "" {
		return true
	}
	ta, err1 := match.ParseTerm(a.Term, fold)
	tb, err2 := match.ParseTerm(b.Term, fold)
	return err1 == nil && err2 == nil && (ta.Covers(tb) || tb.Covers(ta))
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// lift is how much more often the term occurs among the labelled items
// of the kind the edit serves than among the others, smoothed: relevant
// over not relevant for a term that finds more ("Москве", in many relevant
// items and one not, before "добивается", in one relevant and none), the
// reverse for a phrase that hides or vetoes.
func (s Suggestion) lift() float64 {
	if s.finds {
		return float64(s.InRelevant+1) / float64(s.InNotRelevant+1)
	}
	return float64(s.InNotRelevant+1) / float64(s.InRelevant+1)
}

// distance is how far a number moves: the least change that does the job
// is the one to make.
func distance(r match.Rules, c topic.Change) float64 {
	switch c.Section {
	case topic.SectionNear:
		if c.Value == 0 {
			return math.Inf(1)
		}
		return math.Abs(c.Value - float64(r.Near))
	case topic.SectionMinScore:
		return math.Abs(c.Value - r.MinScore)
	}
	return 0
}

func ids(items []Item) string {
	var b strings.Builder
	for _, it := range items {
		b.WriteString(it.ID)
		b.WriteByte(0)
	}
	return b.String()
}

func prepare(rules match.Rules, labelled, recent []Item) (*state, error) {
	e, err := compile(rules)
	if err != nil {
		return nil, err
	}
	st := &state{rules: rules, nLab: len(labelled), index: map[string][]int32{}}
	w := rules.Weights
	for fi, name := range match.Fields {
		if w == nil {
			st.weights[fi] = 1
		} else {
			st.weights[fi] = w[name]
		}
	}
	add := func(it Item, lab bool) {
		p := prepared{Item: it, labelled: lab}
		texts := [3]string{it.Doc.Title, it.Doc.Summary, it.Doc.Content}
		i := int32(len(st.items))
		for fi, text := range texts {
			if st.weights[fi] <= 0 {
				continue
			}
			p.words[fi] = match.SplitWords(text, rules.FoldDiacritics)
			for _, w := range p.words[fi] {
				l := st.index[w.Fold]
				if len(l) == 0 || l[len(l)-1] != i {
					st.index[w.Fold] = append(l, i)
				}
			}
		}
		p.base = e.MatchTopic(0, it.Doc)
		if lab {
			st.before.count(it.Relevant, p.base.Matched)
		}
		st.items = append(st.items, p)
	}
	for _, it := range labelled {
		add(it, true)
	}
	for _, it := range recent {
		add(it, false)
	}
	st.before.finish()
	st.keys = make([]string, 0, len(st.index))
	for k := range st.index {
		st.keys = append(st.keys, k)
	}
	slices.Sort(st.keys)
	return st, nil
}

// candidate is an edit to measure, with the items it can change.
type candidate struct {
	change topic.Change
	// finds is true for edits that let more items match.
	finds bool
	why   string
	// scope lists the items whose verdict can change (nil: all).
	scope     []int32
	held      counts // where a term occurs
	elsewhere bool   // a term another group already has
	unlike    bool   // not in the style of the group's terms (names or common words)
}

// measure matches the items in scope with the edited rules.
func (st *state) measure(c candidate) (Suggestion, bool, error) {
	s := Suggestion{Change: c.change, Why: c.why, Before: st.before, finds: c.finds, elsewhere: c.elsewhere, unlike: c.unlike,
		InRelevant: c.held.pos, InNotRelevant: c.held.neg, InRecent: c.held.recent}
	e, err := compile(c.change.Apply(st.rules))
	if err != nil {
		// A candidate the engine refuses is not a suggestion.
		return s, false, nil
	}
	after := st.before
	check := func(i int) {
		p := &st.items[i]
		now := e.MatchTopic(0, p.Doc).Matched
		if now == p.base.Matched {
			return
		}
		if !p.labelled {
			if now {
				s.Newly = append(s.Newly, p.Item)
			} else {
				s.Lost = append(s.Lost, p.Item)
			}
			return
		}
		// Undo the item's old count and add the new one.
		switch {
		case p.base.Matched && p.Relevant:
			after.TP--
		case p.base.Matched:
			after.FP--
		case p.Relevant:
			after.FN--
		default:
			after.TN--
		}
		after.count(p.Relevant, now)
		if now == p.Relevant {
			s.Fixes = append(s.Fixes, p.Item)
		} else {
			s.Breaks = append(s.Breaks, p.Item)
		}
	}
	if c.scope == nil {
		for i := range st.items {
			check(i)
		}
	} else {
		for _, i := range c.scope {
			check(int(i))
		}
	}
	after.finish()
	s.After = after
	if len(s.Fixes) == 0 || after.F1 <= st.before.F1 {
		return s, false, nil
	}
	// An edit may cost the other figure only when what it changes is
	// right at least two times in three: a term whose new matches are
	// half noise is no better for being in many relevant items too.
	lower := c.finds && after.Precision < st.before.Precision || !c.finds && after.Recall < st.before.Recall
	if lower && len(s.Fixes) < 2*len(s.Breaks) {
		return s, false, nil
	}
	return s, true, nil
}

// holding returns the items whose words contain term's words (folded; a
// prefix word matches every word it starts), ascending. It may hold more
// than the term matches (case, order), never fewer.
func (st *state) holding(term match.Term) []int32 {
	var out []int32
	for k, w := range term.Words {
		var set []int32
		if w.Prefix {
			i, _ := slices.BinarySearch(st.keys, w.Fold)
			for ; i < len(st.keys) && strings.HasPrefix(st.keys[i], w.Fold); i++ {
				set = union(set, st.index[st.keys[i]])
			}
		} else {
			set = st.index[w.Fold]
		}
		if k == 0 {
			out = slices.Clone(set)
		} else {
			out = intersect(out, set)
		}
		if len(out) == 0 {
			return nil
		}
	}
	return out
}

func union(a, b []int32) []int32 {
	out := make([]int32, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && a[i] < b[j]:
			out = append(out, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}

func intersect(a, b []int32) []int32 {
	out := a[:0]
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case b[j] < a[i]:
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}

// counts says where a candidate term occurs among the labelled items.
type counts struct {
	pos, neg int // labelled relevant / not relevant items holding it
	recent   int // recent stored items holding it
}

func (st *state) countsOf(scope []int32) counts {
	var c counts
	for _, i := range scope {
		p := &st.items[i]
		switch {
		case !p.labelled:
			c.recent++
		case p.Relevant:
			c.pos++
		default:
			c.neg++
		}
	}
	return c
}

// hitMask marks the words of each field that a rule term found (of only
// the terms in only, when it is not nil), so that candidates come from
// the words the rules do not already read.
func hitMask(p *prepared, only map[string]bool) [3][]bool {
	var mask [3][]bool
	for fi := range mask {
		mask[fi] = make([]bool, len(p.words[fi]))
	}
	for _, h := range p.base.Hits {
		fi := slices.Index(match.Fields, h.Field)
		if fi < 0 || only != nil && !only[h.Term] {
			continue
		}
		n := max(1, len(match.SplitWords(h.Text, false)))
		for k := h.Pos; k < h.Pos+n && k < len(mask[fi]); k++ {
			mask[fi][k] = true
		}
	}
	return mask
}

// spelling writes a word of the text as a rule term: an acronym in
// capitals exactly ("=NATO"), anything else as written.
func spelling(w string) string {
	n := utf8.RuneCountInString(w)
	if n >= 2 && n <= 5 && strings.ToUpper(w) == w && strings.ToLower(w) != w {
		return "=" + w
	}
	return w
}

// usable reports whether a word can be a term on its own: letters, three
// or more of them (or an acronym), and not a word every text has.
func usable(w match.TextWord) bool {
	n := 0
	for _, r := range w.Fold {
		if !unicode.IsLetter(r) {
			return false
		}
		n++
	}
	if strings.HasPrefix(spelling(w.Text), "=") {
		return true // an acronym: "US" is not "us"
	}
	return n >= 3 && !stop[w.Fold]
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
