package story

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// feat is one thing a report says, with how often and where: a name, a
// word, a concept or a number. tf counts a title hit titleWeight times.
type feat struct {
	key     string
	tf      float64
	kind    uint8    // kindIndex(key[0])
	side    bool     // a name of the sides (sideNames)
	speaker bool     // a spokesperson's name (speakerNames)
	voice   bool     // the name of a spokesperson's office (voiceNames)
	third   bool     // a third country's name (thirdCountries)
	stat    *keyStat // the window's statistics of key, once the report is in it
}

// keyStat is what the window knows of one feature: how many of its
// reports have it, and, for the kinds that find candidates, which.
type keyStat struct {
	df      int
	posting []*entry
	// While Add scores a report, the features it shares with the window
	// carry a mark (Grouper.mark) and its weight, so that comparing it
	// with a window report reads that report's features once and compares
	// no strings.
	mark     uint64
	markW    float64
	markHead uint8 // bit h: one of heads[h] of the report being placed
}

// Kinds of feature, the first byte of a key. Each kind is compared on its
// own (score.go) so that one can be weighed, and switched off, apart from
// the others.
const (
	kindName    = 'e' // a person, place or body: alias id or Key of a capitalised word
	kindWord    = 'w' // a word's stem, in one language ("w" + lang + ":" + stem)
	kindConcept = 'c' // a concept of the bilingual table
	kindNumber  = 'n' // a figure, written in digits or words
	kindGloss   = 'g' // a word of the news glossary, in either language
	kindSea     = 's' // a sea, in either language (seaNames)
	numKinds    = 6
)

var kinds = [numKinds]byte{kindName, kindWord, kindConcept, kindNumber, kindGloss, kindSea}

func kindIndex(k byte) uint8 {
	switch k {
	case kindName:
		return 0
	case kindWord:
		return 1
	case kindConcept:
		return 2
	case kindGloss:
		return 4
	case kindSea:
		return 5
	}
	return 3
}

// features is what grouping keeps of one report.
type features struct {
	lang          string
	source        string // the outlet, as given
	feats         []feat // sorted by key, each key once
	titleActions  uint32 // action concepts named in the title (concept.action bits)
	titleSubjects uint64 // subject concepts named in the title (concept.subject bits)
	subjects      uint64 // subject concepts named anywhere
	actions       uint32 // action concepts named anywhere
	// heads are the keys of what the headline says of who, where and how
	// many: heads[headWho] the names no alias knows (people, mostly) and
	// the people of personNames; heads[headWhere] the cities of
	// placeNames and the names after "in" or "в" (inPlace);
	// heads[headFigure] its figures; heads[headBody] the agencies of
	// bodyNames. Countries, regions and the sides are
	// none of them. headStats are their statistics, once the report is in
	// the window.
	heads     [numHeads][]string
	headStats [numHeads][]*keyStat
	// titleTopics are the concepts and figures the headline names.
	titleTopics []string
	// titleThird is whether the headline names a third country
	// (thirdCountries).
	titleThird bool
	// titleThirdFirst is whether a third country's name is one of the
	// headline's first two words, the subject of its verb or its
	// subject's owner («Минэкономики Киргизии проверит…») (answers,
	// thirdForetells).
	titleThirdFirst bool
	// titleThirdOpens is whether the headline names a third country
	// among its first two words and before either side: "Singapore
	// reviews licence of trader hit by US sanctions" opens with its
	// subject, "US, Britain and Australia jointly sanction…" with the
	// side that acts (answersSanctions).
	titleThirdOpens bool
	// titleThirdNames are the keys of the third countries' names the
	// headline gives (feat.third, thirdForetells).
	titleThirdNames []string
	// titleThirdWhere are those of titleThirdNames the headline gives as
	// where its event took place ("after talks in Turkey", thirdForetells).
	titleThirdWhere []string
	// titleUkraine is whether the headline opens with Ukraine or Kyiv,
	// the subject of its verb (thirdParty).
	titleUkraine bool
	// titleAppeal is whether the headline tells of a call on someone to
	// act (appealWords, thirdParty).
	titleAppeal bool
	// titleGoodOffices is whether the headline tells of a mediator, or
	// of thanks («Песков поблагодарил Катар за посредничество в обмене
	// с США»): a third country it names helped the sides' act rather
	// than acted on its own (goodOfficesPrefixes, thirdPaired).
	titleGoodOffices bool
	// titleSides says which sides (sideNames) the headline names: none,
	// americanSide, russianSide or both ("US sanctions suppliers of
	// Russia's arms industry").
	titleSides uint8
	// kin and titleKin are whether the report, and its headline, name a
	// relative of someone (kinWords, params.kinMiss).
	kin, titleKin bool
	// titleLeftOut is whether the headline tells of someone left out
	// ("asks why he was left out of swap", leftOut).
	titleLeftOut bool
	// titleForecast is whether the headline is a statement of what is to
	// come (forecast, params.forecastMiss).
	titleForecast bool
	// titleSoon is whether the headline names the coming days ("this
	// week", «до конца недели», soonWords, soonPhrases).
	titleSoon bool
	// eveActions are the actions of the event the headline dates its own
	// by, the one it comes ahead of (eveOf): a report of that event,
	// hours or days later, tells another event than this one (foretells).
	eveActions uint32
	// callsMeeting is whether the headline tells a call that discussed
	// a meeting and names a place, which is the meeting's: a call has
	// none («Лавров и Рубио обсудили по телефону консультации в Женеве»)
	// (extractor.callPlaces, foretells).
	callsMeeting bool
	// hoursToDate is, when the headline names a day one to sixty days
	// after the report's own («встретится в Нью-Йорке 23 сентября»,
	// "set June 23 summit"), the hours from the report to that day's
	// start (dayAhead): what happens on it is another event (foretells).
	hoursToDate float64
	// titleDrills is whether the headline tells an exercise that is no
	// joint one (drillsHeadline, params.drillsMiss).
	titleDrills bool
	// titleStatement is whether the headline tells what someone said, and
	// titleSpeakers the names it gives of who said it (statement,
	// params.statementMiss).
	titleStatement bool
	titleSpeakers  []string
	// titleGloss are the glossary's words the headline uses (kindGloss).
	titleGloss []string
	// longMeeting is whether the report tells of a meeting that lasts
	// more than a day ("two days of talks", «двухдневные консультации»;
	// meetingDays, params.meetingSpan).
	longMeeting bool
	// titleWords is the number of the headline's words
	// (commentaryHeadline).
	titleWords int
	// nearWho are the keys of the headline's who that follow a
	// preposition of near, over or from where (nearName).
	nearWho []string
	// seaSpellings are the names the report reads in the words that name
	// a sea, each with the sea: «над Баренцевым» is the name "brnĉv",
	// "over the Barents" "brnĉ", and both are one sea (Grouper.reread).
	seaSpellings []seaSpelling
	// designations are the headline's figures that number an aircraft, a
	// ship or a missile ("МиГ-31", "RC-135"): a name, not a figure of
	// the event. plainFigures are those it gives on their own, which may
	// be the same number («Су-35 … в 35 метрах»).
	designations []string
	plainFigures []string
	// openingName is the key of the word that opens the headline as a
	// commentary's does, read as a name but not yet as who the headline
	// names (extractor.openingNames).
	openingName string
}

