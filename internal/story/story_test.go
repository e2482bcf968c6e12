package story

import (
	"slices"
	"testing"
	"time"
)

// Seeding a new Grouper with the reports of the last window, in their
// original order and with the stories they were given, and then adding
// new reports gives the same stories as one Grouper that saw everything:
// what the daemon does after a restart.
func TestSeedRestoresState(t *testing.T) {
	s := newSynth(t, 1)
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var stream []Report
	for d := range 6 {
		stream = append(stream, s.day(start.AddDate(0, 0, d), 300)...)
	}
	cut := len(stream) * 2 / 3
	whole := New(Options{})
	ids := make([]int64, len(stream))
	// relabel applies the merges of stories to the ids given so far, as
	// the digest does to the stories it stored.
	merged := 0
	relabel := func(g *Grouper, upTo int) {
		for _, m := range g.Merges() {
			merged++
			for i := range ids[:upTo] {
				if ids[i] == m.From {
					ids[i] = m.Into
				}
			}
		}
	}
	for i, r := range stream[:cut] {
		ids[i] = whole.Add(r)
		relabel(whole, i+1)
	}
	// The stories as the first third of the rest leaves them, to compare
	// with.
	want := slices.Clone(ids)
	for i, r := range stream[cut:] {
		want[cut+i] = whole.Add(r)
		for _, m := range whole.Merges() {
			for j := range want[:cut+i+1] {
				if want[j] == m.From {
					want[j] = m.Into
				}
			}
		}
	}

	again := New(Options{})
	var latest time.Time
	for _, r := range stream[:cut] {
		if r.Published.After(latest) {
			latest = r.Published
		}
	}
	seeded := 0
	for i, r := range stream[:cut] {
		if !r.Published.Before(latest.Add(-DefaultWindow)) {
			again.Seed(r, ids[i])
			seeded++
		}
	}
	if seeded == cut || seeded == 0 {
		t.Fatalf("seeded %d of %d reports: the test needs reports outside the window", seeded, cut)
	}
	var joined int
	for i, r := range stream[cut:] {
		ids[cut+i] = again.Add(r)
		relabel(again, cut+i+1)
		if ids[cut+i] != r.ID {
			joined++
		}
	}
	for i := range ids {
		if ids[i] != want[i] {
			t.Fatalf("report %d (%q): story %d after Seed, %d without", stream[i].ID, stream[i].Title, ids[i], want[i])
		}
	}
	if joined == 0 || merged == 0 {
		t.Fatalf("%d new reports joined a story, %d stories merged: the comparison proves too little", joined, merged)
	}
}

// Ids are those of the story's first report, and a report published
// outside the window starts a story of its own.
func TestStoryIDs(t *testing.T) {
	t0 := time.Date(2026, 3, 3, 12, 0, 0, 0, time.UTC)
	g := New(Options{})
	a := Report{ID: 10, Title: "Rubio, Lavrov discuss Ukraine in phone call", Text: "The State Department said the call covered embassies.", Published: t0}
	b := Report{ID: 11, Title: "Лавров и Рубио провели телефонный разговор", Text: "Госсекретарь США и министр иностранных дел России обсудили Украину и работу посольств.", Published: t0.Add(time.Hour)}
	c := Report{ID: 12, Title: "Lavrov and Rubio speak by phone about Ukraine", Text: "The ministers discussed embassies.", Published: t0.Add(DefaultWindow + 2*time.Hour)}
	if got := g.Add(a); got != 10 {
		t.Errorf("first report: story %d, want 10", got)
	}
	if got := g.Add(b); got != 10 {
		t.Errorf("same call in Russian: story %d, want 10", got)
	}
	if got := g.Add(c); got != 12 {
		t.Errorf("a call after the window: story %d, want 12 (a new story)", got)
	}
	if st, rs := g.Size(); st != 1 || rs != 1 {
		t.Errorf("Size() = %d stories, %d reports; want 1, 1 after the window moved on", st, rs)
	}
}

// Reports arrive out of publication order; a report that arrives late
// still joins its story.
func TestArrivalOrder(t *testing.T) {
	set := loadSet(t, "tuning.jsonl")
	inOrder, _ := evaluate(arrival(set, 0, 0), Options{})
	for seed := uint64(1); seed <= 3; seed++ {
		m, _ := evaluate(arrival(set, 6*time.Hour, seed), Options{})
		if m.P < inOrder.P-0.05 || m.R < inOrder.R-0.08 {
			t.Errorf("arrival order %d (up to 6 h late): %v; in publication order: %v", seed, m, inOrder)
		}
	}
}

