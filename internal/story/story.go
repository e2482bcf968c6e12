// Package story groups matched news reports into stories: the reports of
// one event (a call, a meeting, an exchange, a decision) told by several
// outlets, in English and in Russian, within a few days. It compares what
// an editor would compare: the names in two reports (across scripts and
// Russian case endings, and through a bilingual alias list), their words
// weighted by rarity, the kind of event their headlines name, who and
// where their headlines say it happened, the figures they give and the
// time between them. docs/digest.md explains the method and its measured
// precision and recall, in isolation and in the digest.
//
// The package is pure: it reads nothing, writes nothing and keeps only the
// reports of its window in memory. Its caller stores the assignments,
// relabels its reports when stories merge (Merges), and restores a
// Grouper with Seed.
package story

import (
	"cmp"
	"container/heap"
	"slices"
	"time"
)

// Report is one matched item as grouping sees it.
type Report struct {
	ID        int64     // stable and unique (the item id)
	Title     string    // plain text
	Text      string    // plain text of the summary (may be empty); weaker evidence than the title
	Lang      string    // "en", "ru", or "" (then detected from the script)
	Source    string    // outlet (feed title or host)
	Published time.Time // zero: taken as the latest time seen
}

// DefaultWindow is how long a story stays open after its latest report.
// Wires and papers tell an event within two days and the analyses follow
// the next morning (testdata/stories: every report of an event is within
// 48 hours of another of the same event); the same people's next meeting
// is rarely less than a few days later. Three days keeps a story open over
// a weekend's slower coverage without letting next week's event join it.
const DefaultWindow = 72 * time.Hour

// Options configure a Grouper.
type Options struct {
	// Aliases are extra groups of equivalent names, e.g. {"Эр-Рияд",
	// "Riyadh"}, added to the built-in list (see lexicon.go). Groups that
	// share a name are merged.
	Aliases [][]string
	// Window is how long a story stays open for new reports after its
	// latest one; reports older than the window are forgotten. Zero means
	// DefaultWindow.
	Window time.Duration
	// Threshold is the score from which a report joins a story, from 0
	// to 1; zero means the tuned default. Higher splits more.
	Threshold float64

	// p replaces the tuned parameters (tests: tuning and ablation).
	p *params
}

// Grouper places reports into stories one at a time. It keeps the reports
// of the last Window (by publication time) and their statistics, and
// forgets the rest, so its memory follows the rate of reports, not their
// total. A Grouper is not safe for concurrent use.
type Grouper struct {
	p       params
	window  time.Duration
	x       extractor
	latest  time.Time // the latest publication time seen: the window's end
	heap    entryHeap // live reports, oldest first
	seq     int64
	stats   map[string]*keyStat // the features of live reports
	stories map[int64]*storyState
	idfTab  []float64 // idf by df for a window of idfN reports
	idfN    int
	mark    uint64 // marks the features of the report being placed

	scratch weighted
	other   weighted
	shared  map[*storyState]float64 // candidates: rarity of what they share
	cands   []*storyState
	fits    []*storyState // the candidates a report fits
	scored  []scoredStory // the candidates a report was scored against
	// rereading is reread's result, kept here so that it costs no
	// allocation.
	rereading rereading
	merges    []Merge // since the last call of Merges
}

type entry struct {
	id    int64
	at    time.Time
	seq   int64
	f     *features
	story *storyState
}

type storyState struct {
	id int64
	// born is the seq of the report that started the story, the
	// earliest of the two on a merge: ties between stories go to the
	// one that formed first, so that grouping does not depend on the ids
	// a caller gives (a store's, in the order concurrent polls ended).
	born    int64
	members []*entry // in the order they were added
}