// The bits of features.titleSides.
const (
	americanSide uint8 = 1 << iota
	russianSide
	bothSides = americanSide | russianSide
)

const (
	headWho = iota
	headWhere
	headFigure
	headBody
	numHeads
)

// addHead records key as a name the headline gives.
func (f *features) addHead(h int, key string) { f.heads[h] = addOnce(f.heads[h], key) }

func (f *features) addTitleTopic(key string) { f.titleTopics = addOnce(f.titleTopics, key) }

// addOnce appends key to keys unless it is there: a headline names a few
// things, so a list is cheaper than a set.
func addOnce(keys []string, key string) []string {
	if slices.Contains(keys, key) {
		return keys
	}
	return append(keys, key)
}

// shareTitleTopic reports whether the headlines of a and b name a concept
// or a figure in common.
func shareTitleTopic(a, b *features) bool { return sharesAny(a.titleTopics, b.titleTopics) }

// shareTitleGloss reports whether the headlines of a and b use a word of
// the glossary in common.
func shareTitleGloss(a, b *features) bool { return sharesAny(a.titleGloss, b.titleGloss) }

// sharesAny reports whether a and b have a key in common.
func sharesAny(a, b []string) bool {
	return slices.ContainsFunc(a, func(k string) bool { return slices.Contains(b, k) })
}

// containsAll reports whether every key of b is one of a's.
func containsAll(a, b []string) bool {
	return !slices.ContainsFunc(b, func(k string) bool { return !slices.Contains(a, k) })
}

// has reports whether f has the feature key.
func (f *features) has(key string) bool {
	_, ok := slices.BinarySearchFunc(f.feats, key, func(ft feat, k string) int { return strings.Compare(ft.key, k) })
	return ok
}

// extractor turns reports into features with one alias table.
type extractor struct {
	aliases *aliasTable
	seas    *aliasTable // seaNames; nil: a sea is only the names that spell it (ablation)
	offices *offices    // nil: posts are no names (ablation)
	// titleWeight is how much more a word in the headline counts than one
	// in the summary: the headline says what the report is about, the
	// summary also gives background.
	titleWeight float64
	noKey       bool // names as spelled (ablation)
	locative    bool // names after "in" and "в" are places (see inPlace)
	nearNames   bool // note who follows «над», «у», «из» (see nearName)
	dates       bool // read the day a headline names ahead (dayAhead)
	callPlaces  bool // read a call's place as the meeting's it discussed (features.callsMeeting)
	// openingNames reads a word that opens a headline as a commentary's
	// does (opensCommentary) as a name, but as who the headline names only
	// when the report names it again (a second count of its name, from a
	// capital inside a sentence or a post its holder holds) or another
	// report of the window names it (Grouper.features). Read as a who,
	// «Катушки» and «Разморозка» parted the next morning's commentary
	// from every report of its event whose headline names someone.
	openingNames bool
	homecoming   bool // see homecoming
	remand       bool // see remand
	noPlaceAdj   bool // no adjective read as a place (ablation)
	sideWeight   float64
	sideWords    bool // the sides' names are words too (see params)
	noSubjects   bool // no subject concepts (ablation)
	// speakers are the Keys of speakerNames; speakerWeight is what such a
	// name counts for (params.speakerWeight).
	speakers      map[string]bool
	speakerWeight float64
	buf           []word
	// thirdNames are the keys of the third countries' names in the report
	// being read (feat.third).
	thirdNames []string
}

func (x *extractor) features(r Report) *features {
	f := &features{lang: r.Lang, source: r.Source}
	if f.lang == "" {
		f.lang = Lang(r.Title + " " + r.Text)
	}
	tf := map[string]float64{}
	x.thirdNames = x.thirdNames[:0]
	x.field(r.Title, x.titleWeight, tf, f, true, r.Published)
	if x.callPlaces {
		f.callsMeeting = f.titleActions&callAction != 0 && f.titleActions&meetingAction != 0 && len(f.heads[headWhere]) > 0
	}
	x.field(r.Text, 1, tf, f, false, r.Published)
	if f.openingName != "" && tf[f.openingName] > x.titleWeight {
		// Named again in the report: who the headline names.
		f.addHead(headWho, f.openingName)
		f.openingName = ""
	}
	f.feats = make([]feat, 0, len(tf))
	for k, v := range tf {
		name := k[0] == kindName
		f.feats = append(f.feats, feat{key: k, tf: v, kind: kindIndex(k[0]), side: name && x.aliases.sides[k[1:]], speaker: name && x.speakers[k[1:]], voice: name && x.aliases.voices[k[1:]], third: name && slices.Contains(x.thirdNames, k)})
	}
	sortFeats(f.feats)
	return f
}