// The marked comparison that Add uses gives the scores of the plain one.
func TestMarkedScoreIsPairScore(t *testing.T) {
	s := newSynth(t, 4)
	g := New(Options{})
	reports := s.day(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), 600)
	for _, r := range reports[:500] {
		g.Add(r)
	}
	compared := 0
	for _, r := range reports[500:] {
		r.Published = g.advance(r.Published)
		f := g.x.features(r)
		g.markFeatures(f)
		for _, st := range g.candidates(f) {
			for _, m := range st.members {
				g.weigh(m.f, &g.other)
				h := r.Published.Sub(m.at).Hours()
				got, _, _ := g.markedScore(&g.scratch, &g.other, h)
				if want := g.pairScore(&g.scratch, &g.other, h); got != want {
					t.Fatalf("%q vs %q: marked %v, plain %v", r.Title, m.f.lang, got, want)
				}
				compared++
			}
		}
		g.insert(r.ID, r.Published, f, r.ID)
	}
	if compared < 100 {
		t.Fatalf("only %d pairs compared", compared)
	}
}

// A statement of what is to come keeps the act it foretold out of its
// story when it was made half a day or more before it; made on the act's
// day, it is left to the pair's cut. A third party's own act keeps the
// sides' meeting in its city out of its story.
func TestJoinApart(t *testing.T) {
	at := time.Date(2031, 10, 27, 16, 30, 0, 0, time.UTC)
	plan := Report{ID: 1, Lang: "en", Published: at, Title: "Russia's Dmitriev says he will meet US envoy at Riyadh investment forum", Text: "Kirill Dmitriev said he would meet the US president's special envoy in Riyadh on the sidelines of the investment forum to discuss a list of joint projects."}
	meeting := Report{ID: 2, Lang: "ru", Title: "Дмитриев встретился со спецпосланником президента США в Эр-Рияде", Text: "Кирилл Дмитриев провел встречу со спецпосланником президента США на полях инвестиционного форума в Эр-Рияде и обсудил список совместных проектов."}
	off := defaultParams
	off.joinApart = 0
	for _, tt := range []struct {
		name  string
		hours float64
		p     *params
		same  bool
	}{
		{"the meeting a day after the word", 20, nil, false},
		{"the meeting a day after the word, without the refusal", 20, &off, true},
		{"the meeting hours after the word", 7, nil, true},
	} {
		g := New(Options{p: tt.p})
		m := meeting
		m.Published = at.Add(time.Duration(tt.hours * float64(time.Hour)))
		if same := g.Add(plan) == g.Add(m); same != tt.same {
			t.Errorf("%s: one story %v, want %v", tt.name, same, tt.same)
		}
	}
	third := Report{ID: 3, Lang: "en", Published: at, Title: "Qatar's prime minister receives Ukraine's foreign minister in Doha", Text: "Qatar's prime minister met Ukraine's foreign minister in Doha as Russian and American aides met there to prepare a summit of the two presidents."}
	aides := Report{ID: 4, Lang: "en", Published: at.Add(2 * time.Hour), Title: "Kremlin aide, US national security adviser meet in Doha", Text: "A senior aide to Putin and the US national security adviser met in Doha to prepare a summit of the two presidents."}
	for _, tt := range []struct {
		name string
		p    *params
		same bool
	}{
		{"the sides' meeting after a third party's in the city", nil, false},
		{"the same, without the refusal", &off, true},
	} {
		g := New(Options{p: tt.p})
		if same := g.Add(third) == g.Add(aides); same != tt.same {
			t.Errorf("%s: one story %v, want %v", tt.name, same, tt.same)
		}
	}
}

