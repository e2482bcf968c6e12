package story

import (
	"slices"
	"testing"
)

// rereadScores scores a against b, published hours after b, with the
// shipped settings and with off applied (pairScores), and gives the
// probability the shipped model's veto gives the pair under each.
func rereadScores(off func(*params), a, b Report, hours float64) (on, without, probOn, probWithout float64) {
	with, withOut := cutGroupers(off)
	on, probOn = assessPair(with, a, b, hours)
	without, probWithout = assessPair(withOut, a, b, hours)
	return on, without, probOn, probWithout
}

type liftCase struct {
	name  string
	a, b  Report
	lifts bool // the reading raises the pair's score
}

// checkLifts checks that a reading the model does not see (reread) raises
// the score of each case's pair exactly where the case says, and leaves
// the model's probability as it was.
func checkLifts(t *testing.T, off func(*params), cases []liftCase) {
	t.Helper()
	for _, tt := range cases {
		on, without, probOn, probWithout := rereadScores(off, tt.a, tt.b, 10)
		if lifts := on > without; lifts != tt.lifts || without == 0 {
			t.Errorf("%s: %.3f with the reading, %.3f without; want lift %v", tt.name, on, without, tt.lifts)
		}
		if probOn != probWithout {
			t.Errorf("%s: the model gives %.3f with the reading, %.3f without: it must read the pair as it was fitted", tt.name, probOn, probWithout)
		}
	}
}

// An intercept is told over a sea, and the sea is the name its reports
// share across languages: «над Баренцевым морем» keeps its adjective's
// -ев-, which Key does not meet in "Barents". Read after the model, the
// sea raises the score of two reports that name it in two languages, and
// leaves two reports of two seas as they were.
func TestSeas(t *testing.T) {
	wire := Report{Lang: "en", Title: "US says Russian jet flew within 20 feet of spy plane over Barents Sea", Text: "A Russian fighter came within 20 feet of a U.S. Air Force reconnaissance plane in international airspace over the Barents Sea on Monday, U.S. European Command said."}
	ministry := Report{Lang: "ru", Title: "Минобороны: истребитель сопроводил американский самолет-разведчик над Баренцевым морем", Text: "Дежурный истребитель Северного флота поднят для сопровождения американского самолета-разведчика над Баренцевым морем, сообщили в Минобороны России."}
	commentary := Report{Lang: "ru", Title: "Двадцать футов над Баренцевым", Text: "Эпизод над северными морями, пишут военные эксперты, стал первым при новой администрации в Вашингтоне."}
	okhotsk := Report{Lang: "en", Title: "US says Russian jet flew within 40 feet of spy plane over Sea of Okhotsk", Text: "A Russian fighter came within 40 feet of a U.S. Air Force reconnaissance plane over the Sea of Okhotsk, U.S. Pacific Air Forces said."}
	checkLifts(t, func(p *params) { p.noSeas = true }, []liftCase{
		{"the ministry's report and the wire", ministry, wire, true},
		{"the commentary and the wire", commentary, wire, true},
		{"the wires of two seas", okhotsk, wire, false},
	})
	f := New(Options{}).x.features(commentary)
	if !slices.Contains(f.seaSpellings, seaSpelling{string(kindName) + Key("баренцевым"), string(kindSea) + "=баренцев мор"}) {
		t.Errorf("«Баренцевым» spells no sea: %v", f.seaSpellings)
	}
}