func sortFeats(fs []feat) {
	// Insertion sort: a report has a few dozen features.
	for i := 1; i < len(fs); i++ {
		for j := i; j > 0 && fs[j].key < fs[j-1].key; j-- {
			fs[j], fs[j-1] = fs[j-1], fs[j]
		}
	}
}

// field adds the features of one field of a report published at at:
// the names of the alias table, the posts read as their holders, the
// concepts, then the figures, words and the other names, in that order,
// since each pass leaves out the words an earlier one took.
func (x *extractor) field(text string, weight float64, tf map[string]float64, f *features, title bool, at time.Time) {
	if text == "" {
		return
	}
	p := x.newFieldPass(text, weight, tf, f, title)
	if title && x.dates {
		f.hoursToDate = dayAhead(p.ws, at)
	}
	p.seaNames()
	if title {
		p.thirdCountryHeadline()
	}
	p.aliasNames()
	if title {
		p.f.titleThirdOpens = p.f.titleThirdFirst && (p.sideAt < 0 || p.thirdAt < p.sideAt)
	}
	if x.offices != nil {
		p.officeHolders(at)
	}
	p.concepts()
	p.wordsAndNames()
}

// fieldPass is the state of reading one field (extractor.field).
type fieldPass struct {
	x      *extractor
	ws     []word
	stems  []string
	weight float64
	tf     map[string]float64
	f      *features
	title  bool
	// speakerEnd: the headline's words before it are who spoke.
	speakerEnd int
	// home and custody: the headline tells of freed prisoners coming
	// home (homecoming) or of a custody order after a detention (remand).
	home, custody bool
	used          []bool // taken by an alias or a phrase
	sideWord      []bool // a word of the sides' names
	voicePost     []bool // a word of a spokesperson's post
	inConcept     []bool // a word of a concept
	inSea         []bool // a word of a sea's name (seaNames)
	// thirdAt and sideAt: the headline's first word of a third
	// country's name and of a side's (-1: none).
	thirdAt, sideAt int
}

func (x *extractor) newFieldPass(text string, weight float64, tf map[string]float64, f *features, title bool) *fieldPass {
	ws := words(text, x.buf[:0])
	x.buf = ws
	p := &fieldPass{x: x, ws: ws, stems: make([]string, len(ws)), weight: weight, tf: tf, f: f, title: title, thirdAt: -1, sideAt: -1}
	for i, w := range ws {
		p.stems[i] = stem(w.lower, w.cyr)
		if title && appealWords[w.lower] {
			f.titleAppeal = true
		}
		if title && hasAnyPrefix(w.lower, goodOfficesPrefixes) {
			f.titleGoodOffices = true
		}
		if title && leftOut(ws, i) {
			f.titleLeftOut = true
		}
		if isKin(w.lower) {
			f.kin = true
			f.titleKin = f.titleKin || title
		}
	}
	f.longMeeting = f.longMeeting || meetingDays(ws)
	if title {
		f.titleWords = len(ws)
		f.titleForecast = forecast(ws)
		f.titleSoon = soon(ws)
		if at := eveOf(ws); at > 0 {
			f.eveActions = headlineActions(ws[at:])
		}
		f.titleDrills = drillsHeadline(ws)
		f.titleStatement, p.speakerEnd = statement(ws)
	}
	if title && (x.homecoming || x.remand) {
		acts := headlineActions(ws)
		p.home = x.homecoming && homecoming(ws, acts)
		p.custody = x.remand && remand(ws, acts)
	}
	flags := make([]bool, 5*len(ws))
	p.used = flags[:len(ws)]
	p.sideWord = flags[len(ws) : 2*len(ws)]
	p.voicePost = flags[2*len(ws) : 3*len(ws)]
	p.inConcept = flags[3*len(ws) : 4*len(ws)]
	p.inSea = flags[4*len(ws):]
	return p
}

// thirdCountryHeadline reads whether the headline names a third country
// (titleThird), and whether it opens with it (titleThirdFirst). A
// country named as where («в Швейцарии»), as a meeting's adjective
// ("after Swiss meeting", venueAdjective) or in a sea's name ("over the
// Sea of Japan", seaNames) is not a party to what the headline tells.
func (p *fieldPass) thirdCountryHeadline() {
	ws := p.ws
	for i, w := range ws {
		if isThirdCountry(w.lower) && !afterLocative(ws, i) && !venueAdjective(ws, i) && !p.inSea[i] {
			p.thirdAt = i
			break
		}
	}
	p.f.titleThird = p.thirdAt >= 0
	p.f.titleThirdFirst = p.f.titleThird && p.thirdAt < 2
}

// addSpeaker records the name key at word i as who spoke, when the
// headline is a statement and the word comes before what was said.
func (p *fieldPass) addSpeaker(i int, key string) {
	if i < p.speakerEnd {
		p.f.titleSpeakers = addOnce(p.f.titleSpeakers, key)
	}
}

// addPlace records where the headline says the event was; a freed
// prisoner's airport is where he came home.
func (p *fieldPass) addPlace(key string) {
	if !p.home {
		p.f.addHead(headWhere, key)
	}
}

// seaSpelling is a name (kindName key) that spells a sea (kindSea key).
type seaSpelling struct{ name, sea string }

