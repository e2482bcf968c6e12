// Package match owns the topic rules engine: it turns the text of an item
// into words, finds every rule term in one pass, and decides per topic
// whether the item matches, with a score and an explanation an editor can
// read. It is pure: no I/O, no configuration files, no knowledge of feeds.
package match

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Document is the plain text of one item (HTML already stripped, entities decoded).
type Document struct{ Title, Summary, Content string }

// Hit is one occurrence of a term.
type Hit struct {
	Term  string
	Field string // "title", "summary", "content"
	Pos   int    // word index within the field
	// Text is the hit as the item writes it: "spokesman" for the term
	// "spokes*", "U.S." for "=US", "White House" for "White House".
	Text string
}

// Result is the decision for one topic on one document.
type Result struct {
	TopicID string
	Matched bool
	Score   float64
	Terms   []string // distinct terms that fired (rule spelling), stable order
	// Words are the distinct words of the text that the terms found, in
	// reading order and as written there ("spokesman", "embassy", where
	// Terms says "spokes*", "embass*"): what readers are shown. Words
	// that differ only in capitals are given once, as first written.
	Words   []string
	Hits    []Hit
	Missing []string // on a miss: names of required groups with no hit
	Vetoed  string   // the exclusion term that vetoed, if any
	Reason  string   // one human-readable line explaining the decision
}

// Field names, in the order documents are scanned.
const (
	FieldTitle   = "title"
	FieldSummary = "summary"
	FieldContent = "content"
)

// Fields lists the document fields in scanning order.
var Fields = []string{FieldTitle, FieldSummary, FieldContent}

// defaultWeights apply when a topic does not say which fields to search:
// a word in the headline says more about the story than one in the body.
var defaultWeights = map[string]float64{FieldTitle: 2, FieldSummary: 1, FieldContent: 1}

// Group is a named list of alternatives; at least one must be present.
type Group struct {
	Name  string
	Terms []string
}

// Rules is one topic's rules in the editor's spelling.
type Rules struct {
	TopicID string
	// Any terms match the topic on their own.
	Any []string
	// All groups must each have a hit (and within Near words, if set).
	All []Group
	// Not terms veto the item wherever they occur in a searched field.
	Not []string
	// Ignore phrases hide the words they cover from every other term:
	// "Washington Post" stops "Washington" counting without vetoing a story
	// that quotes the newspaper.
	Ignore []string
	// Others name third parties. A headline that names one of them is
	// about it: the item then matches by its groups only if the headline
	// also has a hit of every group in OthersNeed (every group when it is
	// empty). Any terms still match alone. "India and Russia sign reactor
	// deal" with Washington in the summary is India's story; "US warns
	// India over Russian oil" names both sides in the headline.
	Others     []string
	OthersNeed []string
	// OthersApart are words that part such a headline, "then" and «после
	// визита»: the sides named on either side of one are the third
	// party's dealings with each in turn ("Japan's prime minister to visit
	// Washington, then Moscow"), and the headline names both sides only
	// if one of its parts has every group of OthersNeed.
	OthersApart []string
	// Both are phrases that name the sides of BothGroups without naming
	// them ("the two leaders" in the Kremlin's account of a call): a hit
	// counts as a hit of each of those groups, unless the item names a
	// third party anywhere (a term of Others or of BothUnless), when the
	// phrase may mean that party ("Putin and Xi ... the two leaders") and
	// counts for nothing.
	Both       []string
	BothGroups []string
	BothUnless []string
	// Near, when positive, requires the groups' hits to fall within Near
	// words of each other (title, summary and content read as one text).
	Near int
	// Weights says which fields are searched and how much a hit in each
	// counts. Nil means title 2, summary 1, content 1.
	Weights map[string]float64
	// MinScore is the score a match must reach.
	MinScore float64
	// FoldDiacritics makes "Müller" and "Muller" the same word.
	FoldDiacritics bool
}

// Section names a part of Rules, for errors that point at one term.
type Section string

// Rule sections.
const (
	SectionAny    Section = "any"
	SectionAll    Section = "all"
	SectionNot    Section = "not"
	SectionIgnore Section = "ignore"
	SectionOthers Section = "others"
	// SectionApart holds the words that part a third party's headline.
	SectionApart Section = "others apart"
	SectionBoth  Section = "both"
	// SectionUnless holds the names that, beside the third parties, void
	// a Both phrase.
	SectionUnless Section = "both unless"
)

