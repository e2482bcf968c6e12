package story

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// The precision traps: different events that share people, places and
// vocabulary. Each case is two events told by two or three reports each,
// in both languages; the reports of one event must make one story and
// the two events two stories. Tuning keeps these passing.
func TestTraps(t *testing.T) {
	for _, e := range trapErrors(Options{}) {
		t.Error(e)
	}
}

// trapCase is two or more events told by a few reports each.
type trapCase struct {
	name    string
	reports []trapReport
}

type trapReport struct {
	event       string
	title, text string
	h           float64 // hours after the case's start
}

// trapErrors groups each trap case and returns the pairs it gets wrong.
func trapErrors(opts Options) []string { return caseErrors(trapCases, opts) }

// busyErrors is trapErrors for the busy mornings (busyCases).
func busyErrors(opts Options) []string { return caseErrors(busyCases, opts) }

var trapCases = []trapCase{
	{"a call and the summit it prepared, two days apart", []trapReport{
		{"call", "Putin and Trump speak by phone, agree to meet in Geneva", "The presidents talked for an hour and asked their aides to prepare a summit.", 0},
		{"call", "Путин и Трамп провели телефонный разговор", "Президенты договорились о встрече в Женеве, сообщил Ушаков.", 1},
		{"call", "Kremlin: Putin-Trump call was frank and businesslike", "Aide Yuri Ushakov said the leaders spoke for about an hour.", 3},
		{"summit", "Putin and Trump meet in Geneva", "The leaders shook hands at a lakeside villa before talks began.", 50},
		{"summit", "Путин и Трамп начали переговоры в Женеве", "Встреча президентов проходит на вилле на берегу озера.", 50.5},
		{"summit", "Geneva summit ends with agreement on new talks", "Both sides said negotiating teams would meet within weeks.", 55},
	}},
	{"an aide's word that a call will come, and the call a day later", []trapReport{
		{"statement", "Ушаков: Путин и Трамп созвонятся, когда будет что обсуждать", "Помощник президента России сказал, что телефонный разговор с президентом США пока не планируется.", 0},
		{"statement", "Kremlin aide says Putin and Trump will speak when there is something to discuss", "Yuri Ushakov said no call between the presidents was planned for now.", 1},
		{"call", "Путин и Трамп провели телефонный разговор", "Президенты России и США обсудили по телефону Украину и обмен заключенными, сообщил Ушаков.", 30},
		{"call", "Trump and Putin talk by phone about Ukraine ceasefire", "The presidents spoke for 90 minutes, Kremlin aide Yuri Ushakov said.", 30.5},
		{"call", "Kremlin: Putin-Trump call lasted an hour and a half", "Ushakov said the presidents agreed to keep in touch.", 32},
	}},
	{"the same envoy and president meeting twice within the window", []trapReport{
		{"first", "Witkoff meets Putin in Moscow for five-hour talks", "The US envoy discussed a peace plan with the Russian president at the Kremlin.", 0},
		{"first", "Путин принял Уиткоффа в Кремле", "Переговоры продолжались пять часов, сообщил Песков.", 1},
		{"second", "Witkoff back in Russia, meets Putin in St Petersburg", "The envoy's second visit in three days came after Kyiv rejected parts of the plan.", 68},
		{"second", "Уиткофф снова встретился с Путиным, на этот раз в Петербурге", "Беседа в Константиновском дворце длилась около двух часов.", 69},
	}},
	{"sanctions and the counter-measure a day later", []trapReport{
		{"sanctions", "US sanctions overseas units of Russia's VTB bank", "The Treasury designated 12 subsidiaries in Asia and Africa it said help Moscow evade restrictions.", 0},
		{"sanctions", "США ввели санкции против зарубежных дочек ВТБ", "Минфин США внес в список 12 компаний в Азии и Африке.", 0.5},
		{"sanctions", "Treasury targets VTB network in new Russia sanctions", "Officials said the banks processed payments for military suppliers.", 2},
		{"ban", "Russia bars entry to 25 US officials in response", "The foreign ministry said the list includes Treasury officials and members of Congress.", 26},
		{"ban", "Москва закрыла въезд 25 американцам в ответ на санкции", "В стоп-лист вошли сотрудники Минфина США и конгрессмены, сообщили в МИД.", 26.5},
	}},
	{"two calls between different people on the same day", []trapReport{
		{"ministers", "Lavrov and Rubio speak by phone", "The ministers discussed preparations for talks on Ukraine, the State Department said.", 0},
		{"ministers", "Лавров и Рубио провели телефонный разговор", "Министры обсудили подготовку переговоров по Украине, сообщили в МИД России.", 0.5},
		{"leaders", "Putin and Trump speak by phone", "The presidents discussed preparations for talks on Ukraine, the Kremlin said.", 5},
		{"leaders", "Путин и Трамп провели телефонный разговор", "Президенты обсудили подготовку переговоров по Украине, сообщили в Кремле.", 5.5},
	}},
	{"an expulsion and the expulsion in return", []trapReport{
		{"first", "Russia expels US diplomat over spying claim", "The FSB said the second secretary received secret documents; he has 72 hours to leave.", 0},
		{"first", "Россия выслала американского дипломата за шпионаж", "Второй секретарь посольства США объявлен персоной нон грата.", 1},
		{"second", "US expels Russian diplomat in tit-for-tat move", "The State Department gave a Russian attaché 72 hours to leave Washington.", 40},
		{"second", "США в ответ выслали российского дипломата", "Атташе посольства России должен покинуть Вашингтон за трое суток.", 41},
	}},
	{"talks that name no one and the next day's meeting of named people", []trapReport{
		{"talks", "US and Russian diplomats hold talks on embassy staffing", "The delegations met for six hours and agreed to ease visa rules for diplomats, the State Department said.", 0},
		{"talks", "Россия и США провели консультации о работе посольств", "Делегации обсуждали визы для дипломатов и банковское обслуживание дипмиссий, сообщили в МИД.", 1},
		{"talks", "Embassy talks end with deal on diplomats' visas", "Officials from both countries said more rounds would follow.", 4},
		{"meeting", "Putin receives Trump envoy Witkoff in the Kremlin", "The meeting lasted three hours, presidential aide Yuri Ushakov said.", 22},
		{"meeting", "Путин принял Уиткоффа в Кремле", "Переговоры продолжались три часа, сообщил Ушаков.", 23},
	}},
	{"talks in one city that name no one and the next day's talks in another", []trapReport{
		{"oslo", "US and Russian officials discuss Arctic shipping in Oslo", "The delegations talked for five hours about ice-class vessels and search and rescue, officials said.", 0},
		{"oslo", "В Осло прошли российско-американские консультации по Арктике", "Стороны обсудили судоходство и спасательные операции, сообщили в МИД.", 1},
		{"oslo", "Arctic talks end without statement", "Both sides said the five hours of talks were useful.", 5},
		{"ankara", "Russia and US hold consultations on visas in Ankara", "The talks on visas for diplomats lasted three hours, the Russian Foreign Ministry said.", 22},
		{"ankara", "Россия и США провели в Анкаре консультации по визам", "Переговоры о визах для дипломатов продолжались три часа, сообщили в МИД.", 23},
	}},
	{"a commentary that names no one, between two calls of different people", []trapReport{
		{"leaders", "Putin and Trump talk by phone for two hours", "The presidents discussed a ceasefire and prisoner exchanges, the Kremlin said.", 0},
		{"leaders", "Путин и Трамп провели телефонный разговор", "Президенты обсуждали прекращение огня и обмен пленными, сообщили в Кремле.", 0.5},
		{"leaders", "Долгий звонок без прорыва", "Лидеры двух стран обсудили перемирие и обмен пленными, но о встрече не договорились.", 14},
		{"ministers", "Lavrov and Rubio discuss embassies by phone", "The ministers talked about diplomatic property and visas, the Foreign Ministry said.", 19},
		{"ministers", "Лавров и Рубио обсудили по телефону работу посольств", "Министры говорили о дипсобственности и визах, сообщили в МИД.", 19.5},
	}},
	{"a cultural event that mentions an embassy in passing, beside embassy talks", []trapReport{
		{"talks", "Kremlin and White House to resume consultations on embassies", "Diplomats will meet in Vienna next month to discuss staffing and visas.", 0},
		{"talks", "Кремль и Белый дом возобновят консультации о работе посольств", "Дипломаты встретятся в Вене в следующем месяце.", 1},
		{"concert", "Russian and American pianists give a joint concert", "The concert, backed by a music foundation, was attended by an embassy official.", 2},
	}},
}