// seaNames reads the seas (kindSea). It takes no word from the passes
// after it: the names they read are the model's input, and the seas come
// after the model (Grouper.reread). It marks the words of a sea's name,
// whose country ("Sea of Japan") is no third country (inSea).
func (p *fieldPass) seaNames() {
	if p.x.seas == nil {
		return
	}
	for i := 0; i < len(p.ws); i++ {
		id, n := p.x.seas.match(p.ws, p.stems, i)
		if n == 0 {
			continue
		}
		sea := string(kindSea) + id
		p.tf[sea] += p.weight
		for j := i; j < i+n; j++ {
			p.inSea[j] = true
			if k, ok := p.nameKey(j); ok && isName(p.ws, j) {
				p.f.seaSpellings = append(p.f.seaSpellings, seaSpelling{string(kindName) + k, sea})
			}
		}
		i += n - 1
	}
}

// nameKey is the key of the name at ws[i] (name), and whether it is long
// enough to be one.
func (p *fieldPass) nameKey(i int) (string, bool) {
	k := Key(p.ws[i].lower)
	if p.x.noKey {
		k = p.stems[i]
	}
	return k, len(k) >= 2
}

// aliasNames reads the names of the alias table.
func (p *fieldPass) aliasNames() {
	x, ws, f, title := p.x, p.ws, p.f, p.title
	end := 0 // past the latest name of the aliases that is no side's
	for i := 0; i < len(ws); i++ {
		id, n := x.aliases.match(ws, p.stems, i)
		if n == 0 {
			continue
		}
		if x.aliases.bodies[id] && i > 0 && isThirdCountry(ws[i-1].lower) {
			// "China's navy" is not the US Navy, nor "японская
			// береговая охрана" Russia's border guard.
			continue
		}
		if i < end && !x.aliases.sides[id] {
			// A name inside a longer one is part of it: "Navy" in
			// "Russian Navy" is not the US Navy. A side's name is
			// also itself: "Минфин США" names the United States.
			continue
		}
		if !x.aliases.sides[id] {
			end = max(end, i+n)
		}
		key := string(kindName) + id
		if title && x.aliases.sides[id] {
			if p.sideAt < 0 {
				p.sideAt = i
			}
			if x.aliases.america[id] {
				f.titleSides |= americanSide
			} else {
				f.titleSides |= russianSide
			}
		}
		p.addSpeaker(i, key)
		ukraine := x.aliases.ukraine[id]
		if ukraine || slices.ContainsFunc(ws[i:i+n], func(w word) bool { return isThirdCountry(w.lower) }) {
			p.addThird(key, i)
		}
		if title && i == 0 && ukraine {
			f.titleUkraine = true
		}
		switch {
		case !title:
		case x.aliases.places[id]:
			p.addPlace(key)
		case x.aliases.people[id]:
			f.addHead(headWho, key)
		case x.aliases.bodies[id]:
			f.addHead(headBody, key)
		}
		w := p.weight
		if x.aliases.sides[id] {
			w *= x.sideWeight
		}
		p.tf[key] += w
		for j := i; j < i+n; j++ {
			p.used[j] = true
			p.sideWord[j] = x.aliases.sides[id] && !x.sideWords
		}
	}
}

// concepts reads the concepts of the lexicon.
func (p *fieldPass) concepts() {
	x, ws, f := p.x, p.ws, p.f
	for i := 0; i < len(ws); i++ {
		c, n := matchConcept(ws, i)
		if n == 0 || x.noSubjects && concepts[c].subject != 0 {
			continue
		}
		if c == pleaConcept && i > 0 && negations[ws[i-1].lower] {
			// «Не признал вину» is the plea of not guilty the
			// extradited or the charged make at their first hearing,
			// part of that story; a guilty plea is an event of its own.
			continue
		}
		if p.voicePost[i] && concepts[c].id != spokesKey[1:] {
			// "Пресс-секретарь президента России" names her post,
			// not a president or a secretary of an embassy: two
			// statements of hers would share them on every matter.
			continue
		}
		key := string(kindConcept) + concepts[c].id
		p.tf[key] += p.weight
		for j := i; j < i+n; j++ {
			p.inConcept[j] = true
		}
		f.actions |= concepts[c].action
		f.subjects |= concepts[c].subject
		switch {
		case !p.title:
		case p.home && concepts[c].action == meetingAction && isArrival(ws[i].lower):
			// The freed prisoners' arrival is no meeting.
		case p.custody && concepts[c].action == courtAction:
			// Nor is a custody order's court an action of its own.
		default:
			f.titleActions |= concepts[c].action
			f.titleSubjects |= concepts[c].subject
			f.addTitleTopic(key)
		}
		if n > 1 {
			for j := i; j < i+n; j++ {
				p.used[j] = true
			}
		}
	}
}

// wordsAndNames reads the figures, the words (and the glossary's) and the
// names no table knows, with the places the Russian adjectives of cities
// name.
func (p *fieldPass) wordsAndNames() {
	x, ws, f, title, weight := p.x, p.ws, p.f, p.title, p.weight
	for i := 0; i < len(ws); i++ {
		w := ws[i]
		if n, ok := number(ws, i); ok {
			key := string(kindNumber) + n
			if title {
				f.addTitleTopic(key)
				if !strings.HasPrefix(n, "mon") {
					f.addHead(headFigure, key)
					if w.joined {
						f.designations = addOnce(f.designations, key)
					} else {
						f.plainFigures = addOnce(f.plainFigures, key)
					}
				}
			}
			p.tf[key] += weight
			continue
		}
		if w.digit || stopWords[w.lower] {
			continue
		}
		if utf8.RuneCountInString(w.lower) >= 3 && !p.sideWord[i] {
			p.tf[string(kindWord)+f.lang+":"+p.stems[i]] += weight
			if g, n := matchForm(glossaryForms, ws, i); n > 0 && !p.inConcept[i] {
				key := string(kindGloss) + glossary[g].id
				p.tf[key] += weight
				if title {
					f.titleGloss = addOnce(f.titleGloss, key)
				}
			}
		}
		if p.used[i] {
			continue
		}
		if key, ok := x.placeOfAdjective(w); ok {
			if title {
				p.addPlace(key)
			}
			p.tf[key] += weight
			continue
		}
		if isName(ws, i) {
			p.name(i)
		}
	}
}