// TermError reports a term that does not compile.
type TermError struct {
	TopicID string
	Section Section
	Group   string // for SectionAll
	Index   int    // position in its list
	Term    string
	Err     error
}

func (e *TermError) Error() string {
	where := string(e.Section)
	if e.Group != "" {
		where += " group " + fmt.Sprintf("%q", e.Group)
	}
	return fmt.Sprintf("topic %s: %s: term %d: %v", e.TopicID, where, e.Index+1, e.Err)
}

func (e *TermError) Unwrap() error { return e.Err }

// role says what a pattern means to one topic.
type role struct {
	topic int
	sect  Section
	group int // index into the topic's groups for SectionAll
	term  string
	tid   int // distinct spelling within the topic, for bitmaps
}

type pattern struct {
	term  Term
	roles []role
}

// compiledTopic is one topic's rules ready to be evaluated against hits.
type compiledTopic struct {
	id       string
	groups   []string
	near     int
	weights  [3]float64 // per field, 0 = not searched
	minScore float64
	nterms   int // distinct spellings
	// need is which groups a headline that names a third party must
	// have; nil when the topic names none.
	need []int
	// both says whether the topic has Both phrases, whose hits count
	// only in an item that names no third party.
	both bool
}

// Engine matches documents against several topics at once.
type Engine struct {
	topics []compiledTopic
	fold   [2]bool // which tokenisations are needed: [0] plain, [1] diacritics folded
	// Per tokenisation: the index from a pattern's first word to patterns.
	idx [2]index
}

// index finds, for one word of the text, the patterns that can start there.
// Every pattern is filed under the stem of its first word (its first
// MinPrefix letters, or the whole word if shorter), whether that word is
// exact or a prefix: one map lookup per word of text, then a short list to
// check. The cost per word does not grow with the number of terms.
type index struct {
	patterns []pattern
	byStem   map[string][]int32
	keys     map[string]int32
	topicOn  []bool // topics that use this tokenisation
}

// stem returns the first MinPrefix letters of a folded word, or the word
// if it is shorter. A prefix term's stem is never shorter (ParseTerm), so
// a short word can only start exact patterns filed under itself.
func stem(fold string) string {
	n := 0
	for i := range fold {
		if n == MinPrefix {
			return fold[:i]
		}
		n++
	}
	return fold
}

// Compile builds an engine for the topics, in order. Errors are
// *TermError values naming the topic, section and term.
func Compile(rules []Rules) (*Engine, error) {
	e := &Engine{}
	for f := range e.idx {
		e.idx[f] = index{byStem: map[string][]int32{}, keys: map[string]int32{}, topicOn: make([]bool, len(rules))}
	}
	for ti, r := range rules {
		ct := compiledTopic{id: r.TopicID, near: r.Near, minScore: r.MinScore}
		weights := r.Weights
		if weights == nil {
			weights = defaultWeights
		}
		for fi, name := range Fields {
			ct.weights[fi] = weights[name]
		}
		for name := range weights {
			if fieldIndex(name) < 0 {
				return nil, fmt.Errorf("topic %s: unknown field %q (want title, summary or content)", r.TopicID, name)
			}
		}
		f := 0
		if r.FoldDiacritics {
			f = 1
		}
		e.fold[f] = true
		ix := &e.idx[f]
		ix.topicOn[ti] = true
		tids := map[string]int{}
		add := func(sect Section, group int, groupName string, terms []string) error {
			for i, s := range terms {
				t, err := ParseTerm(s, r.FoldDiacritics)
				if err != nil {
					return &TermError{TopicID: r.TopicID, Section: sect, Group: groupName, Index: i, Term: s, Err: err}
				}
				tid, ok := tids[s]
				if !ok {
					tid = len(tids)
					tids[s] = tid
				}
				ix.add(t, role{topic: ti, sect: sect, group: group, term: s, tid: tid})
			}
			return nil
		}
		if err := add(SectionAny, 0, "", r.Any); err != nil {
			return nil, err
		}
		for gi, g := range r.All {
			ct.groups = append(ct.groups, g.Name)
			if err := add(SectionAll, gi, g.Name, g.Terms); err != nil {
				return nil, err
			}
		}
		if err := add(SectionNot, 0, "", r.Not); err != nil {
			return nil, err
		}
		if err := add(SectionIgnore, 0, "", r.Ignore); err != nil {
			return nil, err
		}
		if err := add(SectionOthers, 0, "", r.Others); err != nil {
			return nil, err
		}
		need, err := othersNeed(r)
		if err != nil {
			return nil, err
		}
		ct.need = need
		if len(r.OthersApart) > 0 && len(r.Others) == 0 {
			return nil, fmt.Errorf("topic %s: others: apart: words part a third party's headline but no third party is named", r.TopicID)
		}
		if err := add(SectionApart, 0, "", r.OthersApart); err != nil {
			return nil, err
		}
		bothGroups, err := groupIndices(r, "both", r.BothGroups)
		if err != nil {
			return nil, err
		}
		switch {
		case len(r.Both) > 0 && len(bothGroups) == 0:
			return nil, fmt.Errorf("topic %s: both: needs the groups its phrases name", r.TopicID)
		case len(r.Both) == 0 && (len(bothGroups) > 0 || len(r.BothUnless) > 0):
			return nil, fmt.Errorf("topic %s: both: no phrases", r.TopicID)
		}
		// A phrase is filed once per group it names, so that each of its
		// hits is a hit of every one of them.
		for _, gi := range bothGroups {
			if err := add(SectionBoth, gi, "", r.Both); err != nil {
				return nil, err
			}
		}
		if err := add(SectionUnless, 0, "", r.BothUnless); err != nil {
			return nil, err
		}
		ct.both = len(r.Both) > 0
		ct.nterms = len(tids)
		e.topics = append(e.topics, ct)
	}
	return e, nil
}