// New returns a Grouper with the built-in aliases and opts.
func New(opts Options) *Grouper {
	g := &Grouper{
		p:       defaultParams,
		window:  opts.Window,
		stats:   map[string]*keyStat{},
		idfTab:  make([]float64, 256),
		stories: map[int64]*storyState{},
		shared:  map[*storyState]float64{},
	}
	if opts.p != nil {
		g.p = *opts.p
	}
	if opts.Threshold > 0 {
		g.p.threshold = opts.Threshold
	}
	if g.window <= 0 {
		g.window = DefaultWindow
	}
	builtin := builtinAliases
	if g.p.noAliases {
		builtin = nil
	}
	g.x.aliases = newAliasTable(builtin, opts.Aliases)
	if !g.p.noSeas {
		g.x.seas = newAliasTable(seaNames)
	}
	if !g.p.noOffices {
		offices, err := newOffices(officeTable, g.x.aliases)
		if err != nil {
			panic(err) // the table is part of the code; TestOfficeTable reads it
		}
		g.x.offices = offices
	}
	g.x.titleWeight = g.p.titleWeight
	g.x.noKey = g.p.noKey
	g.x.noPlaceAdj = g.p.noPlaceAdjectives
	g.x.locative = g.p.locative
	g.x.nearNames = g.p.nearNames
	g.x.dates = g.p.dates
	g.x.callPlaces = g.p.callPlaces
	g.x.openingNames = g.p.openingNames
	g.x.homecoming = g.p.homecoming
	g.x.remand = g.p.remand
	g.x.sideWeight = g.p.sideWeight
	g.x.sideWords = g.p.sideWords
	g.x.noSubjects = g.p.noSubjects
	g.x.speakerWeight = g.p.speakerWeight
	g.x.speakers = map[string]bool{}
	for _, n := range speakerNames {
		g.x.speakers[Key(n)] = true
	}
	return g
}

// Group is the batch form for previews and evaluation: the story id of
// each report, taking the reports in the order given, after the merges.
func Group(reports []Report, opts Options) map[int64]int64 {
	g := New(opts)
	out := make(map[int64]int64, len(reports))
	for _, r := range reports {
		out[r.ID] = g.Add(r)
		for _, m := range g.Merges() {
			for id, s := range out {
				if s == m.From {
					out[id] = m.Into
				}
			}
		}
	}
	return out
}

// Add places r in the open story it matches best, or starts a new story,
// and returns the story's id: the ID of the story's first report. Calls
// come in arrival order, which need not be publication order: a report is
// compared with the open stories that share its rarer names, words and
// figures, whenever their reports were published within the window. When
// r fits other stories too and they fit its story as well, they are
// merged into the one with the smallest id (see Merges).
func (g *Grouper) Add(r Report) int64 {
	r.Published = g.advance(r.Published)
	f := g.features(r)
	g.markFeatures(f)
	g.fits, g.scored = g.fits[:0], g.scored[:0]
	for _, s := range g.candidates(f) {
		sc := g.storyScore(&g.scratch, s, r.Published)
		if g.p.trace != nil {
			g.p.trace(r, s.id, sc)
		}
		if sc >= g.p.threshold {
			g.fits = append(g.fits, s)
		}
		g.scored = append(g.scored, scoredStory{s, sc})
	}
	id := r.ID
	if best, score := g.bestScored(nil); best != nil && score >= g.p.threshold {
		id = best.id
	} else if s := g.commentaryStory(f); s != nil {
		id = s.id
	}
	e := g.insert(r.ID, r.Published, f, id)
	if g.p.merge && len(g.fits) > 1 {
		g.mergeFits(e)
	}
	return e.story.id
}

// mergeFits joins the stories that the report e fitted besides its own,
// when they are one story by the same measure a report joins by: the mean
// score of their reports' pairs, and when fewer than half their pairs
// are told apart as two events (params.mergeApart): a statement that
// foretold a call and the call are two events, whatever a third report
// that fits both shares with each. Two stories of one event form when its
// reports arrive out of order (an analysis before the wire it follows,
// a Russian report before the English one); the report that fits both
// shows they may be one.
func (g *Grouper) mergeFits(e *entry) {
	for _, s := range g.fits {
		into := e.story
		if s == into || g.stories[s.id] != s {
			continue
		}
		score, prob, apart := g.linkScore(into, s)
		if score < g.p.threshold || g.p.veto != nil && prob < g.p.mergeProb || g.p.mergeApart > 0 && apart >= g.p.mergeApart {
			continue
		}
		// The story with the smaller id stays: its first report was stored
		// first, and a story a digest has mailed keeps its id.
		a, b := into, s
		if b.id < a.id {
			a, b = b, a
		}
		g.merge(a, b)
	}
}