// A figure that numbers an aircraft ("МиГ-31", "RC-135") is part of its
// name, not a figure of the event: a headline whose only figures are such
// gives none to differ on, and a real figure still differs.
func TestDesignations(t *testing.T) {
	for _, tt := range []struct {
		text   string
		joined []string // the words that follow a letter across a hyphen
	}{
		{"МиГ-31 сопроводил RC-135", []string{"31", "135"}},
		{"Су-35 и F-35A", []string{"35", "35a"}},
		{"Talks in 2031 lasted 10-15 hours", nil},
		{"Эр-Рияд", []string{"рияд"}},
	} {
		var got []string
		for _, w := range words(tt.text, nil) {
			if w.joined {
				got = append(got, w.lower)
			}
		}
		if !slices.Equal(got, tt.joined) {
			t.Errorf("%q: joined %v, want %v", tt.text, got, tt.joined)
		}
	}
	g := New(Options{})
	for title, want := range map[string][]string{
		"МиГ-31 сопроводил американский самолет-разведчик RC-135": {"n31", "n135"},
		"US expels 12 Russian diplomats": nil,
	} {
		if got := g.x.features(Report{Title: title}).designations; !slices.Equal(got, want) {
			t.Errorf("%q: designations %v, want %v", title, got, want)
		}
	}
	// A headline that gives a designation's number on its own too has a
	// figure of the event.
	for title, want := range map[string]bool{
		"Су-35 сопроводил американский самолет-разведчик":                  true,
		"Су-35 прошел в 35 метрах от американского самолета-разведчика":    false,
		"Су-35 прошел в 30 метрах от американского самолета-разведчика":    false,
		"МиГ-31 и Су-35 сопроводили американский самолет-разведчик RC-135": true,
	} {
		if got := onlyDesignations(g.x.features(Report{Title: title})); got != want {
			t.Errorf("%q: only designations %v, want %v", title, got, want)
		}
	}
	escort := Report{Lang: "ru", Title: "Су-35 сопроводил американский самолет-разведчик над Охотским морем", Text: "Дежурный истребитель поднимался для перехвата самолета-разведчика над акваторией Охотского моря, сообщило Минобороны России."}
	commentary := Report{Lang: "ru", Title: "Двенадцать метров над Охотским", Text: "Эпизод с разведчиком у Камчатки показывает, что каналы предупреждения инцидентов работают с перебоями."}
	expelled := Report{Lang: "ru", Title: "Россия вышлет 12 американских дипломатов", Text: "МИД России объявил персонами нон грата американских дипломатов в ответ на высылку из США."}
	expels := Report{Lang: "ru", Title: "США вышлют 10 российских дипломатов", Text: "Госдепартамент объявил персонами нон грата российских дипломатов."}
	checkLifts(t, func(p *params) { p.designations = false }, []liftCase{
		{"the escort by a Su-35 and the commentary's twelve metres", commentary, escort, true},
		{"twelve and ten diplomats", expelled, expels, false},
	})
}

// A commentary whose headline names the sea of an intercept joins the
// story of the intercept that names it, though the event's protest "near
// Kamchatka", which names no sea, started a story of its own that the
// commentary scores as well against: the stories that name the sea come
// first, and only they are rivals. Without that the two stories are
// rivals, and the commentary stays alone.
func TestCommentaryNames(t *testing.T) {
	set := arrival(loadSet(t, "unseen29.jsonl"), 0, 0)
	id := func(label string) int64 {
		i := slices.IndexFunc(set, func(l labelled) bool { return l.ID == label })
		if i < 0 {
			t.Fatalf("no report %s", label)
		}
		return int64(i + 1)
	}
	escort, commentary := id("y29-038"), id("y29-042")
	p := defaultParams
	p.commentaryNames = false
	for _, tt := range []struct {
		name string
		opts Options
		join bool
	}{
		{"shipped", Options{}, true},
		{"without commentaryNames", Options{p: &p}, false},
	} {
		got := Group(reports(set), tt.opts)
		if join := got[commentary] == got[escort]; join != tt.join {
			t.Errorf("%s: the commentary joins the escort's story %v, want %v", tt.name, join, tt.join)
		}
	}
}