// othersNeed returns the indices of the groups a headline that names a
// third party must have: those of r.OthersNeed, or every group.
func othersNeed(r Rules) ([]int, error) {
	if len(r.Others) == 0 {
		if len(r.OthersNeed) > 0 {
			return nil, fmt.Errorf("topic %s: others: groups are needed in the headline but no third party is named", r.TopicID)
		}
		return nil, nil
	}
	if len(r.All) == 0 {
		return nil, fmt.Errorf("topic %s: others: needs \"all\" groups for the headline to name", r.TopicID)
	}
	need, err := groupIndices(r, "others", r.OthersNeed)
	if err != nil {
		return nil, err
	}
	if need == nil {
		for gi := range r.All {
			need = append(need, gi)
		}
	}
	return need, nil
}

// groupIndices returns the indices of the named "all" groups.
func groupIndices(r Rules, sect string, names []string) ([]int, error) {
	var out []int
	for _, name := range names {
		gi := slices.IndexFunc(r.All, func(g Group) bool { return g.Name == name })
		if gi < 0 {
			return nil, fmt.Errorf("topic %s: %s: no group %q", r.TopicID, sect, name)
		}
		out = append(out, gi)
	}
	return out, nil
}

func fieldIndex(name string) int {
	for i, f := range Fields {
		if f == name {
			return i
		}
	}
	return -1
}

func (ix *index) add(t Term, r role) {
	k := t.Key()
	if id, ok := ix.keys[k]; ok {
		ix.patterns[id].roles = append(ix.patterns[id].roles, r)
		return
	}
	id := int32(len(ix.patterns))
	ix.keys[k] = id
	ix.patterns = append(ix.patterns, pattern{term: t, roles: []role{r}})
	// Case-sensitive terms are filed by their folded form too, and then
	// checked against the original spelling: one lookup serves both.
	st := stem(t.Words[0].Fold)
	ix.byStem[st] = append(ix.byStem[st], id)
}

// occurrence is one pattern found in one field.
type occurrence struct {
	pat        int32
	field      int
	start, end int // word positions in the field, end exclusive
	// gstart numbers words across title, summary and content read as one
	// text, so that proximity works when the two sides of a story are in
	// the headline and the first sentence.
	gstart int
	// The bytes of the field's text the occurrence covers.
	bstart, bend int
}

type scratch struct {
	texts   [3]string // the fields in NFC, which occurrences' bytes index
	tz      tokenizer
	toks    []token
	occ     []occurrence
	buckets [][]topicHit // per topic
	ignores []topicHit
	count   []int
	seen    []uint8 // per term id: seenTerm, seenAny, then one bit per field
}

const (
	seenTerm uint8 = 1 << iota
	seenAny
	seenField // seenField << field index
)

var scratchPool = sync.Pool{New: func() any { return &scratch{} }}

// scan finds every pattern of ix in text and appends the occurrences.
func (ix *index) scan(toks []token, field, offset int, occ []occurrence) []occurrence {
	for i := range toks {
		if ids, ok := ix.byStem[stem(toks[i].Fold)]; ok {
			occ = ix.verify(ids, toks, i, field, offset, occ)
		}
	}
	return occ
}