// addThird notes key, the name at word i, as a third country's name
// (feat.third), as one the headline gives, and as one it gives as where
// ("after talks in Turkey").
func (p *fieldPass) addThird(key string, i int) {
	x := p.x
	if !slices.Contains(x.thirdNames, key) {
		x.thirdNames = append(x.thirdNames, key)
	}
	if p.title {
		p.f.titleThirdNames = addOnce(p.f.titleThirdNames, key)
		if afterLocative(p.ws, i) {
			p.f.titleThirdWhere = addOnce(p.f.titleThirdWhere, key)
		}
	}
}

// name reads the name at ws[i], which no table knows, and what the
// headline says it is: who, where, or neither.
func (p *fieldPass) name(i int) {
	x, ws, f := p.x, p.ws, p.f
	k, ok := p.nameKey(i)
	if !ok {
		return
	}
	key := string(kindName) + k
	p.addSpeaker(i, key)
	if isThirdCountry(ws[i].lower) && !p.inSea[i] {
		p.addThird(key, i)
	}
	w := p.weight
	switch {
	case x.speakers[k] && x.speakerWeight != 1:
		// A spokesperson says who spoke, not who acted.
		w *= x.speakerWeight
	case !p.title || regionKeys[k]:
		// A country or region is neither who nor where.
	case x.locative && inPlace(ws, p.used, i):
		p.addPlace(key)
	case x.openingNames && i == 0 && opensCommentary(ws):
		// A name or a noun: see extractor.openingNames.
		f.openingName = key
	case x.nearNames && nearName(ws, p.used, i):
		f.addHead(headWho, key)
		f.nearWho = addOnce(f.nearWho, key)
	case ws[i].next:
		// A headline's second sentence starts with a capital whatever
		// its first word is ("…посольств. Вопрос о дипсобственности
		// снова отложен"); a name there is a name, but not surely a who.
	default:
		f.addHead(headWho, key)
	}
	p.tf[key] += w
}

// leftOut reports whether ws[i] starts the words that tell of someone
// left out: "left out", "left behind", «не вошел», «не вошедшего», «не
// включен» (kinLeftOut).
func leftOut(ws []word, i int) bool {
	if i+1 >= len(ws) {
		return false
	}
	w, next := ws[i].lower, ws[i+1].lower
	return w == "left" && (next == "out" || next == "behind") || w == "не" && hasAnyPrefix(next, leftOutPrefixes)
}

// opensCommentary reports whether the headline ws opens the way a
// Russian paper's commentary does («Катушки под запретом», «Разморозка по
// лицензии», «Тритон у Тарханкута»): with a Russian word a preposition
// follows, which only a table (the aliases, the offices) or a second
// mention can tell a name from a noun (openingName).
func opensCommentary(ws []word) bool {
	return len(ws) > 1 && ws[0].cyr && !ws[0].upper && ruPrepositions[ws[1].lower]
}

// headlineActions are the action bits of the concepts the headline ws
// names, read once for homecoming and remand.
func headlineActions(ws []word) uint32 {
	var acts uint32
	for i := range ws {
		if c, n := matchConcept(ws, i); n > 0 {
			acts |= concepts[c].action
		}
	}
	return acts
}

// remand reports whether the headline ws, whose concepts name the actions
// acts, tells of a court ordering someone held after a detention: it
// names a court and an arrest, and no extension ("Суд в Новосибирске
// арестовал американца на два месяца"). The custody order is the
// detention's next step, reported the day after by the same outlets, and
// the court in its headline is no action of its own: without it, every
// report of the detention that does not mention a court conflicts with
// it. A court extending someone's arrest ("Суд в Москве продлил арест
// гражданину США") is a hearing of its own, weeks or months later.
func remand(ws []word, acts uint32) bool {
	return acts&courtAction != 0 && acts&arrestAction != 0 && !slices.ContainsFunc(ws, func(w word) bool { return isExtension(w.lower) })
}

// homecoming reports whether the headline ws, whose concepts name the
// actions acts, tells of freed prisoners coming home: it names a release
// or an exchange and an arrival ("Освобожденный по обмену Коноплев
// прилетел во Внуково", "Freed American lands at Andrews after swap").
// Such a report belongs to the exchange's story: its arrival is no
// meeting, and the airport it names is where the prisoner came home, not
// where the exchange was.
func homecoming(ws []word, acts uint32) bool {
	return acts&swapAction != 0 && slices.ContainsFunc(ws, func(w word) bool { return isArrival(w.lower) })
}

// officeHolders reads the posts of officeTable in ws as their holders on
// day at. The post's words stay what they are besides (глава МИД России
// still names the ministry and the country), so that a report that gives
// both the post and the name counts the name twice, as one that gives the
// name twice does.
func (p *fieldPass) officeHolders(at time.Time) {
	x, ws := p.x, p.ws
	for i := 0; i < len(ws); i++ {
		id, n := x.offices.names.match(ws, p.stems, i)
		if n == 0 {
			continue
		}
		start := i
		i += n - 1
		key := x.offices.holder(id, at)
		if key == "" {
			continue
		}
		p.addSpeaker(start, key)
		w := p.weight
		switch {
		case x.speakers[key[1:]]:
			w *= x.speakerWeight
			for j := start; j <= i; j++ {
				p.voicePost[j] = true
			}
		case p.title:
			p.f.addHead(headWho, key)
		}
		p.tf[key] += w
	}
}

