package story

import "math"

// pairModel scores a pair of reports with a logistic model of what they
// share and where they differ (pairFeatures, and steps and crosses of
// them: modelInputs): the probability that they tell one event. Its
// weights are fitted on the labelled development sets (model_test.go
// writes model_weights.go). The grouping uses it as a veto on the
// hand-set score's pairs and merges (params.veto); docs/digest.md
// explains both.
type pairModel [numInputs]float64

func (m *pairModel) score(x *[numPairFeatures]float64) float64 {
	in := modelInputs(x)
	return m.probability(&in)
}

// probability is the model's output for its inputs, already expanded.
func (m *pairModel) probability(in *[numInputs]float64) float64 {
	var z float64
	for i, v := range in {
		z += m[i] * v
	}
	return 1 / (1 + math.Exp(-z))
}

// steps let the model weigh a similarity otherwise than in proportion: a
// third of the names in common is much more than a tenth, and all of
// them little more than most. Each is 1 when the feature reaches at.
var steps = [numSteps]struct {
	feat int
	at   float64
}{
	{featNames, 0.1}, {featNames, 0.25}, {featNames, 0.5}, {featNames, 0.75},
	{featConcepts, 0.1}, {featConcepts, 0.25}, {featConcepts, 0.5}, {featConcepts, 0.75},
	{featWords, 0.05}, {featWords, 0.15}, {featWords, 0.3}, {featWords, 0.5},
	{featRarestName, 0.3}, {featRarestName, 0.5}, {featRarestName, 0.7}, {featRarestName, 0.9},
	{featTime, 0.2}, {featTime, 0.5}, {featTime, 0.8}, {featTime, 0.95},
	{featFigures, 0.3}, {featFigures, 0.7},
	{featHand, 0.5 * handThreshold}, {featHand, handThreshold}, {featHand, 2 * handThreshold},
}

// handThreshold is the threshold of the hand-set score (defaultParams),
// from which its steps are counted.
const handThreshold = 0.13

// crosses are products of two features: a rare name shared the same day
// says more than either alone.
var crosses = [numCrosses][2]int{
	{featRarestName, featTime}, {featConcepts, featNames}, {featSubjectAgree, featTime}, {featSharedActors, featTime},
}

const (
	numSteps   = 25
	numCrosses = 4
	numInputs  = numPairFeatures + numSteps + numCrosses
)

// modelInputs are the features, their steps and their crosses.
func modelInputs(x *[numPairFeatures]float64) [numInputs]float64 {
	var in [numInputs]float64
	copy(in[:], x[:])
	for i, s := range steps {
		in[numPairFeatures+i] = one(x[s.feat] >= s.at)
	}
	for i, c := range crosses {
		in[numPairFeatures+numSteps+i] = x[c[0]] * x[c[1]]
	}
	return in
}

// The features of a pair, in the order of the model's weights. Each is
// from 0 to about 1, except the counts, which stop at 3.
const (
	featBias         = iota
	featNames        // cosine of the names' TF-IDF vectors
	featBothNamed    // both reports name someone or something
	featWords        // cosine of the words' vectors, in one language only
	featSameLang     // both reports are in one language
	featConcepts     // cosine of the concepts' vectors (bilingual)
	featBothConcepts // both reports name a concept
	featFigures      // cosine of the figures' vectors
	featBothFigures  // both reports give figures
	featSharedNames  // names both give, not counting the sides' (at most 3)
	featRarestName   // the rarity of the rarest of them, as a share of the highest rarity
	featTitleTopic   // the headlines name a concept or a figure in common
	featTime         // the time factor: 1 at once, ½ at tau hours apart
	featDays         // days between the reports
	featActions      // the headlines name different actions (conflict)
	featSubjects     // the headlines name different subjects (subjectConflict)
	featSubjectAgree // one headline names a subject the other report names
	featOtherWho     // the headlines name different people (otherHeads)
	featOtherWhere   // the headlines name different places
	featOtherFigure  // the headlines give different figures
	featTimeNames    // featTime × featNames: names shared the same day count more
	featTimeWords    // featTime × featWords
	featTimeConcepts // featTime × featConcepts
	featSharedWords  // words both use, in one language (at most 5, over 5)
	featAgreeWho     // one report names a person the other's headline names
	featAgreeWhere   // one report names a place the other's headline names
	featAgreeFigure  // one report gives a figure the other's headline gives
	featOnlySpeakers // the only names shared besides the sides' are spokespeople
	featActionAgree  // one headline names an action the other report names
	featSameSubject  // both headlines name one subject
	featSharedActors // names shared besides the sides' and spokespeople's (at most 3)
	featHand         // the hand-set score (handScore)
	numPairFeatures
)

// pairFeatures describes a pair from the evidence gathered on it. top
// is the rarity of a name no other report of the window has.
func pairFeatures(a, b *weighted, ev *evidence, hours, tau, top, hand float64) [numPairFeatures]float64 {
	var x [numPairFeatures]float64
	cos := func(k int) float64 {
		if a.norm[k] == 0 || b.norm[k] == 0 {
			return 0
		}
		return ev.dot[k] / (a.norm[k] * b.norm[k])
	}
	both := func(k int) float64 { return one(a.norm[k] > 0 && b.norm[k] > 0) }
	name, word, concept, number := kindIndex(kindName), kindIndex(kindWord), kindIndex(kindConcept), kindIndex(kindNumber)
	x[featBias] = 1
	x[featNames], x[featBothNamed] = cos(int(name)), both(int(name))
	if a.f.lang == b.f.lang {
		x[featWords], x[featSameLang] = cos(int(word)), 1
	}
	x[featConcepts], x[featBothConcepts] = cos(int(concept)), both(int(concept))
	x[featFigures], x[featBothFigures] = cos(int(number)), both(int(number))
	x[featSharedNames] = math.Min(float64(ev.names), 3)
	if top > 0 {
		x[featRarestName] = ev.rarest / top
	}
	x[featTitleTopic] = one(shareTitleTopic(a.f, b.f))
	x[featTime] = timeFactor(hours, tau, true)
	x[featDays] = math.Abs(hours) / 24
	x[featActions] = one(conflict(a.f, b.f) || conflict(b.f, a.f))
	x[featSubjects] = one(subjectConflict(a.f, b.f) || subjectConflict(b.f, a.f))
	x[featSubjectAgree] = one(a.f.titleSubjects&b.f.subjects != 0 || b.f.titleSubjects&a.f.subjects != 0)
	x[featOtherWho] = one(ev.differ[headWho])
	x[featOtherWhere] = one(ev.differ[headWhere])
	x[featOtherFigure] = one(ev.differ[headFigure])
	x[featTimeNames] = x[featTime] * x[featNames]
	x[featTimeWords] = x[featTime] * x[featWords]
	x[featTimeConcepts] = x[featTime] * x[featConcepts]
	x[featSharedWords] = math.Min(float64(ev.shared[word]), 5) / 5
	x[featAgreeWho] = one(ev.agree&(1<<headWho) != 0)
	x[featAgreeWhere] = one(ev.agree&(1<<headWhere) != 0)
	x[featAgreeFigure] = one(ev.agree&(1<<headFigure) != 0)
	x[featOnlySpeakers] = one(ev.names > 0 && ev.actors == 0)
	x[featActionAgree] = one(a.f.titleActions&b.f.actions != 0 || b.f.titleActions&a.f.actions != 0)
	x[featSameSubject] = one(a.f.titleSubjects&b.f.titleSubjects != 0)
	x[featSharedActors] = math.Min(float64(ev.actors), 3)
	x[featHand] = hand
	return x
}

func one(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