func (ix *index) verify(ids []int32, toks []token, i, field, offset int, occ []occurrence) []occurrence {
	for _, id := range ids {
		t := &ix.patterns[id].term
		if i+len(t.Words) > len(toks) {
			continue
		}
		ok := true
		for k := range t.Words {
			if !t.matchWord(&t.Words[k], &toks[i+k]) {
				ok = false
				break
			}
		}
		if ok {
			last := i + len(t.Words) - 1
			occ = append(occ, occurrence{pat: id, field: field, start: i, end: i + len(t.Words), gstart: offset + i,
				bstart: toks[i].Start, bend: toks[last].End})
		}
	}
	return occ
}

// Len reports the number of topics.
func (e *Engine) Len() int { return len(e.topics) }

// Match evaluates every topic against doc, in the order they were compiled.
// The text is tokenised once per diacritics setting in use, however many
// topics and terms there are.
func (e *Engine) Match(doc Document) []Result {
	return e.match(doc, -1)
}

// MatchTopic evaluates only the topic at index i.
func (e *Engine) MatchTopic(i int, doc Document) Result {
	return e.match(doc, i)[0]
}

func (e *Engine) match(doc Document, only int) []Result {
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	for len(sc.buckets) < len(e.topics) {
		sc.buckets = append(sc.buckets, nil)
	}
	for ti := range e.topics {
		sc.buckets[ti] = sc.buckets[ti][:0]
	}
	sc.texts = [3]string{nfc(doc.Title), nfc(doc.Summary), nfc(doc.Content)}
	defer func() { sc.texts = [3]string{} }() // do not keep the item alive in the pool
	for f := range e.idx {
		if !e.fold[f] {
			continue
		}
		ix := &e.idx[f]
		if only >= 0 && !ix.topicOn[only] {
			continue
		}
		sc.occ = sc.occ[:0]
		// Word positions run across every field, read or not, so that
		// how far apart two words are (near) does not depend on which
		// other topics the file holds, nor on whether one topic or all
		// are matched (the daemon, topics test, the editor's preview).
		offset := 0
		for fi, text := range sc.texts {
			if text == "" {
				continue
			}
			sc.toks = sc.tz.tokenize(text, f == 1, sc.toks[:0])
			if e.fieldUsed(fi, f, only) {
				sc.occ = ix.scan(sc.toks, fi, offset, sc.occ)
			}
			offset += len(sc.toks)
		}
		// Hand each occurrence to the topics that use its term, so each
		// topic later looks only at its own hits.
		for _, o := range sc.occ {
			roles := ix.patterns[o.pat].roles
			for ri := range roles {
				r := &roles[ri]
				if only >= 0 && r.topic != only || e.topics[r.topic].weights[o.field] <= 0 {
					continue
				}
				sc.buckets[r.topic] = append(sc.buckets[r.topic], topicHit{r, o})
			}
		}
	}
	var out []Result
	for ti := range e.topics {
		if only >= 0 && ti != only {
			continue
		}
		out = append(out, e.evaluate(ti, sc))
	}
	return out
}

// fieldUsed reports whether any topic on tokenisation f searches field fi,
// so that a long content body nobody asked for is not tokenised.
func (e *Engine) fieldUsed(fi, f int, only int) bool {
	for ti, t := range e.topics {
		if (only < 0 || ti == only) && e.idx[f].topicOn[ti] && t.weights[fi] > 0 {
			return true
		}
	}
	return false
}

type topicHit struct {
	r   *role
	occ occurrence
}