// linkScore is the mean pair score of the latest reports of a and b, the
// mean probability the model's veto gives their pairs (0 without it), and
// the share of their pairs told apart as two events (apart).
func (g *Grouper) linkScore(a, b *storyState) (score, prob, apart float64) {
	am := a.members[max(0, len(a.members)-maxMembers):]
	bm := b.members[max(0, len(b.members)-maxMembers):]
	var sum, probs float64
	var aHas, bHas, agree uint8
	for _, x := range am {
		g.weigh(x.f, &g.scratch)
		aHas |= headBits(x.f)
		for _, y := range bm {
			g.weigh(y.f, &g.other)
			ev := g.gather(&g.scratch, &g.other)
			hours := x.at.Sub(y.at).Hours()
			s, p := g.assess(&g.scratch, &g.other, &ev, hours)
			sum, probs = sum+s, probs+p
			if g.apart(&g.scratch, &g.other, &ev, hours) {
				apart++
			}
			agree |= ev.agree
		}
	}
	for _, y := range bm {
		bHas |= headBits(y.f)
	}
	n := float64(len(am) * len(bm))
	return g.storyDiffer(sum/n, aHas, bHas, agree), probs / n, apart / n
}

// merge moves the reports of story b into story a, keeping the order in
// which they were added, and records the merge for Merges.
func (g *Grouper) merge(a, b *storyState) {
	for _, m := range b.members {
		m.story = a
	}
	a.members = append(a.members, b.members...)
	a.born = min(a.born, b.born)
	slices.SortFunc(a.members, func(x, y *entry) int { return cmp.Compare(x.seq, y.seq) })
	// b may still be held where candidates were listed; its reports are
	// a's now, and must not outlive their eviction through it.
	b.members = nil
	delete(g.stories, b.id)
	g.merges = append(g.merges, Merge{From: b.id, Into: a.id})
}

// Merge says that story From is now part of story Into.
type Merge struct{ From, Into int64 }

// Merges returns the merges of stories since the last call, in the order
// they happened: the caller relabels the reports it placed in From.
func (g *Grouper) Merges() []Merge {
	out := g.merges
	g.merges = nil
	return out
}

// markFeatures weighs the features of the report being placed and marks
// those the window has (see keyStat).
func (g *Grouper) markFeatures(f *features) {
	for i := range f.feats {
		f.feats[i].stat = g.stats[f.feats[i].key]
	}
	g.weigh(f, &g.scratch)
	g.mark++
	for i := range f.feats {
		if st := f.feats[i].stat; st != nil {
			st.mark, st.markW, st.markHead = g.mark, g.scratch.w[i], 0
		}
	}
	for h, keys := range f.heads {
		for _, k := range keys {
			if st := g.stats[k]; st != nil {
				st.markHead |= 1 << h
			}
		}
	}
}

// Seed restores state from stored assignments: r is known to belong to
// story. Seeding the reports published in the last Window before the
// latest one, in the order they were added, and then adding new ones gives
// the same ids as one Grouper that saw everything.
func (g *Grouper) Seed(r Report, story int64) {
	r.Published = g.advance(r.Published)
	if story == 0 {
		story = r.ID
	}
	g.insert(r.ID, r.Published, g.features(r), story)
}

// features reads r's features as the window sees them: the word that
// opens its headline as a commentary's does (features.openingName) is
// who the headline names when another report of the window names it
// («Тритон у Тарханкута» after the wires' "MQ-4C Triton"; «Разморозка по
// лицензии» names no one).
func (g *Grouper) features(r Report) *features {
	f := g.x.features(r)
	if f.openingName != "" {
		if st := g.stats[f.openingName]; st != nil && st.df > 0 {
			f.addHead(headWho, f.openingName)
			f.openingName = ""
		}
	}
	return f
}

// Size returns how many stories and reports the Grouper holds: those of
// the last Window.
func (g *Grouper) Size() (stories, reports int) { return len(g.stories), len(g.heap) }

// advance moves the window's end to t if t is later, forgets what falls
// out of the window, and returns t (the window's end for a zero t).
func (g *Grouper) advance(t time.Time) time.Time {
	if t.IsZero() {
		t = g.latest
	}
	if t.After(g.latest) {
		g.latest = t
	}
	cutoff := g.latest.Add(-g.window)
	for len(g.heap) > 0 && g.heap[0].at.Before(cutoff) {
		g.evict(heap.Pop(&g.heap).(*entry))
	}
	return t
}

