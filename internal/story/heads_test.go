package story

import (
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The names a headline gives for who and where: people by their key,
// cities of placeNames (in any case form, and as the Russian adjectives
// made from them); the sides' names, countries and regions neither.
func TestHeads(t *testing.T) {
	g := New(Options{})
	tests := []struct {
		title      string
		who, where []string
	}{
		{"Rubio and Lavrov meet in Istanbul", []string{"erb", "elvrv"}, []string{"e=стамбул"}},
		{"Лавров и Рубио провели переговоры в Стамбуле", []string{"elvrv", "erb"}, []string{"e=стамбул"}},
		{"Стамбульский раунд: что известно о переговорах", nil, []string{"e=стамбул"}},
		{"Женевский формат", nil, []string{"e=женев"}},
		{"Что дали стамбульские консультации", nil, []string{"e=стамбул"}},
		{"Уиткофф прилетел в Петербург", []string{"e=уиткофф"}, []string{"e=санкт петербург"}},
		// The capitals stand for the governments; countries and regions
		// are where events are told at another scale ("talks in Turkey").
		{"Witkoff arrives in Moscow", []string{"e=уиткофф"}, nil},
		{"US, Russian top diplomats hold talks in Turkey", nil, nil},
		{"Аляскинский саммит: что увидели", nil, nil},
		// A name after "in" or "в" is a place though no alias knows it,
		// unless it is a country or a region.
		{"Россия и США провели в Вене новый раунд консультаций", nil, []string{"evn"}},
		{"Russia, US hold embassy talks in Vienna", nil, []string{"evn"}},
		{"Rubio and Lavrov meet in San Francisco", []string{"erb", "elvrv"}, []string{"esn", "efrnssk"}},
		{"Russia detains US citizen in Siberia on spying charges", nil, nil},
		{"US, Russian diplomats agree in Qatar to keep talking", nil, nil},
		// Cities of the alias table in any case form, a name Key shares
		// with a country (Bern's is Bahrain's) and a headline's opening
		// preposition included.
		{"Военные России и США проведут встречу в Берне", nil, []string{"e=берн"}},
		{"В Астане открылся второй раунд консультаций России и США", nil, []string{"e=астан"}},
		{"Россия и США проведут консультации в Алма-Ате", nil, []string{"e=алмат"}},
		// Adjectives in -ский made from common nouns are no places.
		{"Шпионский скандал омрачил работу посольств", nil, nil},
		{"Российская делегация прибыла на морской курорт", nil, nil},
	}
	for _, tt := range tests {
		f := g.x.features(Report{Title: tt.title})
		if !sameSet(f.heads[headWho], tt.who) || !sameSet(f.heads[headWhere], tt.where) {
			t.Errorf("%q: who %v, where %v; want %v, %v", tt.title, f.heads[headWho], f.heads[headWhere], tt.who, tt.where)
		}
	}
	// Figures, but not months: the count a headline gives is part of
	// what happened, the month is when.
	for title, want := range map[string][]string{
		"US sanctions 40 tankers in crackdown on shadow fleet": {"n40"},
		"Переговоры продлились шесть часов":                    {"n6"},
		"Second round of talks ends in March":                  {"nord2"},
		"Talks resume in March":                                nil,
	} {
		if got := g.x.features(Report{Title: title}).heads[headFigure]; !sameSet(got, want) {
			t.Errorf("%q: figures %v, want %v", title, got, want)
		}
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// Headlines that name different cities, neither mentioned in the other
// report, tell different events; a city the other report mentions, or a
// country for a city, is no conflict.
func TestOtherPlaces(t *testing.T) {
	g := New(Options{})
	f := func(title, text string) *features { return g.x.features(Report{Title: title, Text: text}) }
	tests := []struct {
		a, b *features
		want bool
	}{
		{f("Russia, US hold new round of talks in Istanbul", "The meeting at the Russian consulate lasted five hours."),
			f("Уиткофф прилетел в Петербург", "Спецпосланника встретил глава РФПИ."), true},
		{f("Russia, US hold new round of talks in Istanbul", "The meeting at the Russian consulate lasted five hours."),
			f("Стамбульский раунд завершился", "Делегации обменялись нотами."), false},
		{f("Lavrov and Rubio to meet in Riyadh", "The ministers agreed by phone to meet in the Saudi capital."),
			f("Rubio and Lavrov meet in Geneva", "They last met in Riyadh."), false},
		{f("US, Russian top diplomats hold talks in Turkey", "Rubio and Lavrov met for three hours."),
			f("Rubio and Lavrov meet in Istanbul", "Their talks lasted three hours."), false},
	}
	for _, tt := range tests {
		if got := otherHeads(tt.a, tt.b, headWhere); got != tt.want {
			t.Errorf("%v / %v: other places %v, want %v", tt.a.heads, tt.b.heads, got, tt.want)
		}
	}
}

// Two statements of one spokesperson that share her name, her office,
// the sides and her post, and no concept, are cut (params.voiceMiss);
// when they share a concept they are not.
func TestVoiceMiss(t *testing.T) {
	at := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	property := Report{Title: "Захарова: Москва ждет от Вашингтона возвращения дипсобственности", Text: "Официальный представитель МИД России сказала, что вопрос шести объектов остается главным раздражителем.", Published: at}
	checkCut(t, func(p *params) { p.voiceMiss = 1 }, property, []cutCase{
		{Report{Title: "Захарова назвала дискриминационными новые правила выдачи виз россиянам", Text: "Официальный представитель МИД России заявила, что Москва ответит на решение Госдепа."}, true},
		{Report{Title: "Захарова: США затягивают возвращение дипсобственности", Text: "Официальный представитель МИД России напомнила о шести объектах."}, false},
	})
}

// A report that names nothing is compared with one that names someone as
// if their names disagreed; two that both name nothing are compared by
// their other kinds.
func TestNameGap(t *testing.T) {
	g := New(Options{})
	var a, b, c weighted
	g.weigh(g.x.features(Report{Title: "Долгий звонок без прорыва", Lang: "ru"}), &a)
	g.weigh(g.x.features(Report{Title: "Lavrov and Rubio speak by phone", Lang: "en"}), &b)
	g.weigh(g.x.features(Report{Title: "Phone call brings no breakthrough", Lang: "en"}), &c)
	named, unnamed := g.pairScore(&a, &b, 0), g.pairScore(&a, &c, 0)
	p := defaultParams
	p.nameGap = false
	off := New(Options{p: &p})
	if without := off.pairScore(&a, &b, 0); !(named < without && named > 0) {
		t.Errorf("nameless and named: %.3f with the gap counted, %.3f without", named, without)
	}
	if without := off.pairScore(&a, &c, 0); unnamed != without || unnamed == 0 {
		t.Errorf("two nameless reports: %.3f with the gap counted, %.3f without; want equal and not 0", unnamed, without)
	}
}

// Every name of placeNames and personNames is an alias group's.
func TestHeadNamesAreAliases(t *testing.T) {
	g := New(Options{})
	if n := len(g.x.aliases.places); n != len(placeNames) {
		t.Errorf("%d place groups for %d placeNames: one is no alias", n, len(placeNames))
	}
	if n := len(g.x.aliases.people); n != len(personNames) {
		t.Errorf("%d person groups for %d personNames: one is no alias", n, len(personNames))
	}
}

// A headline naming a third country and neither side is a third party's
// act: against a report whose headline names no third country, sharing
// only the sides, places and offices, it is cut; a third party's words on
// the event, naming its people, are not.
func TestThirdMiss(t *testing.T) {
	talks := Report{Title: "US, Russian diplomats meet in Istanbul on embassy operations", Text: "The talks at the Russian consulate general, hosted by Turkey, were led by ambassador Alexander Darchiev and a deputy assistant secretary of state.", Lang: "en"}
	checkCut(t, func(p *params) { p.thirdMiss = 1 }, talks, []cutCase{
		{Report{Title: "Turkey's Fidan hosts Iran's foreign minister in Istanbul", Text: "The two ministers discussed trade and border security, Turkey's foreign ministry said.", Lang: "en"}, true},
		{Report{Title: "Turkey ready to host next round of US-Russian embassy talks, Fidan says", Text: "Fidan said Ankara had offered the consulate general for the talks in Istanbul.", Lang: "en"}, false},
		{Report{Title: "Turkey's Fidan meets Darchiev before embassy talks in Istanbul", Text: "The Turkish minister received the Russian ambassador to Washington, Alexander Darchiev, ahead of the talks.", Lang: "en"}, false},
		{Report{Title: "Diplomats of both countries end talks in Istanbul", Text: "The foreign ministry said the two delegations agreed on visas.", Lang: "en"}, false},
		// A third country's call on the two sides is its own act, though
		// its headline names them.
		{Report{Title: "Turkey urges US and Russia to keep embassy talks going", Text: "Turkey's foreign ministry said both countries should meet again in Istanbul.", Lang: "en"}, true},
		// So is Ukraine's, whose name alone says nothing: the sides' talks
		// are so often about it.
		{Report{Title: "Ukraine says no deal without Kyiv as US-Russia talks open in Istanbul", Text: "Ukraine's foreign ministry said any arrangement reached in Istanbul without it would not be recognised.", Lang: "en"}, true},
		{Report{Title: "US and Russia discuss Ukraine in Istanbul embassy talks", Text: "The foreign ministry said the delegations also touched on a ceasefire.", Lang: "en"}, false},
		// Turkey named in both is the third country itself, no evidence of
		// one event.
		{Report{Title: "Turkey's Fidan hosts Iran's foreign minister in Istanbul", Text: "Turkey's foreign ministry said the ministers discussed trade.", Lang: "en"}, true},
	})
	// The host's offer of another meeting, in the city of the talks, is
	// its own act; an adjective of the host's before a meeting says only
	// where the talks were.
	bern := Report{Title: "Военные России и США проведут встречу в Берне", Text: "Начальники генштабов встретятся в столице Швейцарии в среду, сообщил источник в дипломатических кругах.", Lang: "ru"}
	checkCut(t, func(p *params) { p.thirdMiss = 1 }, bern, []cutCase{
		{Report{Title: "Швейцария предложила Женеву для встречи Путина и Трампа", Text: "Глава МИД Швейцарии заявил, что Берн готов принять встречу президентов в любое время.", Lang: "ru"}, true},
		{Report{Title: "Top US and Russian officers meet in Bern", Text: "The generals met in the Swiss capital on Wednesday to discuss avoiding accidents between their forces.", Lang: "en"}, false},
	})
}

func TestVenueAdjective(t *testing.T) {
	g := New(Options{})
	for title, third := range map[string]bool{
		"US and Russia agree to keep talking on nuclear arms after Swiss meeting": false,
		"Saudi talks end without a deal on Black Sea shipping":                    false,
		"Swiss foreign minister says Switzerland is ready to host a summit":       true,
		"Cyprus extradites Russian to US on fraud charges":                        true,
		// A country in a sea's name is the sea's.
		"Russian fighter intercepts US patrol plane over the Sea of Japan": false,
		"Japan protests Russian bomber flights over the Sea of Japan":      true,
	} {
		if got := g.x.features(Report{Title: title, Lang: "en"}).titleThird; got != third {
			t.Errorf("%q names a third country: %v, want %v", title, got, third)
		}
	}
}

// One side's drills and an encounter of the two sides' forces near them
// are two events; the other side's watching of the drills is the drills.
func TestDrillsMiss(t *testing.T) {
	drills := Report{Title: "Корабли Балтийского флота начали учения в Балтийском море", Text: "Корветы и малые ракетные корабли флота отрабатывают поиск подводных лодок, сообщила пресс-служба.", Lang: "ru"}
	checkCut(t, func(p *params) { p.drillsMiss = 1 }, drills, []cutCase{
		{Report{Title: "Вертолет Балтийского флота облетел американский эсминец в Балтийском море", Text: "Корабельный вертолет провел визуальный контроль эсминца, приблизившегося к району учений.", Lang: "ru"}, true},
		{Report{Title: "Russian helicopter buzzes US destroyer in the Baltic, Navy says", Text: "The Navy said a helicopter of Russia's Baltic Fleet flew over the destroyer near the area of the fleet's drills.", Lang: "en"}, true},
		{Report{Title: "ВМС США следят за учениями Балтийского флота", Text: "Американский эсминец держится у района учений корветов и малых ракетных кораблей, сообщили в Пентагоне.", Lang: "ru"}, false},
		{Report{Title: "Балтийский флот завершил учения в Балтийском море", Text: "Корветы и малые ракетные корабли вернулись в базы, сообщила пресс-служба флота.", Lang: "ru"}, false},
		{Report{Title: "Минобороны: США уведомлены о пусках в ходе тренировки флота", Text: "Американская сторона заранее уведомлена о пусках ракет с кораблей в Балтийском море.", Lang: "ru"}, false},
	})
	// Fighters that practised interception drilled: the intercept of an
	// American plane the next day is another event.
	practice := Report{Title: "Экипажи МиГ-31 отработали перехват воздушных целей над Чукоткой", Text: "Истребители-перехватчики Восточного военного округа провели учения над Беринговым морем.", Lang: "ru"}
	checkCut(t, func(p *params) { p.drillsMiss = 1 }, practice, []cutCase{
		{Report{Title: "МиГ-31 сопроводил американский патрульный самолет над Беринговым морем", Text: "Истребитель-перехватчик поднимался для перехвата самолета ВМС США у побережья Чукотки.", Lang: "ru"}, true},
	})
	// A joint exercise is no one side's, and an unsafe maneuver is how an
	// intercept is told, not an exercise.
	for _, a := range []Report{
		{Title: "Russian coast guard holds joint rescue drills in Bering Sea", Text: "Russian and American crews practised searching for a fishing boat in distress.", Lang: "en"},
		{Title: "Russian destroyer made unsafe maneuver in Barents Sea, Navy says", Text: "The Navy said the destroyer closed within 200 yards of an American destroyer.", Lang: "en"},
	} {
		checkCut(t, func(p *params) { p.drillsMiss = 1 }, a, []cutCase{
			{Report{Title: "US says Russian crews met American ones in the Bering and Barents seas", Text: "The Navy said the destroyer and the coast guard crews met American ones.", Lang: "en"}, false},
		})
	}
}

// Two headlines of one spokesperson that name different actions are two
// matters of her day: conflict cuts them once more.
func TestSpeakerConflict(t *testing.T) {
	swap := Report{Title: "Песков: обмен в Стамбуле — результат работы спецслужб", Text: "Пресс-секретарь президента сказал, что Кремль не связывает обмен с другими контактами с Вашингтоном.", Lang: "ru"}
	checkCut(t, func(p *params) { p.speakerConflict = 1 }, swap, []cutCase{
		{Report{Title: "Песков: говорить о сроках встречи Путина и Трампа пока преждевременно", Text: "В Кремле сказали, что контакты с Вашингтоном продолжаются.", Lang: "ru"}, true},
		{Report{Title: "Лавров: говорить о сроках встречи Путина и Трампа пока преждевременно", Text: "В МИД сказали, что контакты с Вашингтоном продолжаются.", Lang: "ru"}, false},
	})
}

// Headlines that give different figures, neither mentioned in the other
// report, tell two events of the day: three hours of talks and two
// diplomats expelled.
func TestFigureConflict(t *testing.T) {
	talks := Report{Title: "Rubio, Lavrov hold three hours of talks in Astana", Text: "The ministers agreed to restart the working group on embassies.", Lang: "en"}
	checkCut(t, func(p *params) { p.pairHeads[headFigure] = 1 }, talks, []cutCase{
		{Report{Title: "US expels two Russian diplomats at the UN", Text: "The State Department said the diplomats at the mission had engaged in activities incompatible with their status.", Lang: "en"}, true},
		{Report{Title: "Rubio and Lavrov talk for three hours in Astana", Text: "The two agreed to restart the working group on embassies.", Lang: "en"}, false},
	})
}

// Two reports whose headlines both say who acted or where, and that share
// no name at all, not even a side's, tell two events: a spokesman on the
// summit's date and a round of talks in Istanbul share a meeting and
// nothing else. A headline that names no one, a commentary's, is left to
// the other cuts.
func TestHeadsMiss(t *testing.T) {
	talks := Report{Title: "В Стамбуле начинается новый раунд консультаций России и США", Text: "Делегации обсудят работу посольств и визы дипломатов.", Lang: "ru"}
	checkCut(t, func(p *params) { p.headsMiss = 1 }, talks, []cutCase{
		{Report{Title: "Песков: говорить о сроках встречи Путина и Трампа пока преждевременно", Text: "Контакты продолжаются, сказал он.", Lang: "ru"}, true},
		{Report{Title: "Дарчиев прибыл в Стамбул на консультации", Text: "Посол возглавит делегацию.", Lang: "ru"}, false},
		{Report{Title: "Консультации без спешки", Text: "Делегации снова обсудят визы дипломатов и работу посольств.", Lang: "ru"}, false},
	})
}

// A headline that names a relative of someone tells the family's own
// act: against a report that names no relative and shares no name but
// the sides' and places, it is cut. The swap the family's American was
// left out of shares the swap, the sides and the day; a report that names
// the family's American, or whose freed prisoners were met by relatives,
// or that tells of a sentence (his, as far as the words tell), is not
// cut, unless the family's headline says he was left out of it.
func TestKinMiss(t *testing.T) {
	if bits.OnesCount32(justiceActions) != 3 || bits.OnesCount32(swapAction) != 1 {
		t.Fatalf("justiceActions %b, swapAction %b: a concept of kinOther is no longer an action", justiceActions, swapAction)
	}
	appeal := Report{Title: "Family of American jailed in Perm urges Washington to bring him home", Text: "Relatives of Michael Travers, serving nine years in a Russian penal colony, said the State Department had not explained why he was not part of the exchange.", Lang: "en"}
	leftOut := appeal
	leftOut.Title = "Family of American jailed in Perm asks why he was left out of swap"
	swapRU := Report{Title: "Россия и США провели обмен заключенными в Абу-Даби", Text: "Освобожденного россиянина во Внукове встретили родственники.", Lang: "ru"}
	checkCut(t, func(p *params) { p.kinMiss = 1 }, leftOut, []cutCase{
		{swapRU, true},
		{Report{Title: "Court in Perm rejects appeal of jailed American Travers", Text: "Michael Travers, serving nine years in a penal colony, will stay in prison, his lawyer said.", Lang: "en"}, false},
	})
	checkCut(t, func(p *params) { p.kinMiss = 1 }, appeal, []cutCase{
		{Report{Title: "US and Russia swap prisoners in Abu Dhabi", Text: "An American teacher was released in exchange for a Russian engineer convicted of export violations, the White House said.", Lang: "en"}, true},
		{swapRU, false},
		{Report{Title: "Court in Perm rejects appeal of jailed American Travers", Text: "Michael Travers, serving nine years in a penal colony, will stay in prison, his lawyer said.", Lang: "en"}, false},
		// A sentence's story, whose headline need not name the man.
		{Report{Title: "Moscow court jails US citizen for four years over scuffle with police", Text: "The US Embassy said it was following the case closely.", Lang: "en"}, false},
	})
	// "Семью" is seven as well as family: a crew of seven names no one's
	// relatives.
	g := New(Options{})
	if f := g.x.features(Report{Title: "Краболов с семью членами экипажа задержан в Беринговом море", Lang: "ru"}); f.kin || f.titleKin {
		t.Error("a crew of seven read as a relative")
	}
}

// The words of a spokesperson's post are her post: "пресс-секретарь
// президента России" gives the post's concept and Peskov, not a president
// or a secretary of an embassy, which two of his statements on different
// matters would share.
func TestVoicePost(t *testing.T) {
	g := New(Options{})
	f := g.x.features(Report{Text: "Пресс-секретарь президента России прокомментировал решение.", Lang: "ru", Published: time.Date(2028, 12, 5, 0, 0, 0, 0, time.UTC)})
	for key, want := range map[string]bool{spokesKey: true, string(kindName) + Key("песков"): true, string(kindConcept) + "president": false, string(kindConcept) + "diplomat": false} {
		if f.has(key) != want {
			t.Errorf("%s: present %v, want %v", key, f.has(key), want)
		}
	}
	if f := g.x.features(Report{Text: "Президент России прокомментировал решение.", Lang: "ru"}); !f.has(string(kindConcept) + "president") {
		t.Error("a president named outside a post is no longer the concept president")
	}
}

// A headline's second sentence starts with a capital whatever its first
// word is: a name there is a name, not a who. After a colon the capital
// starts what the speaker said, and a name there is who.
func TestSecondSentenceHeads(t *testing.T) {
	g := New(Options{})
	tests := []struct {
		title string
		who   []string
	}{
		{"Россия и США договорились о банковском обслуживании посольств. Вопрос о дипсобственности снова отложен", nil},
		{"Talks end without a deal. Darchiev flies home", nil},
		{"Песков: Дарчиев вернется в Вашингтон", []string{"epskv", "edrčv"}},
	}
	for _, tt := range tests {
		f := g.x.features(Report{Title: tt.title})
		if got := f.heads[headWho]; !sameSet(got, tt.who) {
			t.Errorf("%q: who %v, want %v", tt.title, got, tt.who)
		}
		if tt.who == nil && !f.has(string(kindName)+Key("darchiev")) && strings.Contains(tt.title, "Darchiev") {
			t.Errorf("%q: Darchiev is no longer a name", tt.title)
		}
	}
}

// cutCase is a report and whether a cut lowers its score against the
// report a test compares it with.
type cutCase struct {
	b   Report
	cut bool
}

// checkCut scores a against each case's report with the shipped settings
// and with the cut switched off by off: the score must be lower with the
// cut exactly where the case says, and not 0 without it.
func checkCut(t *testing.T, off func(*params), a Report, cases []cutCase) {
	t.Helper()
	timed := make([]timedCut, len(cases))
	for i, tt := range cases {
		timed[i] = timedCut{strconv.Quote(tt.b.Title), a, tt.b, 1, tt.cut}
	}
	checkTimedCuts(t, off, timed)
}

// timedCut is a pair of reports published hours apart and whether a cut
// must lower their score.
type timedCut struct {
	name  string
	a, b  Report
	hours float64 // a's publication less b's
	cut   bool
}

// checkTimedCuts is checkCut for pairs that a cut reads by their order
// and the hours between them.
func checkTimedCuts(t *testing.T, off func(*params), cases []timedCut) {
	t.Helper()
	with, without := cutGroupers(off)
	for _, tt := range cases {
		on, off := pairScores(with, without, tt.a, tt.b, tt.hours)
		if cut := on < off; cut != tt.cut || off == 0 {
			t.Errorf("%s: %.3f with the cut, %.3f without; want cut %v", tt.name, on, off, tt.cut)
		}
	}
}

// cutGroupers returns a Grouper with the shipped settings and one with a
// cut switched off by off.
func cutGroupers(off func(*params)) (with, without *Grouper) {
	p := defaultParams
	off(&p)
	return New(Options{}), New(Options{p: &p})
}

// pairScores scores a against b, published hours after b, with each
// Grouper, each reading the reports itself: a setting may change what a
// report says (the seas, the day a headline names).
func pairScores(with, without *Grouper, a, b Report, hours float64) (on, off float64) {
	on, _ = assessPair(with, a, b, hours)
	off, _ = assessPair(without, a, b, hours)
	return on, off
}

// assessPair is g's score of a against b, published hours after b, and
// the probability its model's veto gives the pair.
func assessPair(g *Grouper, a, b Report, hours float64) (score, prob float64) {
	var wa, wb weighted
	g.weigh(g.x.features(a), &wa)
	g.weigh(g.x.features(b), &wb)
	ev := g.gather(&wa, &wb)
	return g.assess(&wa, &wb, &ev, hours)
}

// A headline of a release or an exchange that tells of an arrival is the
// freed prisoners' return: no meeting, and no place of the event. An
// arrival without a release, and a release without an arrival, keep both.
func TestHomecoming(t *testing.T) {
	g := New(Options{})
	tests := []struct {
		title       string
		home        bool // read as a return home
		meeting     bool // the headline names a meeting
		placesAfter int  // where-heads
	}{
		{"Освобожденный по обмену Коноплев прилетел во Внуково", true, false, 0},
		{"Freed American lands at Andrews after swap", true, false, 0},
		{"Freed teacher Whitcomb heads home after Russia prisoner exchange", true, false, 0},
		{"Зуев прилетел во Внуково после обмена в Эр-Рияде", true, false, 0},
		{"Дмитриев прибыл в Эр-Рияд на встречу со спецпосланником президента США", false, true, 1},
		{"Уиткофф прилетел в Петербург", false, true, 1},
		{"Russia and US swap prisoners in Istanbul", false, false, 1},
	}
	for _, tt := range tests {
		ws := words(tt.title, nil)
		if got := homecoming(ws, headlineActions(ws)); got != tt.home {
			t.Errorf("%q: homecoming %v, want %v", tt.title, got, tt.home)
		}
		f := g.x.features(Report{Title: tt.title})
		if got := f.titleActions&meetingAction != 0; got != tt.meeting {
			t.Errorf("%q: headline names a meeting %v, want %v", tt.title, got, tt.meeting)
		}
		if got := len(f.heads[headWhere]); got != tt.placesAfter {
			t.Errorf("%q: places %v, want %d", tt.title, f.heads[headWhere], tt.placesAfter)
		}
	}
}

// A court's custody order after a detention names a court and an arrest:
// the court is no action of its own, and a report of the detention that
// never mentions a court does not conflict with it. A court extending an
// arrest keeps its court.
func TestRemand(t *testing.T) {
	g := New(Options{})
	tests := []struct {
		title string
		want  bool // read as a custody order
	}{
		{"Суд в Новосибирске арестовал американца Холлоуэя на два месяца", true},
		{"Суд арестовал задержанного в Ростове американца на два месяца", true},
		{"Суд в Москве продлил арест американцу Уэббу", false},
		{"Moscow court extends custody of Ohio man accused of photographing military sites", false},
		{"ФСБ задержала в Ростове-на-Дону гражданина США", false},
		{"Moscow court jails US citizen for four years", false},
	}
	for _, tt := range tests {
		ws := words(tt.title, nil)
		if got := remand(ws, headlineActions(ws)); got != tt.want {
			t.Errorf("%q: custody order %v, want %v", tt.title, got, tt.want)
		}
		f := g.x.features(Report{Title: tt.title})
		wantCourt := f.actions&courtAction != 0 && !tt.want
		if got := f.titleActions&courtAction != 0; got != wantCourt {
			t.Errorf("%q: the court is the headline's action %v, want %v", tt.title, got, wantCourt)
		}
	}
	detention := Report{Title: "ФСБ задержала в Ростове-на-Дону гражданина США по подозрению в шпионаже", Text: "Задержанному грозит до 20 лет."}
	custody := Report{Title: "Суд арестовал задержанного в Ростове американца на два месяца", Text: "Американца подозревают в шпионаже."}
	a, b := g.x.features(detention), g.x.features(custody)
	if conflict(a, b) || conflict(b, a) {
		t.Error("the custody order conflicts with the detention")
	}
}

// A statement of what is to come is someone's word on what will, may or
// is meant to happen; a report of an act, a commentary's rubric and a
// wire's preview without a speaker are none.
func TestForecast(t *testing.T) {
	tests := []struct {
		title string
		want  bool
	}{
		{"Песков: говорить о сроках встречи Путина с президентом США преждевременно", true},
		{"Ушаков: Путин и Трамп созвонятся, когда будет что обсуждать", true},
		{"Treasury chief says crypto channels helping Russia dodge sanctions will be shut", true},
		{"Глава МИД Венгрии: Будапешт готов принять и встречу президентов России и США", true},
		{"US senators urge Treasury to blacklist tankers carrying Russian LNG", true},
		{"Rubio and Lavrov to meet in Uzbekistan next week, Moscow says", true},
		{"Kremlin aide says no Putin-Trump call planned for now", true},
		{"Treasury Secretary Signals More Russia Sanctions on Arms Supply Chains", true},
		{"Lutnick says more trade cases against Russian goods are coming", true},
		{"Ушаков допустил разговор Путина с президентом США в ближайшие недели", true},
		{"Песков: разговор Путина с президентом США пока не стоит в графике", true},
		{"Песков: от консультаций в Вене прорыва ждать не стоит", true},
		{"Kremlin says not to expect a breakthrough at Vienna consultations", true},
		{"Рябков: российскую делегацию в Вене возглавит замглавы МИД", true},
		{"Захарова: разговор Лаврова с госсекретарем США возможен в сентябре", true},
		{"Захарова: текст соглашения о визах с США парафируют на этой неделе", true},
		{"China won't join US-Russia warhead limits, foreign minister tells UN audience", true},
		{"China rules out joining US-Russian talks on tactical nuclear arms", true},
		{"White House ruled out sanctions relief before the summit", true},
		{"Court rules Russian hacker can be extradited to US", false},
		{"Минфин США исключил «Аэрофлот» из санкционного списка", false},
		{"Путин и Трамп провели телефонный разговор", false},
		{"Россия и США открыли в Женеве консультации по стратегической стабильности", false},
		{"Рябков: консультации с США в Женеве прошли конструктивно", false},
		{"Военные России и США проведут встречу в Берне", false},
		{"Звонок без прорыва: о чем договорились главы МИД России и США", false},
		{"Analysis: Putin plays for time as Washington's patience wears thin", false},
		{"Opinion: A return to nuclear testing would be a gift to Moscow", false},
	}
	for _, tt := range tests {
		if got := forecast(words(tt.title, nil)); got != tt.want {
			t.Errorf("%q: statement of what is to come %v, want %v", tt.title, got, tt.want)
		}
	}
}

// A statement of what is to come loses against an act its headline does
// not tell, published hours after it; not against an act before it, one
// of the same hours, or another statement.
func TestForecastMiss(t *testing.T) {
	statement := Report{Lang: "ru", Title: "Ушаков: Путин и Трамп созвонятся, когда будет что обсуждать", Text: "Помощник президента России сказал, что телефонный разговор президентов России и США пока не планируется."}
	call := Report{Lang: "ru", Title: "Путин и Трамп провели телефонный разговор", Text: "Президенты России и США обсудили по телефону Украину, сообщил Ушаков."}
	other := Report{Lang: "ru", Title: "Песков: Путин и Трамп созвонятся, когда будет необходимость", Text: "Пресс-секретарь президента России сказал, что разговор президентов России и США пока не планируется."}
	tests := []timedCut{
		{"the call a day after the statement", call, statement, 24, true},
		{"the statement placed after the call it preceded", statement, call, -24, true},
		{"the statement a day after the call", statement, call, 24, false},
		{"the call two hours after the statement", call, statement, 2, false},
		{"two statements a day apart", other, statement, 24, false},
	}
	signal := Report{Lang: "en", Title: "Treasury Secretary signals more Russia sanctions on arms supply chains", Text: "The Treasury secretary said new measures against suppliers of Russia's defense industry would come soon."}
	bothSides := Report{Lang: "en", Title: "US sanctions 37 suppliers of Russia's arms industry", Text: "The Treasury designated companies that ship machine tools to Russian defense plants."}
	oneSide := Report{Lang: "en", Title: "US sanctions 37 suppliers of machine tools", Text: "The Treasury designated companies that ship machine tools to Russian defense plants."}
	tests = append(tests,
		timedCut{"an act naming both sides a day after the statement", bothSides, signal, 24, true},
		timedCut{"an act naming one side a day after the statement", oneSide, signal, 24, false},
	)
	checkTimedCuts(t, func(p *params) { p.forecastMiss = 1 }, tests)
}

// A statement that says when its act is to come, a day ahead or in the
// coming days, is cut deeper against the act than one that says no when:
// the spokeswoman's date for the signing and the envoy's arrival for it
// that evening share the protocol, the city and the sides, and a cut to
// forecastMiss leaves them one story.
func TestSoonMiss(t *testing.T) {
	at := time.Date(2031, 3, 11, 9, 0, 0, 0, time.UTC)
	text := "Официальный представитель МИД России сообщила, что замглавы МИД Сергей Рябков и помощник госсекретаря США парафируют текст соглашения о визах для дипломатов в Стамбуле."
	dated := Report{Lang: "ru", Title: "Захарова: текст соглашения о визах с США парафируют в Стамбуле 12 марта", Text: text, Published: at}
	thisWeek := Report{Lang: "ru", Title: "Захарова: текст соглашения о визах с США парафируют в Стамбуле на этой неделе", Text: text, Published: at}
	undated := Report{Lang: "ru", Title: "Захарова: текст соглашения о визах с США парафируют в Стамбуле", Text: text, Published: at}
	arrival := Report{Lang: "ru", Title: "Рябков прилетел в Стамбул для парафирования соглашения о визах с США", Text: "Замглавы МИД России Сергей Рябков прибыл в Стамбул, где парафирует с американской делегацией текст соглашения о визах для дипломатов.", Published: at.Add(10 * time.Hour)}
	p := defaultParams
	p.soonMiss = p.forecastMiss
	shipped, light := New(Options{}), New(Options{p: &p})
	for _, tt := range []struct {
		name      string
		statement Report
		deeper    bool
	}{
		{"a date", dated, true},
		{"this week", thisWeek, true},
		{"no when", undated, false},
	} {
		on, _ := assessPair(shipped, arrival, tt.statement, 10)
		off, _ := assessPair(light, arrival, tt.statement, 10)
		if off == 0 || (on < off) != tt.deeper {
			t.Errorf("%s: %.3f with soonMiss, %.3f with forecastMiss; want deeper %v", tt.name, on, off, tt.deeper)
		}
		if tt.deeper && (on >= shipped.p.threshold || off < shipped.p.threshold) {
			t.Errorf("%s: %.3f with soonMiss, %.3f with forecastMiss; want below and above %.2f", tt.name, on, off, shipped.p.threshold)
		}
	}
}

// A headline that dates its own event by one to come ("ahead of", "on the
// eve of", «накануне») loses against a later report of that event; not
// against a later report of its own event, which tells no such act, nor
// against a report of the same hours.
func TestEveMiss(t *testing.T) {
	host := Report{Lang: "ru", Title: "Путин провел переговоры с президентом Казахстана накануне встречи с президентом США", Text: "Президент России обсудил в Астане с президентом Казахстана торговлю и транзит, сообщили в Кремле."}
	summit := Report{Lang: "ru", Title: "В Астане начались переговоры Путина и президента США", Text: "Президенты России и США начали встречу в резиденции президента Казахстана."}
	call := Report{Lang: "en", Title: "Lavrov and US secretary of state speak by phone ahead of embassy talks", Text: "The foreign ministers discussed the embassies' staffing and a date for talks in Istanbul."}
	callNote := Report{Lang: "ru", Title: "Звонок без прорыва: о чем договорились главы МИД России и США", Text: "Министры иностранных дел России и США по телефону обсудили работу посольств."}
	checkTimedCuts(t, func(p *params) { p.forecastMiss = 1 }, []timedCut{
		{"the summit fifteen hours after the host's talks on its eve", summit, host, 15, true},
		{"the summit two hours after", summit, host, 2, false},
		{"the call's next-day word after the call ahead of talks", callNote, call, 17, false},
	})
	for title, want := range map[string]bool{
		"Senators warn against sanctions relief ahead of Lavrov visit":                   true,
		"Ukraine's foreign minister asks UN for sea monitors on eve of US-Russia summit": true,
		"В преддверии саммита в Астане Казахстан усилил охрану":                          true,
		"Звонок накануне праздника":                                                      false,
		"US and Russian diplomats see hard talks ahead":                                  false,
	} {
		if got := New(Options{}).x.features(Report{Title: title}).eveActions != 0; got != want {
			t.Errorf("%q: dates its event by another to come %v, want %v", title, got, want)
		}
	}
}

// A headline tells what someone said when a word of saying comes near its
// start or a name comes before a colon; the names before either are who
// spoke (among them the Kremlin of "Kremlin aide Ushakov"). A word of
// saying deep in the headline is a clause of an act, and a rubric before
// a colon is no speaker.
func TestStatement(t *testing.T) {
	g := New(Options{})
	at := time.Date(2030, 5, 7, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		title    string
		said     bool
		speakers []string
	}{
		{"Лавров: Москва ждет от США возврата дипломатической собственности", true, []string{"лавров"}},
		{"Kremlin aide Ushakov says no Putin-Trump call planned for now", true, []string{"ushakov"}},
		{"Рябков заявил о готовности к консультациям с США", true, []string{"рябков"}},
		{"Lavrov tells UN the arms treaty with US shows dialogue works", true, []string{"lavrov"}},
		{"Ushakov rules out a Putin call with US president before the summit", true, []string{"ushakov"}},
		{"Court rules Russian hacker can be extradited to US", false, nil},
		{"Treasury targets crypto platforms it says bankroll Russia's military suppliers", false, nil},
		{"Analysis: Putin plays for time as Washington's patience wears thin", false, nil},
		{"Путин и Трамп провели телефонный разговор", false, nil},
	}
	for _, tt := range tests {
		f := g.x.features(Report{Title: tt.title, Published: at})
		missing := len(tt.speakers) == 0 && len(f.titleSpeakers) > 0
		for _, s := range tt.speakers {
			missing = missing || !slices.Contains(f.titleSpeakers, string(kindName)+Key(s))
		}
		if f.titleStatement != tt.said || missing {
			t.Errorf("%q: statement %v by %q, want %v by %q", tt.title, f.titleStatement, f.titleSpeakers, tt.said, tt.speakers)
		}
	}
}

// Two statements of one person that share nothing but him and the sides
// are two matters: a minister's word on the embassies' property and his
// word on the arms talks. His statements on one matter, his act and
// another person's statement are not cut.
func TestStatementMiss(t *testing.T) {
	property := Report{Lang: "ru", Title: "Лавров: Москва ждет от США возврата дипломатической собственности", Text: "Министр иностранных дел России Сергей Лавров заявил, что без возврата изъятых объектов нормализация работы посольств не будет полной."}
	checkCut(t, func(p *params) { p.statementMiss = 1 }, property, []cutCase{
		{Report{Lang: "ru", Title: "Лавров: Вашингтон затягивает консультации по стратегической стабильности", Text: "Министр иностранных дел России Сергей Лавров сказал, что США не назвали дату нового раунда."}, true},
		{Report{Lang: "ru", Title: "Лавров: возврат дипломатической собственности остается условием нормализации", Text: "Министр иностранных дел России Сергей Лавров повторил позицию Москвы по посольствам США и России."}, false},
		{Report{Lang: "ru", Title: "Лавров и госсекретарь США обсудили по телефону стратегическую стабильность", Text: "Министр иностранных дел России Сергей Лавров и государственный секретарь США провели телефонный разговор."}, false},
		{Report{Lang: "ru", Title: "Рябков: Вашингтон затягивает консультации по стратегической стабильности", Text: "Замминистра иностранных дел России Сергей Рябков сказал, что Лавров обсудит это с госсекретарем США."}, false},
	})
}

// A diplomat given hours, or ordered, "to leave" is expelled, as "expels"
// says; passengers leaving a town are not.
func TestExpulsionToLeave(t *testing.T) {
	g := New(Options{})
	expulsion := actionBits("expulsion")
	tests := []struct {
		title string
		want  bool
	}{
		{"US orders two Russian UN diplomats to leave over 'activities incompatible with status'", true},
		{"US embassy diplomat given 72 hours to leave Russia", true},
		{"Moscow orders US embassy staffer to leave within a week", true},
		{"Stranded United passengers to leave Siberia on replacement jet", false},
	}
	for _, tt := range tests {
		f := g.x.features(Report{Title: tt.title, Lang: "en"})
		if got := f.titleActions&expulsion != 0; got != tt.want {
			t.Errorf("%q: an expulsion %v, want %v", tt.title, got, tt.want)
		}
	}
}

// A court extending someone's custody, and a trial opening, are hearings
// of their own: against a sentence in the same city the day before, the
// headlines name different actions. So is a guilty plea, which ends a
// case without a verdict; a plea of not guilty is made at the first
// hearing and is none. A custody order after a detention is the
// detention's next step (remand) and no extension.
func TestCourtStages(t *testing.T) {
	g := New(Options{})
	sentence := g.x.features(Report{Lang: "en", Title: "American sound engineer sentenced in Moscow to five and a half years", Text: "A Moscow court found him guilty of smuggling cannabis oil."})
	tests := []struct {
		title    string
		conflict bool
	}{
		{"Moscow court extends custody of US-Russian dual national held on treason charges", true},
		{"Суд в Москве продлил арест американцу, обвиняемому в контрабанде", true},
		{"В Екатеринбурге начался суд над жителем, переводившим деньги в фонд США", true},
		{"Moscow court jails American engineer for five and a half years", false},
		{"Russian pleads guilty in Brooklyn to smuggling chipmaking tools to Russia", true},
		{"Россиянин признал вину в вывозе электроники в суде Бостона", true},
		{"Американец не признал вину в суде Москвы", false},
	}
	for _, tt := range tests {
		f := g.x.features(Report{Title: tt.title})
		if got := conflict(f, sentence) || conflict(sentence, f); got != tt.conflict {
			t.Errorf("%q against the sentence: different actions %v, want %v", tt.title, got, tt.conflict)
		}
	}
}

// A name after «над», «у», «из» and the like says where, not who did
// what: a short headline whose only names are such reads as a paper's
// commentary, as one that names nothing does, while the name still counts
// as who between two headlines.
func TestNearNames(t *testing.T) {
	tests := []struct {
		title      string
		near       []string
		commentary bool
	}{
		{"Восемь метров над Латакией", []string{"e" + Key("латакией")}, true},
		{"Присяжные из Бруклина", []string{"e" + Key("бруклина")}, true},
		{"Вопрос из Екатеринбурга", []string{"e" + Key("екатеринбурга")}, true},
		{"Два дня на Капитолийском холме", []string{"e" + Key("капитолийском")}, true},
		{"Встреча у «Парка культуры»", []string{"e" + Key("парка")}, true},
		{"Eight metres over Latakia", []string{"e" + Key("latakia")}, true},
		// Who acted is named besides, or it is a statement, or a wire's
		// longer headline.
		{"Уиткофф из Майами", nil, false},
		{"Песков: Кремль над схваткой", nil, false},
		{"Российские истребители перехватили американский самолет над Охотским морем", []string{"e" + Key("охотским")}, false},
		// Opening words that no preposition follows: an adjective in the
		// instrumental plural, a number word.
		{"Первыми не будем", nil, true},
		{"Полторы тысячи с оговорками", nil, true},
	}
	g := New(Options{})
	for _, tt := range tests {
		f := g.features(Report{Title: tt.title})
		if !sameSet(f.nearWho, tt.near) {
			t.Errorf("%q: names after a preposition of where %v, want %v", tt.title, f.nearWho, tt.near)
		}
		for _, k := range f.nearWho {
			if !slices.Contains(f.heads[headWho], k) {
				t.Errorf("%q: %s is no longer who", tt.title, k)
			}
		}
		if got := g.commentaryHeadline(f); got != tt.commentary {
			t.Errorf("%q: a commentary's headline %v, want %v (who %v)", tt.title, got, tt.commentary, f.heads[headWho])
		}
	}
	off := defaultParams
	off.nearNames = false
	g = New(Options{p: &off})
	if f := g.features(Report{Title: "Присяжные из Бруклина"}); g.commentaryHeadline(f) {
		t.Error("without nearNames a short headline that names a borough after «из» reads as a commentary's")
	}
}

// A Russian word a preposition follows at a headline's opening is a
// commentary's noun or a name: who the headline names only when the
// report names it where a capital says it is a name, or holds the post
// the summary gives; otherwise a name and no who.
func TestOpeningNames(t *testing.T) {
	at := time.Date(2032, 3, 11, 5, 0, 0, 0, time.UTC)
	tests := []struct {
		title, text string
		who         []string
		opening     string
	}{
		{"Катушки под запретом", "Под ограничения попали производители оптоволокна из Шэньчжэня и Бишкека.", nil, "e" + Key("катушки")},
		{"Небензя: у России есть поправки к проекту резолюции", "Постоянный представитель России при ООН Василий Небензя сказал, что Москва передала поправки.", []string{"e" + Key("небензя")}, ""},
		{"Лавров в Будапеште", "Министр иностранных дел России прилетел на переговоры.", []string{"e" + Key("лавров")}, ""},
		{"Лавров прилетел в Будапешт", "Глава российской дипломатии проведет переговоры.", []string{"e" + Key("лавров")}, ""},
		{"Kendall Square in the dock", "Prosecutors charged two researchers.", []string{"e" + Key("kendall"), "e" + Key("square")}, ""},
	}
	for _, tt := range tests {
		g := New(Options{})
		f := g.x.features(Report{Title: tt.title, Text: tt.text, Published: at})
		if got := f.heads[headWho]; !sameSet(got, tt.who) || f.openingName != tt.opening {
			t.Errorf("%q: who %v, opening %q; want %v, %q", tt.title, got, f.openingName, tt.who, tt.opening)
		}
		if !f.has("e" + Key(strings.Trim(strings.Fields(tt.title)[0], ":"))) {
			t.Errorf("%q: the opening word is no longer a name", tt.title)
		}
	}
	off := defaultParams
	off.openingNames = false
	if f := New(Options{p: &off}).x.features(Report{Title: "Катушки под запретом", Published: at}); !sameSet(f.heads[headWho], []string{"e" + Key("катушки")}) {
		t.Errorf("without openingNames the opening word is no who: %v", f.heads[headWho])
	}
}

// The opening word another report of the window names is who the
// headline names: «Тритон у Тарханкута» after the wires' "MQ-4C Triton".
func TestNameOpening(t *testing.T) {
	at := time.Date(2031, 11, 13, 8, 30, 0, 0, time.UTC)
	commentary := Report{ID: 2, Lang: "ru", Published: at.Add(20 * time.Hour), Title: "Тритон у Тарханкута", Text: "Перехват американского беспилотника над Черным морем стал первым серьезным инцидентом за год."}
	for _, tt := range []struct {
		name  string
		first Report
		who   bool
	}{
		{"named by a wire", Report{ID: 1, Lang: "en", Published: at, Title: "Russian jets intercept US drone over Black Sea", Text: "Two Su-27 fighters passed in front of a U.S. Navy MQ-4C Triton."}, true},
		{"named by none", Report{ID: 1, Lang: "en", Published: at, Title: "Russian jets intercept US drone over Black Sea", Text: "Two Su-27 fighters passed in front of a U.S. Navy drone."}, false},
	} {
		g := New(Options{})
		g.Add(tt.first)
		f := g.features(commentary)
		if got := slices.Contains(f.heads[headWho], "e"+Key("тритон")); got != tt.who {
			t.Errorf("%s: Тритон is who %v, want %v", tt.name, got, tt.who)
		}
	}
}

// "Targets" is how English headlines tell sanctions ("US targets Chinese
// and Kazakh suppliers of Russia's drone factory"): a statement of more to
// come is then cut against them as against "US sanctions…".
func TestTargetsAreSanctions(t *testing.T) {
	g := New(Options{})
	sanctions := actionBits("sanctions")
	for _, tt := range []struct {
		title string
		want  bool
	}{
		{"US targets Chinese and Kazakh suppliers of Russia's drone factory", true},
		{"Treasury targeted Russia's shadow fleet in new measures", true},
		{"US and Russia discuss a target date for the next round", false},
	} {
		if got := g.x.features(Report{Title: tt.title, Lang: "en"}).titleActions&sanctions != 0; got != tt.want {
			t.Errorf("%q: sanctions %v, want %v", tt.title, got, tt.want)
		}
	}
}

// A meeting lasts more than a day when a report gives its days ("two
// days of talks", «двухдневные консультации»); days counted after
// something else ("two days after a call") say nothing of its length.
func TestMeetingDays(t *testing.T) {
	tests := []struct {
		text string
		want bool
	}{
		{"U.S. and Russian arms control officials opened two days of talks in Helsinki on Tuesday", true},
		{"The two-day round ended with a deal to notify bomber exercises", true},
		{"Делегации начали в Вене двухдневные консультации по стратегической стабильности", true},
		{"По итогам двухдневного заседания рабочей группы Дмитриев сообщил о дорожной карте", true},
		{"Putin oversees nuclear drill two days after call with US president", false},
		{"В Хельсинки начались консультации России и США по стратегической стабильности", false},
	}
	for _, tt := range tests {
		if got := meetingDays(words(tt.text, nil)); got != tt.want {
			t.Errorf("%q: meeting of more than a day %v, want %v", tt.text, got, tt.want)
		}
	}
}

// The agreement that closes two days of talks, a day and a half after
// the wire on their opening, keeps the score of a report of the same
// day; not when no report gives the talks' days, nor when the two
// reports name no place or person of each other's.
func TestMeetingSpan(t *testing.T) {
	with, without := cutGroupers(func(p *params) { p.meetingSpan = 0 })
	opening := Report{Lang: "ru", Title: "В Вене начались консультации России и США по стратегической стабильности", Text: "Делегации во главе с Сергеем Рябковым и заместителем госсекретаря начали в Вене двухдневные консультации по стратегической стабильности."}
	closing := Report{Lang: "ru", Title: "Рябков: Россия и США создадут две рабочие группы по стратегической стабильности", Text: "По итогам консультаций в Вене Россия и США договорились создать две рабочие группы, сообщил Сергей Рябков."}
	oneDay := opening
	oneDay.Text = "Делегации во главе с Сергеем Рябковым и заместителем госсекретаря начали в Вене консультации по стратегической стабильности."
	elsewhere := Report{Lang: "ru", Title: "Россия и США провели консультации по работе посольств", Text: "Консультации дипломатов о работе посольств прошли в Стамбуле, сообщили в МИД России."}
	tests := []struct {
		name   string
		a, b   Report
		raised bool
	}{
		{"the closing after two days of talks", closing, opening, true},
		{"the closing after talks of no given length", closing, oneDay, false},
		{"talks elsewhere after two days of talks", elsewhere, opening, false},
	}
	for _, tt := range tests {
		on, off := pairScores(with, without, tt.a, tt.b, 30)
		if raised := on > off; raised != tt.raised || off == 0 && !tt.raised && on == 0 {
			t.Errorf("%s: %.3f with the span, %.3f without; want raised %v", tt.name, on, off, tt.raised)
		}
	}
}

// The generals' channel is a subject of its own in both languages, as the
// fleets' and the air forces' encounters are: the chiefs of staff's talks
// and a tanker's sanctions are two matters.
func TestStaffSubject(t *testing.T) {
	g := New(Options{})
	ru := g.x.features(Report{Title: "Начальники генштабов России и США встретились в Берне", Lang: "ru"})
	en := g.x.features(Report{Title: "US, Russian military chiefs meet in Bern", Lang: "en"})
	oil := g.x.features(Report{Title: "US sanctions tankers carrying Russian oil", Lang: "en"})
	if ru.titleSubjects == 0 || ru.titleSubjects&en.subjects == 0 {
		t.Errorf("the chiefs of staff are no subject both headlines share: %b, %b", ru.titleSubjects, en.subjects)
	}
	if subjectConflict(ru, en) || subjectConflict(en, ru) {
		t.Error("one meeting of the chiefs of staff read as two subjects")
	}
	if !subjectConflict(en, oil) {
		t.Error("the chiefs of staff's meeting and sanctions on tankers read as one subject")
	}
}

// A headline that names a day ahead, by its day and month, dates an act
// to come; the first day of a range counts, and a day past, today's or
// more than sixty days ahead dates nothing.
func TestDayAhead(t *testing.T) {
	at := time.Date(2033, 9, 20, 9, 30, 0, 0, time.UTC)
	for _, tt := range []struct {
		title string
		days  float64 // days from at's start to the day named
	}{
		{"Захарова: Лавров встретится с госсекретарем США в Нью-Йорке 23 сентября", 3},
		{"Рябков: консультации с США пройдут в Женеве 14–15 октября", 24},
		{"Рябков: консультации России и США в Женеве пройдут 30 сентября – 1 октября", 10},
		{"Kremlin aide, US national security adviser set Sept. 23 summit in Abu Dhabi", 3},
		{"US to reopen St. Petersburg consulate on September 21, names consul general", 1},
		{"US, Russia set Oct 2 start for treaty talks", 12},
		{"Дарчиев возложил цветы к мемориалу жертвам терактов 11 сентября", 0},
		{"Встреча пройдет 20 сентября", 0},
		{"Конвенция вступит в силу 1 декабря", 0},
		{"Trump at Mar-a-Lago says talks go on", 0},
	} {
		want := 0.0
		if tt.days > 0 {
			want = tt.days*24 - 9.5
		}
		if got := dayAhead(words(tt.title, nil), at); got != want {
			t.Errorf("%q: %v hours to the day named, want %v", tt.title, got, want)
		}
	}
	date := Report{Lang: "ru", Title: "Захарова: Лавров встретится с госсекретарем США в Нью-Йорке 23 сентября", Text: "Министр иностранных дел России и госсекретарь США встретятся на полях Генассамблеи ООН, сообщила официальный представитель МИД.", Published: at}
	meeting := Report{Lang: "en", Title: "Lavrov, U.S. secretary of state meet in New York", Text: "Russia's foreign minister and the U.S. secretary of state met on the sidelines of the UN General Assembly."}
	// The opening of a group's session names no action the lists know,
	// but it is the news of the day the dates were given for; a word on
	// it that day is what someone said, and is not cut.
	dates := Report{Lang: "ru", Title: "Рябков: рабочая группа России и США по верификации соберется в Женеве 22–23 сентября", Text: "Эксперты обсудят инспекции по будущему договору о стратегических вооружениях.", Published: at}
	opening := Report{Lang: "ru", Title: "В Женеве начала работу группа России и США по верификации будущего договора", Text: "Эксперты двух стран обсуждают инспекции по будущему договору о стратегических вооружениях."}
	word := Report{Lang: "ru", Title: "Рябков: группа по верификации в Женеве работает в деловой атмосфере", Text: "Эксперты России и США обсуждают инспекции по будущему договору."}
	checkTimedCuts(t, func(p *params) { p.dates = false }, []timedCut{
		{"the meeting on the day the statement named", meeting, date, 64, true},
		{"a meeting a day and a half before it", meeting, date, 30, false},
		{"the group's opening on the day given for it", opening, dates, 40, true},
		{"a word on the group that day", word, dates, 40, false},
	})
	december := time.Date(2033, 12, 28, 12, 0, 0, 0, time.UTC)
	if got := dayAhead(words("Апелляцию рассмотрят 5 января", nil), december); got != 8*24-12 {
		t.Errorf("5 January from 28 December: %v hours, want %v", got, 8*24-12)
	}
}