// busyCases are a wire's busy morning: small items of different events
// whose headlines name only the sides, published within hours. The
// shipped grouping gets most of their pairs wrong (docs/digest.md, "Busy
// days"); they are measured, in the ablation table, and not asserted.
var busyCases = []trapCase{
	{"a wire's busy morning: small items that name only the sides, and one event", []trapReport{
		{"s1", "US renews licence for Russian fertiliser payments", "The Treasury extended for six months a licence allowing banks to process payments for Russian fertiliser shipments.", 0},
		{"s2", "Russia says US delayed visas for its delegation to a UN forum", "The foreign ministry said seven members of the delegation had not received visas a day before the session.", 0.7},
		{"talks", "Russian and US diplomats meet in Geneva on consular staffing", "The two delegations began a new round of consultations on the work of each other's consulates.", 1.2},
		{"s3", "US charges Russian national over sanctions evasion scheme", "Prosecutors in Brooklyn said the man shipped aircraft parts to Moscow through Armenia.", 1.8},
		{"s4", "Russia and US agree to extend airspace deconfliction hotline", "Defence officials of both countries said the channel used over Syria would stay open.", 2.5},
		{"talks", "Консультации России и США в Женеве продлятся два дня", "Делегации обсуждают штаты генконсульств и выдачу виз сотрудникам, сообщили в МИД.", 3},
		{"s5", "Moscow bars US journalist from covering foreign ministry briefings", "The foreign ministry withdrew the accreditation of a correspondent of an American newspaper.", 3.6},
		{"talks", "Geneva consular talks end with plan to reopen two consulates", "Both sides said the consulates in Yekaterinburg and San Francisco could reopen next year.", 6},
	}},
	{"a Russian wire's busy morning: small items that name only the sides", []trapReport{
		{"s1", "Россия и США обменялись списками по космическому мусору", "Роскосмос и НАСА передали друг другу данные об орбитах старых спутников.", 0},
		{"s2", "МИД России вызвал посла США из-за задержания россиянина в Майами", "Послу заявили протест в связи с арестом российского гражданина по запросу американского суда.", 0.8},
		{"s3", "Россия отменила пошлины на американские запчасти для самолетов", "Правительство освободило от ввозных пошлин детали для Boeing до конца года.", 1.5},
		{"s4", "США продлили запрет на полеты российских самолетов", "Министерство транспорта США оставило в силе закрытие воздушного пространства для российских авиакомпаний.", 2.2},
		{"s5", "Песков: Кремль не видит оснований для новых санкций США", "Пресс-секретарь президента ответил на вопрос о законопроекте в сенате.", 3},
	}},
}

