package story

import (
	"math"
	"slices"
)

// params are the weights and thresholds of the score, chosen on
// testdata/stories/tuning.jsonl (docs/digest.md gives the figures).
type params struct {
	// weight of each kind of feature in a pair's score, in the order of
	// kinds: names, words, concepts, numbers.
	weight [numKinds]float64
	// tau is the time, in hours, at which the time factor has fallen to
	// one half: factor = 1 / (1 + (Δt/tau)²), or with square false 1 / (1
	// + Δt/tau). The square keeps reports of the same day and the next
	// morning's analyses near 1 and falls to 0.28 at two days and a fifth
	// at two and a half.
	tau    float64
	square bool
	// nameGap counts names as disagreeing when only one of two reports
	// names anyone or anything: a commentary that names no one is
	// compared by its concepts alone otherwise, and one shared "call"
	// would join it to any call of the day.
	nameGap bool
	// subjectConflict multiplies the score of two reports whose headlines
	// name different subjects (subjectConflict). 1: no effect.
	subjectConflict float64
	// conflict multiplies the score of two reports whose headlines name
	// different actions (a call and a summit, sanctions and an entry ban).
	conflict float64
	// pairHeads[h] multiplies the score of two reports whose headlines
	// both give names of kind h (headWho, headWhere, headFigure,
	// headBody) and neither report names any the other's headline gives:
	// different people, different cities, different figures, different
	// agencies. storyHeads[h] does the
	// same for a report against a story as a whole (storyDiffer).
	pairHeads, storyHeads [numHeads]float64
	// threshold is the score from which a report joins a story.
	threshold float64
	// link is how a report is scored against a story: linkBest, its best
	// score against the story's reports; linkMean, their mean.
	link int
	// titleWeight: see extractor.
	titleWeight float64
	// locative reads names after "in" and "в" as places (inPlace).
	locative bool
	// nearNames lets a short headline whose only names follow «над»,
	// «у», «из» and the like read as a commentary's (nearName).
	nearNames bool
	// openingNames: see extractor.openingNames.
	openingNames bool
	// homecoming reads a headline of a release or an exchange that tells
	// of an arrival as the freed prisoners' return (extractor.homecoming).
	homecoming bool
	// remand reads a court's custody order after a detention as the
	// detention's next step (extractor.remand).
	remand bool
	// merge joins two open stories that a report fits both of, when
	// their reports' mean pair score reaches the threshold.
	merge bool
	// mergeApart refuses such a merge when at least this share of the
	// pairs across the two stories are told apart as two events (apart):
	// a report that fits a statement of what is to come and the act it
	// foretold does not make one event of them. 0: no effect.
	mergeApart float64
	// noAliases leaves out the built-in aliases, noKey compares names as
	// spelled, not by Key, and noPlaceAdjectives reads no adjective as a
	// place (ablation).
	noAliases, noKey, noPlaceAdjectives bool
	// noSeas reads no sea as one in both languages (kindSea).
	noSeas bool
	// noOffices reads no post of officeTable as its holder's name.
	noOffices bool
	// noSubjects leaves the subject concepts out (ablation).
	noSubjects bool

	// The settings below are alternatives measured in ablation_test.go
	// (docs/digest.md, "What each signal adds"); at the shipped values
	// they change nothing but sideWords, which keeps the sides' names out
	// of the words.
	// nameMiss multiplies the score of two reports that share no name
	// and whose headlines share no concept or figure: what links them is
	// background ("an embassy official attended the opening" against talks
	// on embassies), which in a quiet window, where few reports make every
	// feature look rare, can reach the threshold alone. 1: no effect.
	nameMiss float64
	// placeMiss multiplies the score of two reports whose only shared
	// names are the sides' and places, that share no concept, and whose
	// headlines share no concept or figure either: a forum in
	// Yekaterinburg and a sentence passed there the same day, or two of
	// a busy day's items that name the sides and nothing else in
	// common. Reports of one event share a concept, a commentary
	// through its summary, so the cut counts on the lexicon having it.
	// 1: no effect.
	placeMiss float64
	// voiceMiss multiplies the score of two reports that placeMiss
	// leaves alone but whose only shared names besides those are a
	// spokesperson's and her office's, and whose only shared concept is
	// her post: the foreign ministry's spokeswoman on diplomatic
	// property and, the same morning, on new sanctions. 1: no effect.
	voiceMiss float64
	// sidesMiss counts a shared name of the sides (sideNames) as a shared
	// name for nameMiss. Every report of the topic names Russia and the
	// US, so "Russia lifts ban on US poultry imports" and "US imposes visa
	// bans on Russian officials", an hour apart from one wire on a busy
	// morning, share the sides, the hour and little else; not counting
	// them lowers such pairs, and also the commentary that shares nothing
	// else with its event (docs/digest.md, "Busy days").
	sidesMiss bool
	// missWords, when not 0, is how many words of their own language two
	// reports must share to escape nameMiss: a paper's "Военные на связи"
	// names no one, but its summary tells the defence ministers' call in
	// the wire's words, while the visa bans and the poultry ban share one
	// word.
	missWords int
	// sideWords counts the words of the sides' names ("Russian", "US")
	// among a report's words too, where they count a second time.
	sideWords bool
	// sideWeight is what a name of the sides counts for against any other
	// name.
	sideWeight float64
	// speakerWeight is what a spokesperson's name (speakerNames) counts
	// for, and it is never a headline's who. 1: as any other name.
	speakerWeight float64
	// sameSource multiplies the score of two reports from one outlet: a
	// wire tells an event once and updates it, and its other reports of
	// the hour are other events. Not shipped: the digest's outlet is the
	// feed's title, and an aggregator's feed (a news search) is one
	// outlet for every publisher (docs/digest.md, "Limits"). 1: no effect.
	sameSource float64
	// thirdMiss multiplies the score of two reports when one headline
	// names a third country and neither side, the other names no third
	// country, and they share no name besides the sides', places, third
	// countries and the spokespeople's and their offices': Turkey's
	// foreign minister receiving Iran's in Istanbul on the morning of
	// US–Russian talks there, or a Swiss offer to host a summit on the
	// day of talks in Bern. A third party's own act is another event,
	// even in the venue city and on the day; its statement about the
	// event names the event's people, or the sides in its headline.
	// 1: no effect.
	thirdMiss float64
	// speakerConflict multiplies, once more, the score of two reports
	// whose headlines name different actions (conflict) and the same
	// spokesperson: "Песков: обмен в Стамбуле…" and "Песков: говорить о
	// сроках встречи…" are one man on two matters of one day. 1: no
	// effect.
	speakerConflict float64
	// headsMiss multiplies the score of two reports whose headlines both
	// say who acted, where or which agency, that share no name at all,
	// not even a side's, and at most one concept: "Песков: говорить о
	// сроках встречи Путина и Трампа пока преждевременно" and "В
	// Стамбуле начинается новый раунд консультаций России и США" share
	// a meeting and nothing else. Reports of one event that name their
	// actors name one of the other's, or a side; when they name neither
	// ("Rubio, Lavrov speak by phone" and "US and Russian top diplomats
	// talk"), they share what the actors did and said, more than one
	// concept. A commentary's headline that names no one is left to the
	// other cuts. 1: no effect.
	headsMiss float64
	// kinMiss multiplies the score of two reports when one headline
	// names a relative of someone ("Family of American jailed in Perm
	// asks why he was left out of exchange"), the other report names
	// none and is no story of a detention, charges or a sentence alone
	// (kinOther), and they share no name besides the sides' and places:
	// a family's appeal on the day of a swap its relative was left out of
	// is its own act, not the swap, unless it names the swap's people.
	// A headline that says its relative was left out is cut against the
	// exchange whatever the two share (kinLeftOut). 1: no effect.
	kinMiss float64
	// forecastMiss multiplies the score of two reports when the headline
	// of the earlier one, published forecastHours or more before the
	// other, is a statement of what is to come (forecast) and the later
	// one's headline is none and tells an act by its actors or between
	// the sides: the Kremlin aide's "Путин и Трамп созвонятся, когда
	// будет что обсуждать" and their call a day later, the Treasury
	// secretary's warning that crypto channels will be shut and the
	// sanctions on the exchanges the next day. A statement is its
	// speaker's act; the act it foretells is another event, whatever they
	// share. It is applied after the model's veto, as statementMiss is,
	// so that the words of what is to come can grow without refitting
	// the model. 1: no effect.
	forecastMiss  float64
	forecastHours float64
	// soonMiss is the cut in forecastMiss's place when the earlier
	// headline says when, and soon: a day ahead (features.hoursToDate)
	// or the coming days (features.titleSoon, saysWhen). «Захарова:
	// текст договора с США парафируют в Женеве 5 октября» and «Рябков
	// прилетел в Женеву для парафирования договора с США» that evening
	// share the treaty, the city and the sides, and cut to 0.35 they
	// stay one story; a statement of when is the speaker's news, the act
	// on that day another. A statement that says no when ("freeing
	// jailed Americans would be 'a good signal'") keeps the lighter cut:
	// its "would" is as often reported speech of the act as a forecast.
	// 1: no effect.
	soonMiss float64
	// statementMiss multiplies the score of two reports whose headlines
	// both tell what one person said (statement) and share nothing but
	// him and the sides: no concept, figure or word of the glossary, and
	// no other name either headline gives (otherStatement). A minister
	// speaks on several matters a day, as a spokesperson does (voiceMiss):
	// his word on the embassies' property is not his word on the arms
	// talks. It is applied after the model's veto (assess). 1: no effect.
	statementMiss float64
	// drillsMiss multiplies the score of two reports when one headline
	// tells an exercise of at most one side's forces and the other's
	// tells none and names a side the first does not (drillsOther): a
	// fleet's drills and the intercept of an American plane near them
	// the next day are two events, whatever ships, seas and aircraft
	// they share. It is applied after the model's veto. 1: no effect.
	drillsMiss float64
	// joinApart is the share of a story's latest reports that keep a
	// report from joining the story, whatever it scores, when each is
	// told apart from it as two events (joinsApart): a statement of what
	// is to come and the act it foretold, made joinHours or more apart
	// (the Kremlin envoy's word that he will meet the American envoy in
	// Riyadh, and their meeting the next day), or a third party's own
	// act (Qatar's prime minister receiving Ukraine's foreign minister in
	// Doha on the day the two sides' aides meet there). The cuts alone
	// leave such a pair above the threshold when the two share the
	// people, the city and the business; and once the first report of
	// the event has joined, its later reports follow it there. A
	// statement made hours before, on the act's day, is often the act's
	// own (a governor on the first trips the visits agreed will allow),
	// and is left to the cut, as a family's appeal is: "families" are
	// also those a visa or a visit serves. 0: no effect.
	joinApart float64
	joinHours float64
	// nameless is the share of the threshold a report whose headline
	// reads as a commentary's (commentaryHeadline: it names nothing, or
	// it has commentaryWords words or fewer and names no one and tells
	// no statement) must reach against the story it scores best against
	// to join it, when that score is at least namelessLead times the
	// next story's (commentaryStory): the next morning's commentaries
	// tell their event in words of their own, and score under the
	// threshold against it, though no other story comes near. 0: no
	// effect; commentaryWords 0: only a headline that names nothing.
	nameless        float64
	namelessLead    float64
	commentaryWords int
	// commentaryNames puts first, for a commentary whose headline names
	// someone or somewhere, the stories that name them (commentaryStory).
	commentaryNames bool
	// designations reads a headline's figures that number an aircraft or
	// a ship as no figures to differ on (reread).
	designations bool
	// reactions reads two headlines that name one action, one of them
	// a statement that names no one but who made it, as giving no people
	// to differ on (reread): "US expels Russian diplomat…" and «Дарчиев
	// назвал высылку российского дипломата…» are an act and the answer
	// to it, and two officials' answers to one act are one story.
	reactions bool
	// thirdFirst cuts by thirdMiss, after the model, two reports one of
	// whose headlines opens with a third country the other does not name
	// and tells what is to come (thirdForetells): "Swiss president says
	// Geneva ready to host Putin and US president" and "Belarus optics
	// maker shrugs off US sanctions, says deliveries will continue" are
	// third parties' own news whatever the sides' names they share with
	// the event they follow.
	thirdFirst bool
	// thirdFirstMiss is thirdFirst's cut. It is deeper than thirdMiss:
	// "Turkey ready to host US-Russia summit in Istanbul, foreign minister
	// says" shares the city, the sides and the meeting with the embassy
	// talks opening there that day, and a cut by half leaves it in their
	// story; a third country's word on what it will do is its own news
	// however much it shares.
	thirdFirstMiss float64
	// thirdOffers reads a third country's offer, as thirdFirst does its
	// word on what is to come (thirdForetells): "Austria offers Vienna
	// for Putin's second meeting with US president" is the host's news,
	// not the ministers' meeting in Vienna that day.
	thirdOffers bool
	// thirdAnswers reads a headline that opens with a third country, as
	// its subject, and tells of sanctions, as that country's answer to
	// them (answersSanctions), cut as thirdFirst cuts, against any report
	// whose headline does not open with a third country: "Singapore
	// reviews licence of trader hit by US sanctions over Russian satellite
	// chips" is Singapore's news, not the Treasury's, though the
	// sanctions' reports name Singapore's firms.
	thirdAnswers bool
	// thirdPair cuts by thirdMiss, after the model, two reports one of
	// whose headlines names a third country as acting beside one side,
	// the other's the other side and no third country (thirdPaired): "US
	// and China hold talks on military AI in Geneva" and "US, Russian arms
	// negotiators open two days of talks in Geneva" are two pairs of
	// countries at one venue.
	thirdPair bool
	// hostActs reads a headline that opens with a third country and
	// names one side as the host's act (thirdPaired), whichever side the
	// other report names: "Austria seals off central Vienna for Putin's
	// meeting with US president" is not the ministers' meeting in Vienna
	// that day.
	hostActs bool
	// dates reads a headline that names a day ahead as a statement of
	// what is to come on that day (features.hoursToDate, foretells).
	dates bool
	// callPlaces reads the place a call's headline names as that of the
	// meeting it discussed (features.callsMeeting): a later report of a
	// meeting there tells the meeting, not the call (foretells).
	callPlaces bool
	// meetingSpan is how many hours the time factor leaves out between
	// two reports of a meeting when either tells it lasts more than a
	// day (features.longMeeting): the agreement that closes two days of
	// talks comes a day and a half after the wires on their opening, and
	// is their event. 0: no effect.
	meetingSpan float64
	// veto, when set, caps a pair's score by the probability the fitted
	// model (pairModel, model.go) gives it that the two reports tell one
	// event: a pair the model gives less than vetoAt scores under the
	// threshold, however much it shares. The hand-set score decides which
	// reports fit; the model can only take a fit away, where what two
	// reports share is what reports of different events share
	// (docs/digest.md, "The fitted model").
	veto   *pairModel
	vetoAt float64
	// mergeProb is, with the veto, the mean probability the model must
	// give the pairs of two stories for a report that fits both to merge
	// them: a merge joins every report of one story to every report of
	// the other on the strength of one report's fits, so it asks for
	// more than a report's joining (docs/digest.md, "The fitted model").
	mergeProb float64
	// model, when set, scores a pair in place of the weights and factors
	// above, but for tau and pairHeads[headWho]: the probability of
	// pairModel, a variant measured and not shipped (docs/digest.md, "The
	// model alone, not shipped"). quorum is the share of a story's latest
	// reports a report must reach the threshold against more than, besides
	// the mean, to join it (with 1/3: one of two, two of three, three of
	// six or eight); the model needs it to hold when reports arrive out of
	// order. 0: no quorum.
	model  *pairModel
	quorum float64
	// trace, when set, is told every score Add computes (tests).
	trace func(r Report, story int64, score float64)
}