// An act and the answers to it are one story, though each answer names
// its speaker and the act's headline names someone else: read after the
// model, two headlines that name one action, one of them a statement that
// names no one but who made it, give no people to differ on. A statement
// of a meeting, a statement of what is to come and a third country's own
// act keep their people apart.
func TestReactions(t *testing.T) {
	expels := Report{Lang: "en", Title: "US expels Russian diplomat Sokolov over approach to defence engineer", Text: "The State Department declared Ilya Sokolov, a second secretary of Russia's embassy in Washington persona non grata and gave him three days to leave, after the FBI said he had sought missile data from an engineer in Ohio."}
	ambassador := Report{Lang: "ru", Title: "Дарчиев назвал высылку российского дипломата из США недружественным шагом", Text: "Посол России в США Александр Дарчиев назвал решение Госдепартамента выслать второго секретаря посольства недружественным шагом и отверг обвинения ФБР."}
	spokeswoman := Report{Lang: "ru", Title: "Захарова пообещала ответить на высылку российского дипломата из США", Text: "Официальный представитель МИД России Мария Захарова заявила, что Москва ответит на высылку второго секретаря посольства в Вашингтоне."}
	forecast := Report{Lang: "ru", Title: "Захарова: новых высылок американских дипломатов пока не планируется", Text: "Официальный представитель МИД России Мария Захарова заявила, что Москва пока не планирует высылать американских дипломатов."}
	sanctions := Report{Lang: "en", Title: "US sanctions Altyn Logistic, eight other suppliers of Russian drone parts", Text: "The Treasury Department imposed sanctions on Altyn Logistic and eight other companies in Kyrgyzstan and China that it said shipped navigation modules to Russian drone makers."}
	answer := Report{Lang: "ru", Title: "Захарова назвала новые санкции США против поставщиков дронов давлением", Text: "Официальный представитель МИД России Мария Захарова назвала санкции Минфина США против поставщиков деталей для дронов давлением на третьи страны."}
	review := Report{Lang: "ru", Title: "Минэкономики Киргизии проверит компании из санкционного списка США", Text: "Министерство экономики Киргизии проверит три компании, попавшие под санкции Минфина США, и при нарушениях отзовет их лицензии на экспорт."}
	talks := Report{Lang: "ru", Title: "Рябков назвал консультации с США в Женеве полезными", Text: "Замглавы МИД России Сергей Рябков назвал полезными консультации с американской делегацией в Женеве."}
	envoy := Report{Lang: "en", Title: "Dmitriev calls talks with US envoy in Miami constructive", Text: "Kirill Dmitriev said his talks with the US special envoy in Miami were constructive and would continue next month."}
	checkLifts(t, func(p *params) { p.reactions = false }, []liftCase{
		{"the ambassador's answer and the act", ambassador, expels, true},
		{"two officials' answers", spokeswoman, ambassador, true},
		{"a statement of what is to come and the act", forecast, expels, false},
		{"the spokeswoman's answer and the sanctions", answer, sanctions, true},
		{"the spokeswoman's answer and Kyrgyzstan's review", review, answer, false},
		{"two statements of two meetings", envoy, talks, false},
	})
}

// A third country's statement of what it will do is its own news, not
// the event whose sides it names: cut, after the model, against a report
// that does not name the country. Its statement of what it did, and a
// report that names it, are left as they were, unless it answers
// sanctions (TestThirdAnswers). The Swiss president's
// offer names one side too, so the cut of a third country beside one
// side (TestThirdPair), which comes to the same, is switched off with it.
func TestThirdFirst(t *testing.T) {
	sanctions := Report{Lang: "en", Title: "US sanctions optics makers supplying Russia's military", Text: "The Treasury Department imposed sanctions on eleven companies that it said supplied thermal sights and lenses to Russian arms plants."}
	maker := Report{Lang: "en", Title: "Belarus lens maker shrugs off US sanctions, says exports to Russia will go on", Text: "A state-owned optics plant in Minsk said it had no assets in the United States and would keep supplying Russian customers."}
	talks := Report{Lang: "ru", Title: "В Женеве начались консультации России и США по стратегической стабильности", Text: "Делегации России и США начали в Женеве консультации по стратегической стабильности, сообщили в МИД России."}
	offer := Report{Lang: "en", Title: "Switzerland says it is ready to host a US-Russia summit in Geneva", Text: "Switzerland's foreign minister said Bern was ready to host a meeting of the Russian and US presidents in Geneva at short notice."}
	president := Report{Lang: "en", Title: "Swiss president says Geneva ready to host Putin and US president", Text: "The president of the Swiss Confederation said the city could host the two leaders at short notice."}
	broker := Report{Lang: "en", Title: "Serbia's president says he helped broker US-Russia prisoner swap", Text: "Serbia's president said Belgrade had offered its airport and security services for the exchange of two prisoners."}
	swap := Report{Lang: "ru", Title: "ФСБ: Россия и США провели обмен заключенными в Белграде", Text: "Россия и США провели в Белграде обмен заключенными, сообщили в ФСБ."}
	turkey := Report{Lang: "en", Title: "Turkey ready to host more US-Russia meetings, foreign minister says", Text: "Turkey's foreign minister said Ankara was open to talks between the two countries at any level."}
	inTurkey := Report{Lang: "en", Title: "US, Russia agree to share data on ransomware groups after talks in Turkey", Text: "A State Department official said Washington would judge the new channel by what Moscow does against criminals on its soil."}
	hosted := Report{Lang: "en", Title: "Turkey hosts US-Russia talks on ransomware", Text: "Turkey's foreign ministry said officials of the two countries met in Ankara on cybercrime."}
	china := Report{Lang: "en", Title: "China rules out joining US-Russian talks on tactical nuclear arms", Text: "China's disarmament envoy told the Conference on Disarmament that Beijing would not take part in talks on non-strategic weapons while its arsenal is a fraction of theirs."}
	tactical := Report{Lang: "en", Title: "US, Russia open Geneva talks on tactical nuclear arms", Text: "American and Russian delegations began the first talks on non-strategic nuclear weapons in Geneva."}
	checkTimedCuts(t, func(p *params) { p.thirdFirst, p.thirdPair = false, false }, []timedCut{
		{"the maker's answer and the sanctions", maker, sanctions, 30, true},
		{"Turkey's offer and talks its headline places in Turkey", turkey, inTurkey, 4, true},
		{"Turkey's offer and talks it hosts", turkey, hosted, 4, false},
		{"Switzerland's offer and talks in Geneva", offer, talks, 4, true},
		{"the Swiss president's offer and talks in Geneva", president, talks, 4, true},
		{"Serbia's account of the swap", broker, swap, 4, false},
		{"China ruling out joining the talks and the talks", china, tactical, 5, true},
	})
}