func (g *Grouper) insert(id int64, at time.Time, f *features, story int64) *entry {
	s := g.stories[story]
	if s == nil {
		s = &storyState{id: story, born: g.seq + 1}
		g.stories[story] = s
	}
	g.seq++
	e := &entry{id: id, at: at, seq: g.seq, f: f, story: s}
	s.members = append(s.members, e)
	heap.Push(&g.heap, e)
	for i := range f.feats {
		ft := &f.feats[i]
		st := g.stats[ft.key]
		if st == nil {
			st = &keyStat{}
			g.stats[ft.key] = st
		}
		st.df++
		if indexed(ft.key) {
			st.posting = append(st.posting, e)
		}
		ft.stat = st
	}
	for h, keys := range f.heads {
		f.headStats[h] = f.headStats[h][:0]
		for _, k := range keys {
			f.headStats[h] = append(f.headStats[h], g.stats[k])
		}
	}
	return e
}

// indexed reports the kinds of feature that find candidate stories: a
// shared concept ("meeting") is too common to narrow the search on its
// own.
func indexed(key string) bool {
	return key[0] == kindName || key[0] == kindWord || key[0] == kindNumber
}

func (g *Grouper) evict(e *entry) {
	for i := range e.f.feats {
		ft := &e.f.feats[i]
		st := ft.stat
		if st.df--; st.df == 0 {
			delete(g.stats, ft.key)
			continue
		}
		if indexed(ft.key) {
			st.posting = remove(st.posting, e)
		}
	}
	s := e.story
	s.members = remove(s.members, e)
	if len(s.members) == 0 {
		delete(g.stories, s.id)
	}
}

// remove deletes e from list. Reports leave the window roughly in the
// order they entered it, so e is usually first.
func remove(list []*entry, e *entry) []*entry {
	for i, x := range list {
		if x == e {
			if i == 0 {
				list[0] = nil
				return list[1:]
			}
			copy(list[i:], list[i+1:])
			list[len(list)-1] = nil
			return list[:len(list)-1]
		}
	}
	return list
}

// maxPosting bounds the reports read through one feature: a feature that
// more than one report in fifty shares (Russia, talks, a minister's name
// in a busy week) finds many stories and so narrows nothing; the rarer
// features of an event (the other people's names, the place, the figures)
// find its story.
func (g *Grouper) maxPosting() int {
	return max(64, len(g.heap)/50)
}

// maxCandidates is how many stories a report is scored against in full:
// those that share the most rare features with it.
const maxCandidates = 10

// candidates returns the open stories that share the rarest names, words
// or figures with f: at most maxCandidates, ranked by the summed rarity
// of what they share, ties to the older story.
func (g *Grouper) candidates(f *features) []*storyState {
	limit := g.maxPosting()
	clear(g.shared)
	for i := range f.feats {
		ft := &f.feats[i]
		if !indexed(ft.key) {
			continue
		}
		st := g.stats[ft.key]
		if st == nil || len(st.posting) > limit {
			continue
		}
		w := g.idf(st.df)
		for _, e := range st.posting {
			g.shared[e.story] += w
		}
	}
	out := g.cands[:0]
	for s := range g.shared {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *storyState) int {
		if c := cmp.Compare(g.shared[b], g.shared[a]); c != 0 {
			return c
		}
		return cmp.Compare(a.born, b.born)
	})
	if len(out) > maxCandidates {
		out = out[:maxCandidates]
	}
	g.cands = out
	return out
}

// maxMembers is how many of a story's reports, the latest to arrive, a
// new report is compared with: enough to know the story, and a bound on
// the cost of a story that has grown large.
const maxMembers = 8

// storyScore is a report's score against a story: the mean of its
// scores against the story's latest reports (or the best of them, as
// params say); 0 when half of them are told apart from it as two events
// (params.joinApart).
func (g *Grouper) storyScore(a *weighted, s *storyState, at time.Time) float64 {
	best, sum := 0.0, 0.0
	var has, agree uint8
	apart := 0
	fit := 0
	members := s.members[max(0, len(s.members)-maxMembers):]
	for _, m := range members {
		g.weigh(m.f, &g.other)
		sc, ag, ap := g.markedScore(a, &g.other, at.Sub(m.at).Hours())
		if ap {
			apart++
		}
		sum += sc
		if sc >= g.p.threshold {
			fit++
		}
		best = max(best, sc)
		has |= headBits(m.f)
		agree |= ag
	}
	score := best
	if g.p.link == linkMean {
		score = sum / float64(len(members))
	}
	if g.p.quorum > 0 && float64(fit) <= g.p.quorum*float64(len(members)) {
		return 0
	}
	if g.p.joinApart > 0 && float64(apart) >= g.p.joinApart*float64(len(members)) {
		return 0
	}
	return g.storyDiffer(score, headBits(a.f), has, agree)
}