func (e *Engine) evaluate(ti int, sc *scratch) Result {
	t := &e.topics[ti]
	res := Result{TopicID: t.id}
	all := sc.buckets[ti]
	hits, ignores := all[:0], sc.ignores[:0]
	defer func() { sc.ignores = ignores[:0] }()
	for _, h := range all {
		if h.r.sect == SectionIgnore {
			ignores = append(ignores, h)
		} else {
			hits = append(hits, h)
		}
	}
	// A third party named in the headline, unless an ignored phrase
	// covers it. Its hits are neither evidence nor shown: they only say
	// whose story the headline tells.
	other := ""
	// A third party named anywhere, which voids the phrases that name
	// both sides at once: "the two leaders" beside Xi may be Putin and Xi.
	third := ""
	// The words that part the headline, in reading order: what stands on
	// either side of one is the third party's dealing with each side in
	// turn. Like third parties, they are neither evidence nor shown.
	var apart []topicHit
	// Hide hits that share a word with an ignored phrase: its words count
	// for nothing, also as part of a longer term ("Moscow-Washington" over
	// an ignored "Washington Capitals"). An exclusion is hidden the same
	// way, so "ignore: Moscow Mule" can soften "not: Moscow".
	kept := hits[:0]
	for _, h := range hits {
		switch {
		case overlapsAny(h.occ, ignores):
		case h.r.sect == SectionOthers || h.r.sect == SectionUnless:
			name := sc.texts[h.occ.field][h.occ.bstart:h.occ.bend]
			if third == "" {
				third = name
			}
			if other == "" && h.occ.field == 0 && h.r.sect == SectionOthers {
				other = name
			}
		case h.r.sect == SectionApart:
			if h.occ.field == 0 {
				apart = append(apart, h)
			}
		default:
			kept = append(kept, h)
		}
	}
	hits = kept
	voided := ""
	if t.both && third != "" {
		kept := hits[:0]
		for _, h := range hits {
			if h.r.sect != SectionBoth {
				kept = append(kept, h)
			} else if voided == "" {
				voided = h.r.term
			}
		}
		hits = kept
	}
	// hits are in reading order already: scan walks the fields and their
	// words in order, and a topic's hits all come from one tokenisation.
	for _, h := range hits {
		if h.r.sect == SectionNot {
			res.Vetoed = h.r.term
			res.Reason = fmt.Sprintf("vetoed by exclusion %q in %s", h.r.term, Fields[h.occ.field])
			return res
		}
	}

	groupHit := make([]bool, len(t.groups))
	// Which groups the headline has, read only for a topic with third
	// parties: most topics pay nothing for them.
	var inTitle []bool
	// parts holds, per group, a bit for each part of the headline that
	// has the group: the parts are the stretches between the words of
	// apart, and a headline that names a third party names both sides
	// only if one part has all the groups it needs.
	var parts []uint64
	if t.need != nil {
		inTitle = make([]bool, len(t.groups))
		if other != "" && len(apart) > 0 {
			parts = make([]uint64, len(t.groups))
		}
	}
	var anyTerms []string
	seen := append(sc.seen[:0], make([]uint8, t.nterms)...)
	defer func() { sc.seen = seen }()
	res.Hits = make([]Hit, 0, len(hits))
	res.Terms = make([]string, 0, min(len(hits), t.nterms))
	res.Words = make([]string, 0, min(len(hits), t.nterms))
	// markGroup records that h names its group, and, in the headline,
	// in which of its parts.
	markGroup := func(h topicHit) {
		groupHit[h.r.group] = true
		if h.occ.field != 0 {
			return
		}
		if inTitle != nil {
			inTitle[h.r.group] = true
		}
		if parts != nil {
			parts[h.r.group] |= partBit(h.occ, apart)
		}
	}
	for i, h := range hits {
		if h.r.sect == SectionBoth && i > 0 && hits[i-1].r.tid == h.r.tid && hits[i-1].occ == h.occ {
			// The same phrase again, for the next group it names: one
			// occurrence in the text, however many groups it stands for.
			markGroup(h)
			continue
		}
		text := sc.texts[h.occ.field][h.occ.bstart:h.occ.bend]
		res.Hits = append(res.Hits, Hit{Term: h.r.term, Field: Fields[h.occ.field], Pos: h.occ.start, Text: text})
		res.Words = appendWord(res.Words, text)
		st := &seen[h.r.tid]
		if *st&seenTerm == 0 {
			*st |= seenTerm
			res.Terms = append(res.Terms, h.r.term)
		}
		// A term repeated in one field is one piece of evidence, not several.
		if fb := seenField << h.occ.field; *st&fb == 0 {
			*st |= fb
			res.Score += t.weights[h.occ.field]
		}
		switch h.r.sect {
		case SectionAny:
			if *st&seenAny == 0 {
				*st |= seenAny
				anyTerms = append(anyTerms, h.r.term)
			}
		case SectionAll, SectionBoth:
			markGroup(h)
		}
	}
	for gi, ok := range groupHit {
		if !ok {
			res.Missing = append(res.Missing, t.groups[gi])
		}
	}
	groupsOK := len(t.groups) > 0 && len(res.Missing) == 0
	if groupsOK && t.near > 0 && !near(t, hits, sc) {
		groupsOK = false
		res.Missing = append(res.Missing, "all groups within "+strconv.Itoa(t.near)+" words")
	}
	if groupsOK && other != "" {
		for _, gi := range t.need {
			if !inTitle[gi] {
				groupsOK = false
				res.Missing = append(res.Missing, fmt.Sprintf("%s in the headline, which names %q", t.groups[gi], other))
			}
		}
		if groupsOK && parts != nil {
			together := ^uint64(0)
			names := make([]string, 0, len(t.need))
			for _, gi := range t.need {
				together &= parts[gi]
				names = append(names, t.groups[gi])
			}
			if together == 0 {
				groupsOK = false
				word := sc.texts[0][apart[0].occ.bstart:apart[0].occ.bend]
				res.Missing = append(res.Missing, fmt.Sprintf("%s in one part of the headline, which names %q and parts them with %q", strings.Join(names, " and "), other, word))
			}
		}
	}
	size := 64
	for _, term := range res.Terms {
		size += len(term) + 4
	}
	b := make([]byte, 0, size+len(anyTerms)*16)
	switch {
	case len(anyTerms) == 0 && !groupsOK:
		switch {
		case len(res.Hits) == 0:
			b = append(b, "no rule term found"...)
		case len(t.groups) == 0:
			b = append(b, "found "...)
			b = appendQuoted(b, res.Terms)
			b = append(b, " but no term that matches alone"...)
		default:
			b = append(b, "found "...)
			b = appendQuoted(b, res.Terms)
		}
		if len(t.groups) > 0 {
			b = append(b, "; missing "...)
			b = append(b, strings.Join(res.Missing, ", ")...)
		}
		if voided != "" {
			b = fmt.Appendf(b, " (%q names no side in an item that names %q)", voided, third)
		}
	case res.Score < t.minScore:
		b = append(b, "found "...)
		b = appendQuoted(b, res.Terms)
		b = fmt.Appendf(b, " but score %.1f is below %.1f", res.Score, t.minScore)
	default:
		res.Matched = true
		res.Missing = nil
		b = append(b, "matched by "...)
		if len(anyTerms) > 0 {
			b = appendQuoted(b, anyTerms)
		} else {
			b = append(b, "all groups"...)
		}
		b = append(b, " (terms "...)
		b = appendQuoted(b, res.Terms)
		b = fmt.Appendf(b, "; score %.1f)", res.Score)
	}
	res.Reason = string(b)
	return res
}