// inPlace reports whether the name at ws[i] names a place: it follows
// "in", "at", "в" or "во", or continues a name that does ("in San
// Francisco"), and it is no country or region (regionNames) and no
// acronym. "Talks in Vienna" and "переговоры в Дохе" say where, as a
// city of placeNames does, though no alias knows the city; "in Qatar" and
// "в Сибири" say it at a scale at which another report of the same event
// names the city. A body named where Russian says "в" for "at" ("в
// Минобороны заявили") is taken for a place too: such a headline is about
// what the body said, and rarely names another place.
func inPlace(ws []word, used []bool, i int) bool {
	j := nameStart(ws, used, i)
	if !afterLocative(ws, j) || ws[i].upper {
		return false
	}
	return !regionKeys[Key(ws[j].lower)]
}

// afterLocative reports whether ws[i] follows "in", "at", «в» or
// another of the locatives: a name there says where.
func afterLocative(ws []word, i int) bool { return i > 0 && locatives[ws[i-1].lower] }

// nearName reports whether the name at ws[i] follows, or continues a
// name that follows, a preposition that says near, over, under or from
// where (spatialPrepositions): «Восемь метров над Латакией», «Присяжные
// из Бруклина», «Встреча у «Парка культуры»». Such a name is most often
// where the event was or whence someone came, not who acted, and a
// paper's commentary names its event so; it still counts as who between
// two headlines, where a sea, a strait or a district is the only name
// that tells two flights or two hearings apart (docs/digest.md).
func nearName(ws []word, used []bool, i int) bool {
	j := nameStart(ws, used, i)
	return j > 0 && spatialPrepositions[ws[j-1].lower]
}

// nameStart returns the index of the first word of the name that ws[i]
// is part of: "Francisco" in "in San Francisco" continues "San". A word
// an alias or a phrase took (used) starts no name.
func nameStart(ws []word, used []bool, i int) int {
	j := i
	for j > 0 && ws[j].cap && !ws[j].first && !used[j-1] && ws[j-1].cap && !ws[j-1].upper {
		j--
	}
	return j
}

// placeOfAdjective reads a Russian adjective made from the name of a city
// of placeNames as the city: "Женевский формат" and "стамбульских
// консультаций" name Geneva and Istanbul as "в Женеве" and "в Стамбуле"
// do, and a headline that names an event only by its place often says it
// so. The noun is the adjective less -ск- and its ending (женевск-ий:
// Женев-а; стамбульск-их: Стамбул-ь) or less its ending only
// (новосибирск-ое: Новосибирск). Other adjectives in -ский are left
// alone: most are made from common nouns (шпионский, морской, банковский).
// English uses the noun itself ("the Geneva talks").
func (x *extractor) placeOfAdjective(w word) (string, bool) {
	if !w.cyr || w.cap && !w.first || x.noPlaceAdj {
		return "", false
	}
	var base string
	for _, e := range ruPlaceAdjectiveEndings {
		if b, ok := strings.CutSuffix(w.lower, "ск"+e); ok && utf8.RuneCountInString(b) >= 3 {
			base = b
			break
		}
	}
	if base == "" {
		return "", false
	}
	for _, noun := range []string{strings.TrimSuffix(base, "ь"), base + "ск"} {
		for _, k := range []string{noun, stem(noun, true)} {
			for _, a := range x.aliases.byFirst[k] {
				if len(a.stems) == 1 && x.aliases.places[a.id] {
					return string(kindName) + a.id, true
				}
			}
		}
	}
	return "", false
}

// venueAdjective reports whether the third country's word at ws[i] is an
// English adjective that says where a meeting was: "after Swiss meeting",
// "Saudi talks". Russian says it with an adjective that is no country's
// name («женевские консультации»), which isThirdCountry leaves out too.
func venueAdjective(ws []word, i int) bool {
	if ws[i].cyr || i+1 >= len(ws) {
		return false
	}
	c, n := matchConcept(ws, i+1)
	return n > 0 && concepts[c].action&meetingAction != 0
}

// isName tells a name from a word that is capitalised only because it
// starts a sentence. A capital inside a sentence, or an acronym, is a name.
// At the start of a sentence a word is taken for a name unless it is a
// stop word, a concept or (in Russian) has an adjective's ending:
// "Телефонная дипломатия", "Markets shrug" are not names, "Путин и Трамп"
// and "Lavrov says" are.
func isName(ws []word, i int) bool {
	w := ws[i]
	if !w.cap {
		return false
	}
	if w.upper || !w.first {
		return true
	}
	if stopWords[w.lower] {
		return false
	}
	if c, _ := matchConcept(ws, i); c >= 0 {
		return false
	}
	if w.cyr {
		for _, e := range ruAdjectiveEndings {
			if strings.HasSuffix(w.lower, e) {
				return false
			}
		}
	}
	return true
}

// matchConcept returns the concept whose form starts at ws[i] and the
// number of words it covers, or -1, 0. Longer forms win.
func matchConcept(ws []word, i int) (int, int) {
	return matchForm(conceptForms, ws, i)
}

// matchForm returns the entry of a table of forms (parseConcepts) whose
// form starts at ws[i] and the number of words it covers, or -1, 0.
func matchForm(forms map[string][]conceptForm, ws []word, i int) (int, int) {
	best, bestN := -1, 0
	w := ws[i].lower
	// Try the word and each of its prefixes as a form's first part.
	for end := len(w); end > 0; {
		for _, cf := range forms[w[:end]] {
			if !cf.prefix[0] && end != len(w) {
				continue
			}
			n := len(cf.parts)
			if n <= bestN || i+n > len(ws) {
				continue
			}
			ok := true
			for k := 1; k < n; k++ {
				p, o := cf.parts[k], ws[i+k].lower
				if cf.prefix[k] && !strings.HasPrefix(o, p) || !cf.prefix[k] && o != p {
					ok = false
					break
				}
			}
			if ok {
				best, bestN = cf.concept, n
			}
		}
		_, size := utf8.DecodeLastRuneInString(w[:end])
		end -= size
	}
	return best, bestN
}