func caseErrors(cases []trapCase, opts Options) []string {
	t0 := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	at := func(h float64) time.Time { return t0.Add(time.Duration(h * float64(time.Hour))) }
	var errs []string
	for _, tt := range cases {
		var rs []Report
		for i, r := range tt.reports {
			rs = append(rs, Report{ID: int64(i + 1), Title: r.title, Text: r.text, Published: at(r.h)})
		}
		got := Group(rs, opts)
		for i := range rs {
			for j := i + 1; j < len(rs); j++ {
				same := got[rs[i].ID] == got[rs[j].ID]
				want := tt.reports[i].event == tt.reports[j].event
				if same != want {
					errs = append(errs, fmt.Sprintf("%s: %q and %q: one story = %v, want %v", tt.name, rs[i].Title, rs[j].Title, same, want))
				}
			}
		}
	}
	return errs
}

// The labelled sets name their traps; each pair of events must stay apart.
func TestLabelledTraps(t *testing.T) {
	traps := map[string][][2]string{
		"tuning.jsonl": {
			{"t-riyadh-talks-1", "t-riyadh-talks-2"},
			{"t-trump-putin-call", "t-alaska-summit"},
			{"t-lavrov-rubio-call-budapest", "t-budapest-off"},
			{"t-dmitriev-miami", "t-witkoff-moscow"},
			{"t-kessler-swap", "t-morozova-swap"},
			{"t-rosneft-lukoil-sanctions", "t-lukoil-asset-sale"},
			{"t-diplomat-expelled", "t-us-expels-response"},
			{"t-lavrov-rubio-unga", "t-lavrov-rubio-call-budapest"},
		},
	}
	for name, pairs := range traps {
		set := arrival(loadSet(t, name), 0, 0)
		_, got := evaluate(set, Options{})
		rs := reports(set)
		storiesOf := map[string]map[int64]bool{}
		titles := map[int64][]string{}
		for i, r := range rs {
			if storiesOf[set[i].Event] == nil {
				storiesOf[set[i].Event] = map[int64]bool{}
			}
			storiesOf[set[i].Event][got[r.ID]] = true
			titles[got[r.ID]] = append(titles[got[r.ID]], fmt.Sprintf("%s %s", set[i].ID, set[i].Title))
		}
		for _, p := range pairs {
			if len(storiesOf[p[0]]) == 0 || len(storiesOf[p[1]]) == 0 {
				t.Fatalf("%s: no event %q or %q", name, p[0], p[1])
			}
			for s := range storiesOf[p[0]] {
				if storiesOf[p[1]][s] {
					t.Errorf("%s: %s and %s share story %d:\n  %s", name, p[0], p[1], s, strings.Join(titles[s], "\n  "))
				}
			}
		}
	}
}