var defaultParams = params{
	// Concepts count twice: the bilingual table is what a Russian and an
	// English report of one event share besides names. The glossary's
	// words count across languages as words do within one. The seas are
	// read into the names after the model (reread), not on their own.
	weight:   [numKinds]float64{1, 1, 2, 0.75, 1, 0},
	tau:      30,
	square:   true,
	conflict: 0.5,
	// Different subjects cut a pair's score to a tenth and different
	// people to a fifth; different cities cut a report's score against a
	// story none of whose reports names the report's city, or is named by
	// it, to 0.35. Different figures halve a pair's score: "three
	// hours of talks" and "two diplomats expelled" are two events of one
	// day (docs/digest.md).
	subjectConflict: 0.1,
	pairHeads:       [numHeads]float64{headWho: 0.2, headWhere: 1, headFigure: 0.5, headBody: 0.2},
	storyHeads:      [numHeads]float64{headWho: 1, headWhere: 0.35, headFigure: 1, headBody: 0.2},
	threshold:       handThreshold,
	veto:            &fittedModel,
	vetoAt:          0.13,
	mergeProb:       0.4,
	link:            linkMean,
	titleWeight:     2,
	merge:           true,
	mergeApart:      0.5,
	nameGap:         true,
	nameMiss:        1,
	placeMiss:       0.6,
	voiceMiss:       0.5,
	sidesMiss:       true,
	sideWeight:      1,
	speakerWeight:   1,
	sameSource:      1,
	speakerConflict: 0.5,
	thirdMiss:       0.5,
	thirdFirstMiss:  0.15,
	headsMiss:       0.35,
	kinMiss:         0.25,
	forecastMiss:    0.35,
	soonMiss:        0.15,
	forecastHours:   6,
	statementMiss:   0.35,
	drillsMiss:      0.35,
	joinApart:       0.5,
	joinHours:       12,
	nameless:        0.3,
	namelessLead:    2,
	commentaryNames: true,
	designations:    true,
	reactions:       true,
	thirdFirst:      true,
	thirdOffers:     true,
	thirdAnswers:    true,
	hostActs:        true,
	thirdPair:       true,
	dates:           true,
	callPlaces:      true,
	commentaryWords: 5,
	meetingSpan:     24,
	locative:        true,
	nearNames:       true,
	openingNames:    true,
	homecoming:      true,
	remand:          true,
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
// 1: the hand-set score (handScore), capped by the fitted model's veto
// (assess).
func (g *Grouper) pairScore(a, b *weighted, hours float64) float64 {
	ev := g.gather(a, b)
	return g.combine(a, b, &ev, hours)
}

// gather collects the evidence on two reports.
func (g *Grouper) gather(a, b *weighted) evidence {
	var ev evidence
	i, j := 0, 0
	af, bf := a.f.feats, b.f.feats
	for i < len(af) && j < len(bf) {
		switch {
		case af[i].key < bf[j].key:
			i++
		case af[i].key > bf[j].key:
			j++
		default:
			g.share(&ev, &af[i], a.w[i]*b.w[j], a.f, b.f)
			i++
			j++
		}
	}
	ev.agree = agreeHeads(a.f, b.f)
	for h := range ev.differ {
		ev.differ[h] = otherHeads(a.f, b.f, h)
	}
	if openingDiffers(a.f, b.f, ev.agree) {
		ev.differ[headWho] = true
	}
	ev.readSeas(a.f, b.f)
	return ev
}

// openingDiffers reports whether the word that opens b's headline as a
// commentary's does, which no report of the window names
// (features.openingName), counts as another who against a, a later
// report whose headline says who or where and never names that word: the
// commentary is the last report of its event, and what comes after it
// with actors of its own is another event. Read as a who of b's own, the
// word would part b from its event's wires too.
func openingDiffers(a, b *features, agree uint8) bool {
	return b.openingName != "" && len(a.heads[headWho])+len(a.heads[headWhere]) > 0 && agree&(1<<headWho) == 0 && !a.has(b.openingName)
}

// evidence is what two reports share, gathered feature by feature.
type evidence struct {
	dot       [numKinds]float64 // the dot product of their vectors of each kind
	shared    [numKinds]int     // shared features of each kind (the sides' names as sidesMiss says)
	names     int               // shared names other than the sides' (for the model only, as are actors and rarest)
	actors    int               // shared names other than the sides' and the spokespeople's
	rarest    float64           // the idf of the rarest shared name other than the sides'
	agree     uint8             // bit h: one names one of the other's heads[h]
	seaAgree  uint8             // bit h: a name of one's heads[h] spells a sea the other names (seaAgree)
	notPlaces int               // shared names other than the sides' and places (placeMiss)
	places    int               // shared places (meetingSpan)
	notThird  int               // shared names other than the sides', places, spokespeople's, their offices' and third countries' (thirdMiss)
	notVoices int               // shared names other than the sides', places, spokespeople's and their offices' (voiceMiss)
	spokes    int               // the spokesperson's post, when shared (voiceMiss)
	differ    [numHeads]bool    // both headlines give names of kind h and neither report names the other's
}

// spokesKey is the concept of a spokesperson's post (voiceMiss).
const spokesKey = string(kindConcept) + "spokes"

// share adds a feature both reports have, with the product of its weights.
func (g *Grouper) share(ev *evidence, ft *feat, product float64, a, b *features) {
	ev.dot[ft.kind] += product
	if !ft.side || g.p.sidesMiss {
		ev.shared[ft.kind]++
	}
	if (g.p.meetingSpan > 0 || g.p.countsNames()) && kinds[ft.kind] == kindName && !ft.side {
		switch {
		case g.isPlace(ft.key, a, b):
			ev.places++
		case g.p.countsNames():
			ev.notPlaces++
			if !ft.speaker && !ft.voice {
				ev.notVoices++
				if !ft.third {
					ev.notThird++
				}
			}
		}
	}
	if g.p.voiceMiss != 1 && ft.key == spokesKey {
		ev.spokes++
	}
	// The rest is the model's alone: the hand-set score does without.
	if g.p.modelled() && kinds[ft.kind] == kindName && !ft.side {
		ev.names++
		if !ft.speaker {
			ev.actors++
		}
		ev.rarest = max(ev.rarest, g.idf(g.dfOf(ft)))
	}
}

// markedScore is pairScore of the report being placed, whose features
// are marked (see keyStat), and a report of the window. It gives the same
// result without comparing strings, the headline kinds they agree on, and
// whether a report so told apart keeps the other from its story
// (joinsApart).
func (g *Grouper) markedScore(a, b *weighted, hours float64) (float64, uint8, bool) {
	var ev evidence
	for i := range b.f.feats {
		ft := &b.f.feats[i]
		st := ft.stat
		if st.mark != g.mark {
			continue
		}
		g.share(&ev, ft, st.markW*b.w[i], a.f, b.f)
		ev.agree |= st.markHead
	}
	for h := range numHeads {
		for _, st := range b.f.headStats[h] {
			if st.mark == g.mark {
				ev.agree |= 1 << h
				break
			}
		}
	}
	for h := range ev.differ {
		ev.differ[h] = len(a.f.heads[h]) > 0 && len(b.f.heads[h]) > 0 && ev.agree&(1<<h) == 0
	}
	if openingDiffers(a.f, b.f, ev.agree) {
		ev.differ[headWho] = true
	}
	ev.readSeas(a.f, b.f)
	return g.combine(a, b, &ev, hours), ev.agree | ev.seaAgree, g.joinsApart(a, b, &ev, hours)
}

// readSeas notes, when a and b share a sea, which heads agree through it
// (seaAgree), for the rereading after the model and for the story's
// differences.
func (ev *evidence) readSeas(a, b *features) {
	if ev.dot[kindIndex(kindSea)] > 0 {
		ev.seaAgree = seaAgree(a, b)
	}
}

// agreeHeads is markedScore's agree for two reports: bit h when either
// names one of the other's heads[h].
func agreeHeads(a, b *features) uint8 {
	var agree uint8
	for h := range numHeads {
		for _, k := range a.heads[h] {
			if b.has(k) {
				agree |= 1 << h
			}
		}
		for _, k := range b.heads[h] {
			if a.has(k) {
				agree |= 1 << h
			}
		}
	}
	return agree
}

// storyDiffer applies the heads conflicts to a story: a report (or a
// story) whose headlines give names of kind h, against a story whose
// headlines do too, when no report of either names any of the other's.
// A pair of reports can agree on nothing because one of them is brief;
// a whole story that never names the report's city, in a report that
// never names the story's, tells another event.
func (g *Grouper) storyDiffer(score float64, has, otherHas, agree uint8) float64 {
	for h := range numHeads {
		if has&otherHas&^agree&(1<<h) != 0 {
			score *= g.p.storyHeads[h]
		}
	}
	return score
}

// headBits has bit h set when f's headline gives names of kind h.
func headBits(f *features) uint8 {
	var b uint8
	for h := range numHeads {
		if len(f.heads[h]) > 0 {
			b |= 1 << h
		}
	}
	return b
}

func (g *Grouper) combine(a, b *weighted, ev *evidence, hours float64) float64 {
	s, _ := g.assess(a, b, ev, hours)
	return s
}

// assess is a pair's score, and the probability the model's veto gives it
// (0 without the veto).
func (g *Grouper) assess(a, b *weighted, ev *evidence, hours float64) (score, prob float64) {
	modelHand := g.handScore(a, b, ev, hours)
	// The seas, the designations and the answers (reread) and a meeting
	// of more than a day (meetingHours) move the hand-set score alone:
	// the model reads the reports, the time as published and the score
	// as it was fitted on them, so that its veto judges every pair as it
	// was fitted to (refitted, it moves sets none of them touch;
	// docs/digest.md, "The pair score").
	hand := modelHand
	clock := g.meetingHours(a.f, b.f, ev, hours)
	if r := g.reread(a, b, ev); r != nil {
		hand = g.handScore(&r.a, &r.b, &r.ev, clock)
	} else if clock != hours {
		hand = g.handScore(a, b, ev, clock)
	}
	// The cuts for one speaker's two statements and for a statement of
	// what is to come against the act it foretold come after the model:
	// read into the hand-set score, the model's input, every word added
	// to them changes the model's fit, which then moves sets they do not
	// touch (docs/digest.md, "Against the goal").
	cut := 1.0
	if g.statementApart(a, b) {
		cut = g.p.statementMiss
	}
	cut *= g.forecastCut(a, b, hours)
	if g.drillsApart(a, b) {
		cut *= g.p.drillsMiss
	}
	if g.thirdFirstApart(a, b) {
		cut *= g.p.thirdFirstMiss
	} else if g.thirdPairApart(a, b, ev) {
		cut *= g.p.thirdMiss
	}
	if !g.p.modelled() {
		return hand * cut, 0
	}
	x := pairFeatures(a, b, ev, hours, g.p.tau, g.idf(0), modelHand)
	if g.p.model != nil {
		// Different people stay a factor: reports of one event often
		// name different people (a minister, then a spokesman), so the
		// model weighs them lightly, and two calls of one day between
		// different people look alike in every other feature.
		s := g.p.model.score(&x)
		if ev.differ[headWho] {
			s *= g.p.pairHeads[headWho]
		}
		return s, 0
	}
	prob = g.p.veto.score(&x)
	return min(hand, g.p.threshold*prob/g.p.vetoAt) * cut, prob
}

// meetingHours is the time between a and b, published hours apart, as
// the hand-set score reads it: meetingSpan hours less when both tell of
// a meeting, either says it lasts more than a day, and they name a place
// both give, or one names a person or place the other's headline gives
// (params.meetingSpan). The cuts that read the order of two reports
// (forecastMiss) read hours.
func (g *Grouper) meetingHours(a, b *features, ev *evidence, hours float64) float64 {
	if g.p.meetingSpan == 0 || !a.longMeeting && !b.longMeeting || a.actions&b.actions&meetingAction == 0 || ev.places == 0 && ev.agree&(1<<headWho|1<<headWhere) == 0 {
		return hours
	}
	if hours < 0 {
		return min(0, hours+g.p.meetingSpan)
	}
	return max(0, hours-g.p.meetingSpan)
}

// otherStatement reports whether a and b are two statements of one
// person on different matters (statementMiss): both headlines tell what
// someone said and one person said both, each names something besides
// him, and they share nothing else: no concept, figure or word of the
// glossary, and no name of either headline besides his.
func otherStatement(a, b *features) bool {
	return sharesSpeaker(a, b) && saysWhat(a) && saysWhat(b) && !shareTitleTopic(a, b) && !shareTitleGloss(a, b) && !agreeBeyondSpeakers(a, b) && !agreeBeyondSpeakers(b, a)
}

// isPlace reports whether the name key is a place: a city of placeNames,
// or a name either headline gives as where.
func (g *Grouper) isPlace(key string, a, b *features) bool {
	return g.x.aliases.places[key[1:]] || slices.Contains(a.heads[headWhere], key) || slices.Contains(b.heads[headWhere], key)
}

// countsNames reports whether a cut reads which names two reports share
// (placeMiss, voiceMiss, thirdMiss, kinMiss): only then are they counted.
func (p *params) countsNames() bool {
	return p.placeMiss != 1 || p.voiceMiss != 1 || p.thirdMiss != 1 || p.kinMiss != 1
}

// modelled reports whether a pair model reads the pairs: only then is the
// evidence it alone reads gathered.
func (p *params) modelled() bool { return p.model != nil || p.veto != nil }

// handScore is the hand-set score: the weighted mean, over the
// kinds of feature both reports have, of the cosine similarity of their
// TF-IDF vectors of that kind; times a factor that falls with the time
// between them; times the conflict factors when their headlines name
// different actions, subjects, people or figures (pairHeads). Words are
// compared only within a language: across languages, names, concepts and
// figures carry the comparison, and the glossary's words when both
// headlines use one of them ("Russian rescuers lift crew…", «Спасатели
// сняли экипаж…») and they raise the score.
// A glossary word shared in the summaries alone is too weak a tie: "rocket"
// is a satellite's launch and a missile's, «помилование» any pardon.
func (g *Grouper) handScore(a, b *weighted, ev *evidence, hours float64) float64 {
	same := a.f.lang == b.f.lang
	var sum, wsum float64
	for k := range numKinds {
		wk := g.p.weight[k]
		if wk == 0 {
			continue
		}
		if a.norm[k] == 0 || b.norm[k] == 0 {
			if kinds[k] == kindName && g.p.nameGap && a.norm[k]+b.norm[k] > 0 {
				wsum += wk
			}
			continue
		}
		if kinds[k] == kindWord && !same || kinds[k] == kindGloss {
			continue
		}
		sum += wk * ev.dot[k] / (a.norm[k] * b.norm[k])
		wsum += wk
	}
	gk := kindIndex(kindGloss)
	if wk := g.p.weight[gk]; wk > 0 && !same && a.norm[gk] > 0 && b.norm[gk] > 0 && shareTitleGloss(a.f, b.f) {
		// A word both headlines use is evidence for one event, not against
		// it: names and concepts may say more than the glossary's words.
		if c := ev.dot[gk] / (a.norm[gk] * b.norm[gk]); wsum == 0 || c > sum/wsum {
			sum += wk * c
			wsum += wk
		}
	}
	if wsum == 0 {
		return 0
	}
	s := sum / wsum
	if g.p.nameMiss > 0 && ev.shared[0] == 0 && (g.p.missWords == 0 || ev.shared[kindIndex(kindWord)] < g.p.missWords) && !shareTitleTopic(a.f, b.f) {
		s *= g.p.nameMiss
	}
	if g.p.tau > 0 {
		s *= timeFactor(hours, g.p.tau, g.p.square)
	}
	if g.p.headsMiss != 1 && ev.shared[0] == 0 && ev.shared[kindIndex(kindConcept)] <= 1 && namesActors(a.f) && namesActors(b.f) {
		s *= g.p.headsMiss
	}
	switch {
	case g.p.placeMiss != 1 && ev.shared[0] > 0 && ev.notPlaces == 0 && ev.shared[kindIndex(kindConcept)] == 0 && !shareTitleTopic(a.f, b.f):
		s *= g.p.placeMiss
	case g.p.voiceMiss != 1 && ev.shared[0] > 0 && ev.notVoices == 0 && ev.shared[kindIndex(kindConcept)] == ev.spokes && !shareTitleTopic(a.f, b.f):
		s *= g.p.voiceMiss
	}
	if g.kinApart(a, b, ev) {
		s *= g.p.kinMiss
	}
	if g.thirdApart(a, b, ev) {
		s *= g.p.thirdMiss
	}
	if conflict(a.f, b.f) || conflict(b.f, a.f) {
		s *= g.p.conflict
		if g.p.speakerConflict != 1 && g.shareTitleSpeaker(a.f, b.f) {
			s *= g.p.speakerConflict
		}
	}
	if subjectConflict(a.f, b.f) || subjectConflict(b.f, a.f) {
		s *= g.p.subjectConflict
	}
	if g.p.sameSource != 1 && a.f.source != "" && a.f.source == b.f.source {
		s *= g.p.sameSource
	}
	for h, d := range ev.differ {
		if d {
			s *= g.p.pairHeads[h]
		}
	}
	return s
}

// rereading is two reports and their evidence as the hand-set score reads
// them after the model (Grouper.reread).
type rereading struct {
	a, b weighted
	ev   evidence
}

// reread reads a and b, and their evidence, as the model does not: the
// seas both name count among the names they share («над Баренцевым
// морем» and "over the Barents Sea", which Key does not meet), a
// headline's spelling of a sea agrees with the other report's naming it,
// and a headline whose only figures number an aircraft or a ship
// ("МиГ-31", "RC-135") gives no figure to differ on, and an answer to an
// act gives no people to differ on with the act or another answer to it
// (answers). nil when none applies, and the pair is read as the model
// reads it.
func (g *Grouper) reread(a, b *weighted, ev *evidence) *rereading {
	sk, nk := kindIndex(kindSea), kindIndex(kindName)
	seas := ev.dot[sk] > 0
	designations := g.p.designations && ev.differ[headFigure] && (onlyDesignations(a.f) || onlyDesignations(b.f))
	reactions := g.p.reactions && ev.differ[headWho] && (answers(a.f, b.f) || answers(b.f, a.f))
	if !seas && !designations && !reactions {
		return nil
	}
	r := &g.rereading
	r.a, r.b, r.ev = *a, *b, *ev
	if seas {
		r.a.norm[nk] = math.Hypot(a.norm[nk], a.norm[sk])
		r.b.norm[nk] = math.Hypot(b.norm[nk], b.norm[sk])
		r.ev.dot[nk] += ev.dot[sk]
		r.ev.shared[nk] += ev.shared[sk]
		r.ev.notPlaces += ev.shared[sk]
		r.ev.notVoices += ev.shared[sk]
		r.ev.agree |= ev.seaAgree
		for h := range r.ev.differ {
			if ev.seaAgree&(1<<h) != 0 {
				r.ev.differ[h] = false
			}
		}
	}
	if designations {
		r.ev.differ[headFigure] = false
	}
	if reactions {
		r.ev.differ[headWho] = false
	}
	return r
}

// answers reports whether a's headline is an answer to b's act or to the
// act b answers too (reactions): both name one action and neither a
// meeting, a call or a session (encounterActions), and a's is a
// statement that names no one but who made it and does not tell what is
// to come; unless b's opens with a third country and tells its own act
// or what it will do: «Минэкономики Киргизии проверит компании из
// санкционного списка США» is Kyrgyzstan's act, not the sanctions',
// where "Russia frees American in swap brokered by Qatar" is the swap.
func answers(a, b *features) bool {
	oneAct := a.titleActions&b.titleActions != 0 && (a.titleActions|b.titleActions)&encounterActions == 0
	answer := speakersOnly(a) && !a.titleForecast
	thirdsOwn := b.titleThirdFirst && (!b.titleStatement || b.titleForecast)
	return oneAct && answer && !thirdsOwn
}

// thirdForetells reports whether a's headline opens with a third
// country that b does not name and tells what is to come, or, with
// offers, an offer (params.thirdFirst, params.thirdOffers). A third
// country's acts are left to thirdMiss: cut so, they part the events a
// third country acts in (an extradition from Cyprus, whose Russian
// reports name «Кипр», which Key does not meet), but for its answer to
// sanctions (answersSanctions).
func thirdForetells(a, b *features, offers bool) bool {
	offer := offers && a.titleActions&proposalAction != 0
	return a.titleThirdFirst && (a.titleForecast || offer) && slices.ContainsFunc(a.titleThirdNames, func(k string) bool {
		return !b.has(k) || !b.titleThird && slices.Contains(b.titleThirdWhere, k)
	})
}

// answersSanctions reports whether a's headline opens with a third
// country, before either side, and tells of sanctions, and b's does not
// open with a third country (params.thirdAnswers): the country's answer
// to the sanctions, against any report but another of its own.
func answersSanctions(a, b *features) bool {
	return a.titleThirdOpens && a.titleActions&sanctionsAction != 0 && !b.titleThirdFirst
}

// speakersOnly reports whether f's headline tells what someone said and
// names no one as who but those who said it.
func speakersOnly(f *features) bool {
	return f.titleStatement && len(f.heads[headWho]) > 0 && containsAll(f.titleSpeakers, f.heads[headWho])
}

// onlyDesignations reports whether every figure f's headline gives is a
// designation, and never given on its own.
func onlyDesignations(f *features) bool {
	return containsAll(f.designations, f.heads[headFigure]) && !sharesAny(f.heads[headFigure], f.plainFigures)
}

// seaAgree is agreeHeads for the seas: bit h when a name of one
// headline's heads[h] spells a sea the other report names.
func seaAgree(a, b *features) uint8 {
	var agree uint8
	for _, pair := range [2][2]*features{{a, b}, {b, a}} {
		for _, sp := range pair[0].seaSpellings {
			if !pair[1].has(sp.sea) {
				continue
			}
			for h := range numHeads {
				if slices.Contains(pair[0].heads[h], sp.name) {
					agree |= 1 << h
				}
			}
		}
	}
	return agree
}

// apart reports whether a cut that reads a and b, published hours apart,
// as two events applies to them: a family's appeal apart from its
// relative's case (kinMiss), a statement of what is to come and the act
// it foretold (forecastMiss), or a third party's own act (thirdMiss).
// One person's two statements (statementMiss) are left out: a minister's
// news conference is told by each wire by another of its answers, and
// when its reports arrive out of order, its stories must still merge.
func (g *Grouper) apart(a, b *weighted, ev *evidence, hours float64) bool {
	return g.kinApart(a, b, ev) || g.forecastApart(a, b, hours) || g.thirdApart(a, b, ev)
}

func (g *Grouper) kinApart(a, b *weighted, ev *evidence) bool {
	return g.p.kinMiss != 1 && (kinLeftOut(a.f, b.f) || kinLeftOut(b.f, a.f) || ev.notPlaces == 0 && (kinOther(a.f, b.f) || kinOther(b.f, a.f)))
}

// foretelling is the earlier of a and b, published hours apart, when
// its headline foretells the other's act forecastHours or more before
// it (foretells), and nil otherwise.
func (g *Grouper) foretelling(a, b *weighted, hours float64) *features {
	switch {
	case g.p.forecastMiss == 1:
	case hours >= g.p.forecastHours && foretells(b.f, a.f, hours):
		return b.f
	case hours <= -g.p.forecastHours && foretells(a.f, b.f, -hours):
		return a.f
	}
	return nil
}

func (g *Grouper) forecastApart(a, b *weighted, hours float64) bool {
	return g.foretelling(a, b, hours) != nil
}

// forecastCut is the cut for a and b, published hours apart: soonMiss
// when the earlier one foretells the other and says when, forecastMiss
// when it foretells it and says no when, 1 when it does not.
func (g *Grouper) forecastCut(a, b *weighted, hours float64) float64 {
	switch earlier := g.foretelling(a, b, hours); {
	case earlier == nil:
		return 1
	case earlier.saysWhen():
		return g.p.soonMiss
	}
	return g.p.forecastMiss
}

// joinsApart reports whether a and b, published hours apart, are told
// apart as two events in the way that keeps one from the other's story
// (params.joinApart): a statement of what is to come and the act it
// foretold, joinHours or more apart, or a third party's own act.
func (g *Grouper) joinsApart(a, b *weighted, ev *evidence, hours float64) bool {
	return g.p.joinApart > 0 && (math.Abs(hours) >= g.p.joinHours && g.forecastApart(a, b, hours) || g.thirdApart(a, b, ev))
}

func (g *Grouper) thirdApart(a, b *weighted, ev *evidence) bool {
	return g.p.thirdMiss != 1 && ev.notThird == 0 && (thirdParty(a.f, b.f) || thirdParty(b.f, a.f))
}

func (g *Grouper) drillsApart(a, b *weighted) bool {
	return g.p.drillsMiss != 1 && (drillsOther(a.f, b.f) || drillsOther(b.f, a.f))
}

func (g *Grouper) thirdFirstApart(a, b *weighted) bool {
	if !g.p.thirdFirst {
		return false
	}
	answer := g.p.thirdAnswers && (answersSanctions(a.f, b.f) || answersSanctions(b.f, a.f))
	return answer || thirdForetells(a.f, b.f, g.p.thirdOffers) || thirdForetells(b.f, a.f, g.p.thirdOffers)
}

func (g *Grouper) thirdPairApart(a, b *weighted, ev *evidence) bool {
	return g.p.thirdPair && ev.notThird == 0 && (thirdPaired(a.f, b.f, g.p.hostActs) || thirdPaired(b.f, a.f, g.p.hostActs))
}

func (g *Grouper) statementApart(a, b *weighted) bool {
	return g.p.statementMiss != 1 && otherStatement(a.f, b.f)
}

// sharesSpeaker reports whether the headlines of a and b both tell what
// someone said, and one person said both (statementMiss).
func sharesSpeaker(a, b *features) bool {
	return a.titleStatement && b.titleStatement && sharesAny(a.titleSpeakers, b.titleSpeakers)
}

// saysWhat reports whether f's headline names a concept, a figure or
// someone or somewhere besides who spoke: a commentary's headline that
// names nothing ("Эксперты вместо саммита") shares nothing with any
// report, and is left to the other cuts (statementMiss).
func saysWhat(f *features) bool {
	if len(f.titleTopics) > 0 {
		return true
	}
	for _, keys := range f.heads {
		for _, k := range keys {
			if !slices.Contains(f.titleSpeakers, k) {
				return true
			}
		}
	}
	return false
}

// agreeBeyondSpeakers reports whether b names a name a's headline gives
// (heads) other than those of who spoke in either headline
// (statementMiss).
func agreeBeyondSpeakers(a, b *features) bool {
	for _, keys := range a.heads {
		for _, k := range keys {
			if b.has(k) && !slices.Contains(a.titleSpeakers, k) && !slices.Contains(b.titleSpeakers, k) {
				return true
			}
		}
	}
	return false
}

// timeFactor falls from 1 with the hours between two reports: to one half
// at tau.
func timeFactor(hours, tau float64, square bool) float64 {
	x := math.Abs(hours) / tau
	if square {
		x *= x
	}
	return 1 / (1 + x)
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

// subjectConflict reports whether a's headline names subjects that b never
// mentions while b's headline names subjects of its own: "Russia lifts
// ban on US poultry imports" and "US imposes visa bans on Russian
// officials" are two events whatever else they share. Reports of one
// event name its subject somewhere, even when their headlines pick
// different ones ("grain" and "продовольствие" for a bank licence, both
// naming the bank).
func subjectConflict(a, b *features) bool {
	return a.titleSubjects != 0 && a.titleSubjects&b.subjects == 0 && b.titleSubjects != 0
}

// otherHeads reports whether the headlines of a and b both give names of
// kind h and neither report names any the other's headline gives: "Lavrov
// and Rubio speak by phone" and "Putin and Trump speak by phone" on the
// same day are two calls, "Russia and US hold talks in Istanbul" and
// "Witkoff arrives in St Petersburg" two meetings.
func otherHeads(a, b *features, h int) bool {
	if len(a.heads[h]) == 0 || len(b.heads[h]) == 0 {
		return false
	}
	for _, k := range a.heads[h] {
		if b.has(k) {
			return false
		}
	}
	for _, k := range b.heads[h] {
		if a.has(k) {
			return false
		}
	}
	return true
}

// shareTitleSpeaker reports whether the headlines of a and b name one
// spokesperson.
func (g *Grouper) shareTitleSpeaker(a, b *features) bool {
	for _, k := range a.heads[headWho] {
		if g.x.speakers[k[1:]] && slices.Contains(b.heads[headWho], k) {
			return true
		}
	}
	return false
}

// namesActors reports whether f's headline says who acted, where or
// which agency (headsMiss).
func namesActors(f *features) bool {
	return len(f.heads[headWho])+len(f.heads[headWhere])+len(f.heads[headBody]) > 0
}

// kinOther reports whether a's headline names a relative of someone and
// b names none and is no story of a detention, charges or a sentence
// alone, without a release or an exchange (kinMiss). A family speaks
// for one of its own: its words on the day he is sentenced belong to the
// sentence's story, whose headline need not name him ("Moscow court
// jails US citizen..." and "Family of American jailed in Russia urges
// Trump to include him in next swap"); its appeal on the day of a swap he
// was left out of is another event than the swap, whose reports tell of
// the freed prisoners' sentences too.
func kinOther(a, b *features) bool {
	return a.titleKin && !b.kin && (b.actions&justiceActions == 0 || b.actions&swapAction != 0)
}

// kinLeftOut reports whether a's headline tells of a family whose own
// was left out of an exchange and b is a report of the exchange, or of a
// release, that tells of no one left out (kinMiss): "Family of American
// jailed in Perm asks why he was left out of swap" is the family's appeal
// whatever names and relatives the exchange's reports share with it
// («освобожденного встретили родственники»).
func kinLeftOut(a, b *features) bool {
	return a.titleKin && a.titleLeftOut && !b.titleLeftOut && b.actions&swapAction != 0
}

// justiceActions are the actions of a detention's, a charge's or a
// sentence's story, and swapAction that of a release or an exchange
// (kinOther).
var justiceActions, swapAction = actionBits("court", "arrest", "charges"), actionBits("swap")

// meetingAction is the action of a meeting, talks or a visit
// (homecoming); courtAction and arrestAction those of a court and of an
// arrest (remand).
var meetingAction, courtAction, arrestAction = actionBits("meeting"), actionBits("court"), actionBits("arrest")

// encounterActions are the actions of people meeting or talking: who
// speaks of a meeting or a call took part in it, and two such statements
// by different people are two encounters as often as one (reactions).
var encounterActions = actionBits("meeting", "call", "session")

// callAction is the action of a call (features.callsMeeting), and
// proposalAction that of an offer (thirdForetells), and sanctionsAction
// that of sanctions (answersSanctions).
var callAction, proposalAction, sanctionsAction = actionBits("call"), actionBits("proposal"), actionBits("sanctions")

// foretells reports whether the headline of earlier, published hours
// before later, tells of what is to come that later's tells happened
// (forecastMiss). Later's headline must name its actors, or the two
// sides ("US sanctions 37 suppliers of Russia's arms industry"), and be
// no statement of what is to come itself. Earlier's is cut against it
// when it is a statement of what is to come, or dates its own event by
// one to come whose action later's headline tells (eveActions), and
// later's tells an act; or when it names a day that later comes on
// (dayCame), and later's tells the day's news, not what someone said:
// «В Женеве начала работу группа…» names no action the lists know, but
// it is the day Ryabkov gave. A call "ahead of embassy talks" is not cut
// against the next morning's word on the call, which tells no talks, nor
// the call that set a meeting «в Астане 25 апреля» against its next-day
// reports. A call whose headline names the place of the meeting it
// discussed (callsMeeting) foretells a later report of a meeting that
// tells no call and is no statement.
func foretells(earlier, later *features, hours float64) bool {
	if later.titleForecast || later.hoursToDate > 0 || !namesActors(later) && later.titleSides != bothSides {
		return false
	}
	if dayCame(earlier, hours) {
		return later.titleActions != 0 || !later.titleStatement
	}
	if earlier.callsMeeting && later.titleActions&callAction == 0 && later.titleActions&meetingAction != 0 && !later.titleStatement {
		return true
	}
	return later.titleActions != 0 && (earlier.titleForecast || earlier.eveActions&later.titleActions != 0)
}

// drillsOther reports whether a's headline tells an exercise of at most
// one side's forces ("Корабли Балтийского флота начали учения в
// Балтийском море") and b's tells none and names a side a's does not
// ("Russian helicopter made unsafe passes over US destroyer"): an
// encounter of the two sides' forces near the drills is another event
// than the drills (drillsMiss). Reports of the drills that tell of the
// other side's watching name the exercise too.
func drillsOther(a, b *features) bool {
	return a.titleDrills && a.titleSides != bothSides && !b.titleDrills && b.titleSides&^a.titleSides != 0
}

// thirdParty reports whether a's headline tells a third party's own act
// and b's names no third country and does not open with Ukraine
// (thirdMiss): a's names a third country and neither side, or a third
// country's appeal to the sides (appealWords), or it opens with Ukraine
// or Kyiv (ukraineNames).
func thirdParty(a, b *features) bool {
	return (a.titleThird && (a.titleSides == 0 || a.titleAppeal) || a.titleUkraine) && noThirdParty(b)
}

// noThirdParty reports whether f's headline names no third country and
// does not open with Ukraine: the report a third party's headline is
// told apart from (thirdParty, thirdPaired).
func noThirdParty(f *features) bool { return !f.titleThird && !f.titleUkraine }

// thirdPaired reports whether a's headline names a third country
// acting beside one side, and b's the other side and no third country,
// and does not open with Ukraine (params.thirdPair): «Россия и ОАЭ
// подписали в Абу-Даби соглашение о защите инвестиций» is not the swap
// told by "US frees Russian hacker in Abu Dhabi swap". A third country
// named as a mediator, or thanked (titleGoodOffices), helped the sides'
// act. With hostActs, a headline that opens with the third country tells
// its act whichever side b's names (params.hostActs).
func thirdPaired(a, b *features, hostActs bool) bool {
	oneSide := a.titleSides == americanSide || a.titleSides == russianSide
	return a.titleThird && oneSide && !a.titleGoodOffices && noThirdParty(b) && (a.titleSides|b.titleSides == bothSides || hostActs && a.titleThirdFirst)
}

// dayCame reports whether a report published hours after one whose
// headline names a day ahead (hoursToDate) comes on that day or after it,
// less half a day for the time zones: the act it tells is the one the
// earlier headline dated, not the earlier report's own.
func dayCame(earlier *features, hours float64) bool {
	return earlier.hoursToDate > 0 && hours >= earlier.hoursToDate-12
}