// number reads the figure at ws[i]: digits (not a year, which every
// report of a month shares) or a number word.
func number(ws []word, i int) (string, bool) {
	w := ws[i]
	if w.digit {
		if v, err := strconv.Atoi(w.lower); err == nil && v >= 1900 && v <= 2100 {
			return "", false
		}
		return w.lower, true
	}
	// Longest number phrase first: "two and a half", "двух с половиной".
	for n := 4; n >= 1; n-- {
		if i+n > len(ws) {
			continue
		}
		parts := make([]string, n)
		for k := 0; k < n; k++ {
			parts[k] = ws[i+k].lower
		}
		if v, ok := numberWords[strings.Join(parts, " ")]; ok {
			return v, true
		}
	}
	return "", false
}

// aliasTable finds the names of alias groups in a text.
type aliasTable struct {
	byFirst map[string][]aliasName // by the stem of the name's first word
	places  map[string]bool        // ids of the groups of placeNames
	people  map[string]bool        // ids of the groups of personNames
	bodies  map[string]bool        // ids of the groups of bodyNames
	sides   map[string]bool        // ids of the groups of sideNames
	america map[string]bool        // ids of the groups of americanNames
	ukraine map[string]bool        // ids of the groups of ukraineNames
	voices  map[string]bool        // ids of the groups of voiceNames
}

type aliasName struct {
	stems []string
	id    string
}

// newAliasTable merges groups that share a name (the topics file may
// repeat a built-in name) and gives each merged group one id: the first
// name of its first group, so ids do not depend on map order.
func newAliasTable(groups ...[][]string) *aliasTable {
	type name struct {
		key   string
		stems []string
		group int
	}
	var all [][]string
	for _, g := range groups {
		all = append(all, g...)
	}
	parent := make([]int, len(all))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	var names []name
	seen := map[string]int{}
	for gi, g := range all {
		for _, n := range g {
			ws := words(n, nil)
			if len(ws) == 0 {
				continue
			}
			st := make([]string, len(ws))
			for i, w := range ws {
				st[i] = stem(w.lower, w.cyr)
			}
			key := strings.Join(st, " ")
			if other, ok := seen[key]; ok {
				a, b := find(other), find(gi)
				if a < b {
					parent[b] = a
				} else {
					parent[a] = b
				}
				continue
			}
			seen[key] = gi
			names = append(names, name{key, st, gi})
		}
	}
	ids := make([]string, len(all))
	for _, n := range names {
		if r := find(n.group); ids[r] == "" {
			ids[r] = n.key
		}
	}
	t := &aliasTable{byFirst: map[string][]aliasName{}, places: map[string]bool{}, people: map[string]bool{}, bodies: map[string]bool{}, sides: map[string]bool{}, america: map[string]bool{}, ukraine: map[string]bool{}, voices: map[string]bool{}}
	for _, n := range names {
		id := ids[find(n.group)]
		t.byFirst[n.stems[0]] = append(t.byFirst[n.stems[0]], aliasName{n.stems, "=" + id})
	}
	t.tag(t.places, placeNames)
	t.tag(t.people, personNames)
	t.tag(t.bodies, bodyNames)
	t.tag(t.sides, sideNames)
	t.tag(t.america, americanNames)
	t.tag(t.ukraine, ukraineNames)
	t.tag(t.voices, voiceNames)
	return t
}

// tag puts the ids of the groups of names in set.
func (t *aliasTable) tag(set map[string]bool, names []string) {
	for _, n := range names {
		if id, ok := t.whole(n); ok {
			set[id] = true
		}
	}
}

// whole returns the id of the alias name that name reads as, word for
// word.
func (t *aliasTable) whole(name string) (string, bool) {
	ws := words(name, nil)
	if len(ws) == 0 {
		return "", false
	}
	st := make([]string, len(ws))
	for i, w := range ws {
		st[i] = stem(w.lower, w.cyr)
	}
	id, n := t.match(ws, st, 0)
	return id, n == len(ws)
}

// isForm reports whether word w is a form of the name part whose stem
// is p: the same stem, or, in Russian, p followed by a case ending
// ("лукойла" is "лукойл" + "а", "белом" is "бел" + "ом"). stem alone
// would not do: it reads the "ла" of "Лукойла" as a verb's ending.
func isForm(w word, wstem, p string) bool {
	if wstem == p {
		return true
	}
	if !w.cyr {
		return false
	}
	if strings.HasPrefix(w.lower, p) && endings[w.lower[len(p):]] {
		return true
	}
	// A stem too short to lose its ending keeps it: «Ата» of «Алма-Ата»
	// is «Ате» and «Ату» in other cases.
	if base, ok := strings.CutSuffix(p, "а"); ok && base != "" && strings.HasPrefix(w.lower, base) {
		return endings[w.lower[len(base):]]
	}
	return false
}

var endings = func() map[string]bool {
	m := map[string]bool{}
	for _, list := range ruEndings {
		for _, e := range list {
			m[e] = true
		}
	}
	return m
}()

// match returns the id of the longest alias name starting at ws[i] and
// how many words it covers.
func (t *aliasTable) match(ws []word, stems []string, i int) (string, int) {
	var id string
	best := 0
	try := func(first string) {
		for _, a := range t.byFirst[first] {
			n := len(a.stems)
			if n <= best || i+n > len(ws) || !isForm(ws[i], stems[i], a.stems[0]) {
				continue
			}
			ok := true
			for k := 1; k < n; k++ {
				if !isForm(ws[i+k], stems[i+k], a.stems[k]) {
					ok = false
					break
				}
			}
			if ok {
				id, best = a.id, n
			}
		}
	}
	try(stems[i])
	if ws[i].cyr {
		// The word less a case ending of up to three letters.
		w := ws[i].lower
		for k, end := 0, len(w); k < 3 && end > 0; k++ {
			_, size := utf8.DecodeLastRuneInString(w[:end])
			end -= size
			if end > 0 && endings[w[end:]] && w[:end] != stems[i] {
				try(w[:end])
			}
		}
	}
	return id, best
}