// A commentary's headline, one that names nothing or a short one that
// names no one and tells no statement, joins the story it scores best
// against just under the threshold, when no other story comes near; a
// headline that names someone does not, nor a longer one. The threshold
// is set, case by case, so that the report scores 0.95 of it.
func TestCommentaryJoins(t *testing.T) {
	at := time.Date(2032, 3, 10, 14, 0, 0, 0, time.UTC)
	wire := Report{ID: 1, Lang: "ru", Published: at, Title: "Минфин США ввел санкции против поставщиков оптоволокна для российских дронов", Text: "В санкционный список внесены компании из Китая и Киргизии, поставлявшие оптоволоконные катушки и кабель для российских беспилотников, управляемых по проводу."}
	other := Report{ID: 2, Lang: "ru", Published: at.Add(time.Hour), Title: "Лавров провел переговоры с министром иностранных дел Индии", Text: "Министры обсудили туризм и культурные связи."}
	commentary := Report{ID: 3, Lang: "ru", Published: at.Add(6 * time.Hour), Title: "Счет за катушки", Text: "Ограничения против поставщиков катушек из Киргизии бьют по производству дронов: участники рынка ждут роста цен на кабель."}
	named := commentary
	named.Title = "Эксперт Иванов: счет за катушки"
	short := commentary
	short.Title = "Счет за катушки в Бишкеке"
	long := commentary
	long.Title = "Счет за катушки для дронов придет в Бишкек"
	// scores places r after the wire and the other report, and returns
	// its scores against their stories and the story it joined.
	scores := func(p params, r Report) (wireScore, otherScore float64, joined int64) {
		g := New(Options{p: &p})
		first, second := g.Add(wire), g.Add(other)
		g.p.trace = func(_ Report, story int64, s float64) {
			switch story {
			case first:
				wireScore = s
			case second:
				otherScore = s
			}
		}
		return wireScore, otherScore, g.Add(r)
	}
	for _, tt := range []struct {
		name string
		r    Report
		set  func(*params)
		want bool
	}{
		{"a nameless headline", commentary, nil, true},
		{"a nameless headline, without the lower bar", commentary, func(p *params) { p.nameless = 0 }, false},
		{"a headline that names someone", named, nil, false},
		{"a short headline that names a place", short, nil, true},
		{"a short headline that names a place, when only a nameless one is a commentary's", short, func(p *params) { p.commentaryWords = 0 }, false},
		{"a longer headline that names a place", long, nil, false},
	} {
		p := defaultParams
		if tt.set != nil {
			tt.set(&p)
		}
		probe, near, _ := scores(p, tt.r)
		if probe == 0 || near*defaultParams.namelessLead > probe {
			t.Fatalf("%s: scores %.3f against the wire and %.3f against the other report: the case needs the wire's story alone near", tt.name, probe, near)
		}
		p.threshold = probe / 0.95
		sc, _, joined := scores(p, tt.r)
		if got := joined == wire.ID; got != tt.want {
			t.Errorf("%s: joined the sanctions' story %v (score %.3f, threshold %.3f), want %v", tt.name, got, sc, p.threshold, tt.want)
		}
		if sc >= p.threshold {
			t.Errorf("%s: scores %.3f, at the threshold; the case tests the lower bar", tt.name, sc)
		}
	}
}

// A commentary whose opening word no report names keeps a later report
// that says who acted, and never names that word, at a distance: its
// headline's word counts as another who against it.
func TestOpeningNameKeepsOut(t *testing.T) {
	at := time.Date(2031, 1, 16, 6, 20, 0, 0, time.UTC)
	commentary := Report{ID: 1, Lang: "ru", Published: at, Title: "Разморозка по лицензии", Text: "Решение американского Минфина открывает окно для обмена заблокированными активами; встреча инвесторов назначена на пятницу."}
	arrival := Report{ID: 2, Lang: "ru", Published: at.Add(2 * time.Hour), Title: "Уиткофф и Кушнер прилетели в Москву", Text: "Самолет спецпосланника президента США приземлился во Внукове; встреча с Владимиром Путиным запланирована на вторник."}
	score := func(opening bool) float64 {
		g := New(Options{})
		g.Add(commentary)
		m := g.heap[0]
		if m.f.openingName == "" {
			t.Fatal("the commentary's opening word is who its headline names")
		}
		if !opening {
			m.f.openingName = ""
		}
		f := g.x.features(arrival)
		g.markFeatures(f)
		g.weigh(m.f, &g.other)
		s, _, _ := g.markedScore(&g.scratch, &g.other, 2)
		return s
	}
	if with, without := score(true), score(false); with >= without {
		t.Errorf("the arrival scores %.4f against the commentary, %.4f when its opening word is not counted: want lower", with, without)
	}
}

// The ids a caller gives are labels: a store gives them in the order
// concurrent polls ended, so the same reports added in the same order
// must form the same stories whatever their ids. Ties between stories
// (two that score alike, or share alike with a report) go to the one
// that formed first.
func TestGroupingIgnoresIDs(t *testing.T) {
	for _, name := range readSets {
		rs := reports(loadSet(t, name))
		want := Group(rs, Options{})
		relabelled := slices.Clone(rs)
		for i := range relabelled {
			// Ids in the reverse of the order of publication.
			relabelled[i].ID = int64(10000 - i)
		}
		got := Group(relabelled, Options{})
		for i := range rs {
			for j := i + 1; j < len(rs); j++ {
				if same, again := want[rs[i].ID] == want[rs[j].ID], got[relabelled[i].ID] == got[relabelled[j].ID]; same != again {
					t.Errorf("%s: reports %d and %d in one story %v with ids in publication order, %v with them reversed", name, i+1, j+1, same, again)
				}
			}
		}
	}
}
