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