// meetingDays reports whether ws tell of a meeting of more than a day:
// a number of days ("two days of talks", "a three-day visit") or a
// Russian adjective of them («двухдневные консультации», «по итогам
// двухдневного заседания»).
func meetingDays(ws []word) bool {
	for i, w := range ws {
		if hasAnyPrefix(w.lower, spanPrefixes) {
			return true
		}
		// "two-day talks", "two days of talks"; not "two days after a call".
		if i > 0 && spanCounts[ws[i-1].lower] && (w.lower == "day" || w.lower == "days" && i+1 < len(ws) && ws[i+1].lower == "of") {
			return true
		}
	}
	return false
}

// forecast reports whether the headline ws is a statement of what is to
// come: someone's word (sayWords, or a capitalised name before a colon)
// on what will, may or is meant to happen (prospectWords), or on the
// coming days (soon). Such a
// statement, made hours or days before the act it speaks of, is another
// event than the act: the Kremlin spokesman calling talk of a summit's
// date premature is not the talks that open in Geneva the next day
// (params.forecastMiss).
func forecast(ws []word) bool {
	statement, prospect := false, false
	for i, w := range ws {
		if sayWords[w.lower] || colonSpeaker(ws, i) {
			statement = true
		}
		if prospectWords[w.lower] || hasAnyPrefix(w.lower, prospectPrefixes) {
			prospect = true
		}
		if i > 0 && slices.Contains(prospectPhrases, [2]string{ws[i-1].lower, w.lower}) {
			prospect = true
		}
		if rulingOut(ws, i) {
			statement, prospect = true, true
		}
	}
	return statement && (prospect || soon(ws))
}

// rulingOut reports whether ws[i] ends a phrase that rules something out
// (rulesOut). Its Russian «не исключил» is left out: «Путин не исключил
// новых обменов» is one answer of a news conference, told apart from the
// others if read so (docs/digest.md).
func rulingOut(ws []word, i int) bool {
	return i > 0 && slices.Contains(rulesOut, [2]string{ws[i-1].lower, ws[i].lower})
}

// dayAhead is the hours from at to the start of the earliest day the
// headline ws names, by its day and month («23 сентября», «14–15 июня»,
// "Sept. 23", "June 9"), that falls one to sixty days after at's; 0 when
// it names none. A month without a year is the nearest such: «5 января»
// in December is next January's.
func dayAhead(ws []word, at time.Time) float64 {
	today := time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)
	best := 0.0
	for i, w := range ws {
		month, ok := monthWords[w.lower]
		if !ok {
			continue
		}
		day := 0
		switch {
		case i+1 < len(ws) && !w.cyr && ws[i+1].digit:
			day, _ = strconv.Atoi(ws[i+1].lower)
		case i > 0 && ws[i-1].digit:
			// The first of a range: «14–15 июня».
			k := i - 1
			for k > 0 && ws[k-1].digit {
				k--
			}
			day, _ = strconv.Atoi(ws[k].lower)
		}
		if day < 1 || day > 31 {
			continue
		}
		for _, year := range []int{at.Year(), at.Year() + 1} {
			d := time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
			if d.Day() != day {
				break // no such day: 31 June
			}
			if ahead := d.Sub(today).Hours() / 24; ahead >= 1 && ahead <= 60 {
				if h := d.Sub(at).Hours(); best == 0 || h < best {
					best = h
				}
				break
			}
		}
	}
	return best
}

// eveOf returns the index of the first word after "ahead of", "on the
// eve of", «накануне» or «в преддверии» in the headline ws, or 0 when it
// has none. What follows is an event to come that the headline dates its
// own by: "Rubio and Lavrov speak by phone ahead of embassy talks",
// «Путин провел переговоры с президентом ОАЭ накануне встречи с
// президентом США», "Senators warn against sanctions relief ahead of
// Lavrov visit". The talks, the summit and the visit are told by their
// own reports a day later; the call, the host's talks and the letter are
// not part of them.
func eveOf(ws []word) int {
	for i, w := range ws {
		if eveWords[w.lower] || i > 0 && w.lower == "of" && eveOfWords[ws[i-1].lower] {
			return i + 1
		}
	}
	return 0
}

// colonSpeaker reports whether ws[i] is the first word after a colon that
// follows a capitalised name near the headline's start («Песков: …»), and
// the headline opens with no rubric ("Analysis: …").
func colonSpeaker(ws []word, i int) bool {
	return ws[i].colon && i > 0 && i <= 6 && ws[i-1].cap && !labelWords[ws[0].lower]
}

// statement reports whether the headline ws tells what someone said: it
// has a word of saying (sayWords: "Lavrov says…", «Рябков заявил…») or a
// capitalised name before a colon near its start («Песков: …»), and no
// label before it ("Analysis: …"). n is the number of its first words,
// those before the word of saying or the colon, that name who spoke. A
// word of saying further on is a clause of a headline about an act
// ("Treasury targets crypto platforms it says bankroll…").
func statement(ws []word) (said bool, n int) {
	for i, w := range ws {
		if sayWords[w.lower] && i <= 4 || colonSpeaker(ws, i) {
			return true, i
		}
		if i <= 5 && rulingOut(ws, i) {
			return true, i - 1
		}
	}
	return false, 0
}

// saysWhen reports whether f's headline says when what it tells is to
// come, and soon: a day ahead or the coming days (params.soonMiss).
func (f *features) saysWhen() bool { return f.titleSoon || f.hoursToDate > 0 }

// soon reports whether the headline ws names the coming days.
func soon(ws []word) bool {
	for i, w := range ws {
		if soonWords[w.lower] || i > 0 && slices.Contains(soonPhrases, [2]string{ws[i-1].lower, w.lower}) {
			return true
		}
	}
	return false
}