// A third country's answer to sanctions, its headline opening with the
// country, is its own news: cut, after the model, against any report
// whose headline does not open with a third country, though the
// sanctions' reports name the country's firms. A headline that opens
// with a side acting beside third countries, one that opens with a third
// country, and a third country's act that answers no sanctions are left
// as they were.
func TestThirdAnswers(t *testing.T) {
	maker := Report{Lang: "en", Title: "Belarus lens maker shrugs off US sanctions, says exports to Russia will go on", Text: "A state-owned optics plant in Minsk said it had no assets in the United States and would keep supplying Russian customers."}
	belarus := Report{Lang: "en", Title: "US sanctions Belarusian and Chinese optics makers supplying Russia's military", Text: "The Treasury Department imposed sanctions on eleven companies in Belarus and China that it said supplied thermal sights to Russian arms plants."}
	review := Report{Lang: "ru", Title: "Минэкономики Киргизии проверит компании из санкционного списка США", Text: "Министерство экономики Киргизии проверит три компании, попавшие под санкции Минфина США, и при нарушениях отзовет их лицензии на экспорт."}
	drones := Report{Lang: "en", Title: "US sanctions Altyn Logistic, eight other suppliers of Russian drone parts", Text: "The Treasury Department imposed sanctions on Altyn Logistic and eight other companies in Kyrgyzstan and China that it said shipped navigation modules to Russian drone makers."}
	singapore := Report{Lang: "en", Title: "Singapore reviews licence of trader hit by US sanctions over Russian satellite chips", Text: "Singapore's trade ministry said it was reviewing the licence of a local electronics distributor the Treasury designated for shipping processors to Russian satellite makers."}
	chips := Report{Lang: "en", Title: "US targets Singapore, Hong Kong firms feeding Russia's satellite builders", Text: "The Treasury imposed sanctions on eleven companies in Russia, Hong Kong and Singapore that it said shipped space-rated processors to Russian satellite makers."}
	joint := Report{Lang: "en", Title: "US, Britain and Australia jointly sanction Russian ransomware leaders", Text: "The Treasury, together with London and Canberra, imposed sanctions on five Russian nationals it said ran a ransomware group that extorted hospitals."}
	ransomware := Report{Lang: "en", Title: "US sanctions Russian ransomware group's leaders", Text: "The Treasury Department imposed sanctions on five Russian nationals it said led a ransomware group that attacked hospitals and schools."}
	kazakhstan := Report{Lang: "en", Title: "Kazakhstan reviews licence of Almaty firm hit by US sanctions", Text: "Kazakhstan's trade ministry said it was reviewing the export licence of an Almaty trading company the US Treasury designated for supplying Russian drone makers."}
	kazakh := Report{Lang: "ru", Title: "Казахстан проверит лицензию алматинской компании, попавшей под санкции США", Text: "Министерство торговли Казахстана проверит экспортную лицензию алматинской компании, которую Минфин США обвинил в поставках для российских производителей дронов."}
	extradites := Report{Lang: "en", Title: "Thailand extradites Russian ransomware suspect to United States", Text: "Thai police put a Russian man wanted on US ransomware charges on a flight to New York after a court approved his extradition."}
	arrives := Report{Lang: "en", Title: "Russian ransomware suspect appears in US court after extradition", Text: "A Russian man extradited from Thailand pleaded not guilty in a New York federal court to charges of running a ransomware group."}
	checkTimedCuts(t, func(p *params) { p.thirdAnswers = false }, []timedCut{
		{"the maker's answer and sanctions that name Belarus", maker, belarus, 30, true},
		{"Kyrgyzstan's review and sanctions that name Kyrgyzstan", review, drones, 20, true},
		{"Singapore's review and sanctions whose headline names Singapore", singapore, chips, 20, true},
		{"a side's sanctions beside third countries", joint, ransomware, 2, false},
		{"two reports of Kazakhstan's review", kazakh, kazakhstan, 2, false},
		{"an extradition and the suspect in court", arrives, extradites, 20, false},
	})
}