// partBit returns the bit of the part of the headline that o falls in:
// the number of words of apart that end before it starts. Parts past the
// 64th share its bit; no headline has that many.
func partBit(o occurrence, apart []topicHit) uint64 {
	n := 0
	for _, a := range apart {
		if a.occ.end <= o.start {
			n++
		}
	}
	return 1 << min(n, 63)
}

// near reports whether hits of every group fall within t.near words of
// each other, reading title, summary and content as one text. hits are in
// reading order; the window slides over the group hits among them.
func near(t *compiledTopic, hits []topicHit, sc *scratch) bool {
	n := len(t.groups)
	count := append(sc.count[:0], make([]int, n)...)
	defer func() { sc.count = count }()
	have, lo := 0, 0
	for _, h := range hits {
		if h.r.sect != SectionAll && h.r.sect != SectionBoth {
			continue
		}
		if count[h.r.group] == 0 {
			have++
		}
		count[h.r.group]++
		for ; hits[lo].occ.gstart < h.occ.gstart-t.near; lo++ {
			if hits[lo].r.sect != SectionAll && hits[lo].r.sect != SectionBoth {
				continue
			}
			g := hits[lo].r.group
			count[g]--
			if count[g] == 0 {
				have--
			}
		}
		if have == n {
			return true
		}
	}
	return false
}

func overlapsAny(o occurrence, spans []topicHit) bool {
	for _, s := range spans {
		if s.occ.field == o.field && s.occ.pat != o.pat && o.start < s.occ.end && s.occ.start < o.end {
			return true
		}
	}
	return false
}

// appendWord adds w to words unless it is there already, in any case.
// An item has a few dozen hits at most, so a scan beats a map.
func appendWord(words []string, w string) []string {
	for _, x := range words {
		if strings.EqualFold(x, w) {
			return words
		}
	}
	return append(words, w)
}

func appendQuoted(b []byte, terms []string) []byte {
	for i, t := range terms {
		if i > 0 {
			b = append(b, ", "...)
		}
		// Plain quotes rather than Go escaping: editors read these.
		b = append(b, '"')
		b = append(b, t...)
		b = append(b, '"')
	}
	return b
}