// entryHeap orders live reports by publication time, then arrival.
type entryHeap []*entry

func (h entryHeap) Len() int { return len(h) }
func (h entryHeap) Less(i, j int) bool {
	if h[i].at.Equal(h[j].at) {
		return h[i].seq < h[j].seq
	}
	return h[i].at.Before(h[j].at)
}
func (h entryHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *entryHeap) Push(x any)   { *h = append(*h, x.(*entry)) }
func (h *entryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}

// scoredStory is a candidate story and a report's score against it.
type scoredStory struct {
	story *storyState
	score float64
}

// bestScored is the story of g.scored that the report scores best
// against (ties to the older) among those keep allows (all when keep is
// nil), and its score.
func (g *Grouper) bestScored(keep func(*storyState) bool) (*storyState, float64) {
	var best *storyState
	var score float64
	for _, c := range g.scored {
		if keep != nil && !keep(c.story) {
			continue
		}
		if best == nil || c.score > score || c.score == score && c.story.born < best.born {
			best, score = c.story, c.score
		}
	}
	return best, score
}

// commentaryStory is the story that a report with features f joins,
// scoring under the threshold against every story, or nil
// (params.nameless): a commentary's headline (commentaryHeadline) and
// summary tell its event in other words than the wires', so it joins at
// a lower bar the story it scores best against, when no rival comes near
// (namelessLead). When the headline names someone or somewhere
// («Двенадцать метров над Охотским»), the stories that name them come
// first, and only they are rivals (params.commentaryNames): an event
// whose wires started two stories, the intercept over the Sea of Okhotsk
// and the protest of it "near Kamchatka", leaves the commentary that
// names the sea a story to join, not two rivals.
func (g *Grouper) commentaryStory(f *features) *storyState {
	if g.p.nameless == 0 || !g.commentaryHeadline(f) {
		return nil
	}
	bar := g.p.nameless * g.p.threshold
	var names []string
	if g.p.commentaryNames {
		names = slices.Concat(f.heads[headWho], f.heads[headWhere])
	}
	rival := func(s *storyState) bool { return len(names) == 0 || storyNames(s, f, names) }
	best, score := g.bestScored(rival)
	if best == nil || score < bar {
		best, score = g.bestScored(nil)
	}
	if best == nil || score < bar {
		return nil
	}
	for _, c := range g.scored {
		if c.story != best && rival(c.story) && score < g.p.namelessLead*c.score {
			return nil
		}
	}
	return best
}

// storyNames reports whether a report of s names one of names, f's, or
// the sea one of them spells.
func storyNames(s *storyState, f *features, names []string) bool {
	for _, m := range s.members {
		for _, k := range names {
			if m.f.has(k) {
				return true
			}
		}
		for _, sp := range f.seaSpellings {
			if slices.Contains(names, sp.name) && m.f.has(sp.sea) {
				return true
			}
		}
	}
	return false
}

// commentaryHeadline reports whether f's headline reads as a paper's
// commentary's: it names nothing (nameless: «Три пункта за сорок
// минут»), or it is short, params.commentaryWords words or fewer, names
// no one but where («Восемь метров над Латакией», params.nearNames) and
// tells no statement («Пятьдесят минут у экватора», «Перехват с орбиты»,
// «Гаванский рейд»). A wire's headline tells who did what, and where, in
// more words.
func (g *Grouper) commentaryHeadline(f *features) bool {
	if nameless(f) {
		return true
	}
	// nearWho holds the who that follow «над», «у», «из», once each.
	return g.p.commentaryWords > 0 && f.titleWords <= g.p.commentaryWords && len(f.heads[headWho]) == len(f.nearWho) && !f.titleStatement
}

// nameless reports whether f's headline names no side, no one, no place,
// no agency and no concept (params.nameless): «Счет за больничные
// серверы»; "In Geneva, Two Leaders Trade a Deal for a Process" names a
// place. A figure is allowed: «Сорок пять метров над палубой».
func nameless(f *features) bool {
	if f.titleSides != 0 || namesActors(f) {
		return false
	}
	for _, k := range f.titleTopics {
		if k[0] == kindConcept {
			return false
		}
	}
	return true
}