// A third country's word on what it will do is its own news however much
// it shares with the event it follows: the host's offer of a summit, in
// the city of talks that opened that day, is told apart from the talks,
// where a cut as deep as that for a third country's act (thirdMiss)
// leaves the two together.
func TestThirdFirstMiss(t *testing.T) {
	offer := Report{Lang: "en", Title: "Turkey ready to host US-Russia summit in Istanbul, foreign minister says", Text: "Turkey's foreign minister said Ankara was ready to host a meeting of the US and Russian presidents, as the two countries' diplomats met in Istanbul."}
	talks := Report{Lang: "en", Title: "US and Russian diplomats open new round of embassy talks in Istanbul", Text: "Delegations of the State Department and Russia's foreign ministry began two days of talks in Istanbul on visas and diplomatic staffing."}
	p := defaultParams
	p.thirdFirstMiss = p.thirdMiss
	shipped, halved := New(Options{}), New(Options{p: &p})
	on, _ := assessPair(shipped, offer, talks, 4)
	off, _ := assessPair(halved, offer, talks, 4)
	if on >= shipped.p.threshold || off < shipped.p.threshold {
		t.Errorf("the host's offer and the talks: %.3f with thirdFirstMiss, %.3f with thirdMiss; want below and above %.2f", on, off, shipped.p.threshold)
	}
}

// A third country's offer to host is its own news, as its word on what
// it will do is: cut, after the model, against a report that does not
// name the country, and left as it was against one that does.
func TestThirdOffers(t *testing.T) {
	offer := Report{Lang: "en", Title: "Austria offers Vienna for Putin's second meeting with US president", Text: "Austria's foreign minister said Vienna was ready to host the Russian and US presidents' second meeting in July."}
	meeting := Report{Lang: "en", Title: "Lavrov and US secretary of state meet in Vienna", Text: "Russian Foreign Minister Sergei Lavrov and the US secretary of state met for two hours in Vienna and discussed the presidents' next meeting."}
	host := Report{Lang: "en", Title: "Austria's foreign minister receives Lavrov before his talks with US secretary of state", Text: "Austria's foreign minister met Russian Foreign Minister Sergei Lavrov in Vienna before his meeting with the US secretary of state."}
	checkTimedCuts(t, func(p *params) { p.thirdOffers = false }, []timedCut{
		{"Austria's offer and the ministers' meeting", offer, meeting, 3, true},
		{"Austria's offer and a report that names Austria", offer, host, 3, false},
	})
}

// Two pairs of countries at one venue are two events: a headline that
// names a third country acting beside one side is cut, after the model,
// against one that names the other side and no third country. A third
// country thanked for its good offices helped the sides' act, and a
// report that names the country, or names only the same side, is left as
// it was.
func TestThirdPair(t *testing.T) {
	china := Report{Lang: "en", Title: "US and China hold talks on military uses of artificial intelligence in Geneva", Text: "American and Chinese officials met in Geneva for a first round of talks on the military uses of artificial intelligence, the State Department said."}
	russia := Report{Lang: "en", Title: "US, Russian negotiators open two days of arms talks in Geneva", Text: "American and Russian delegations began two days of talks on strategic stability in Geneva, the State Department said."}
	ryabkov := Report{Lang: "ru", Title: "Рябков прибыл в Женеву на консультации с США", Text: "Замглавы МИД России Сергей Рябков прибыл в Женеву на консультации с американской делегацией по стратегической стабильности."}
	abstains := Report{Lang: "en", Title: "China says it will stay out of US-Russian arms talks in Geneva", Text: "China's foreign ministry said Beijing would not join the talks between the United States and Russia in Geneva."}
	investment := Report{Lang: "ru", Title: "Россия и ОАЭ подписали в Абу-Даби соглашение о защите инвестиций", Text: "Министры экономики России и ОАЭ подписали в Абу-Даби соглашение о взаимной защите капиталовложений."}
	swap := Report{Lang: "en", Title: "US frees Russian hacker in Abu Dhabi prisoner swap", Text: "The United States released a Russian hacker in exchange for an American teacher in Abu Dhabi, officials said."}
	thanks := Report{Lang: "ru", Title: "Песков поблагодарил ОАЭ за посредничество в обмене с США", Text: "Пресс-секретарь президента России Дмитрий Песков поблагодарил руководство ОАЭ за посредничество в обмене заключенными с США в Абу-Даби."}
	host := Report{Lang: "en", Title: "Austria closes central Vienna for the US president's summit with Putin", Text: "Austrian police closed the streets around the Hofburg palace for Friday's summit of the two presidents."}
	ministers := Report{Lang: "en", Title: "US secretary of state and Lavrov meet in Vienna ahead of summit", Text: "The US secretary of state and Russian Foreign Minister Sergei Lavrov met for three hours at the Russian embassy in Vienna to settle the summit's texts."}
	checkTimedCuts(t, func(p *params) { p.hostActs = false }, []timedCut{
		{"the host's act and the ministers' meeting", host, ministers, 5, true},
		{"the host's act and a report that names the host", host, Report{Lang: "en", Title: "Austria's foreign minister greets Lavrov in Vienna", Text: "Austria's foreign minister met the Russian minister at the airport."}, 5, false},
	})
	checkTimedCuts(t, func(p *params) { p.thirdPair = false }, []timedCut{
		{"talks with China and talks with Russia", china, russia, 3, true},
		{"Russia's agreement with the Emirates and the swap there", investment, swap, 3, true},
		{"thanks to the Emirates for the swap", thanks, swap, 3, false},
		{"China's word on the talks, which names China", abstains, china, 3, false},
		{"talks with China and a headline that names only the United States", china, ryabkov, 3, false},
	})
}

// A call has no place: the place its headline names is that of the
// meeting it discussed, and a report of a meeting there a day later is
// that meeting, told apart from the call as what the call foretold. The
// call's other reports, a call's that names no place and a statement on
// the meeting are left as they were.
func TestCallPlaces(t *testing.T) {
	call := Report{Lang: "ru", Title: "Лавров и госсекретарь США обсудили по телефону консультации в Женеве", Text: "Министр иностранных дел России Сергей Лавров и госсекретарь США обсудили по телефону предстоящие консультации по стратегической стабильности."}
	placeless := Report{Lang: "ru", Title: "Лавров и госсекретарь США обсудили по телефону консультации по стабильности", Text: "Министр иностранных дел России Сергей Лавров и госсекретарь США обсудили по телефону предстоящие консультации по стратегической стабильности."}
	talks := Report{Lang: "ru", Title: "В Женеве начались консультации России и США по стратегической стабильности", Text: "Делегации России и США начали в Женеве консультации по стратегической стабильности, сообщили в МИД России."}
	wire := Report{Lang: "en", Title: "Lavrov, US secretary of state discuss Geneva talks by phone", Text: "Russian Foreign Minister Sergei Lavrov and the US secretary of state discussed upcoming strategic stability consultations in Geneva by phone."}
	ryabkov := Report{Lang: "ru", Title: "Рябков назвал консультации с США в Женеве полезными", Text: "Замглавы МИД России Сергей Рябков назвал полезными консультации с американской делегацией в Женеве."}
	checkTimedCuts(t, func(p *params) { p.callPlaces = false }, []timedCut{
		{"the talks a day after the call", talks, call, 20, true},
		{"the call's wire report", wire, call, 16, false},
		{"the talks after a call that names no place", talks, placeless, 20, false},
		{"a statement on the talks", ryabkov, call, 30, false},
	})
}
