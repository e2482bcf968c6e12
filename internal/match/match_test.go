package match

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func words(text string, fold bool) []string {
	var out []string
	for _, t := range tokenize(text, fold, nil) {
		out = append(out, t.Fold)
	}
	return out
}

func TestTokenize(t *testing.T) {
	tests := []struct {
		name, in string
		fold     bool
		want     []string
	}{
		{"hyphen", "US-Russia talks", false, []string{"us", "russia", "talks"}},
		{"en dash and dots", "U.S.–Russian talks", false, []string{"us", "russian", "talks"}},
		{"slash", "US/Russia", false, []string{"us", "russia"}},
		{"abbreviation at end", "sanctions by the U.S.", false, []string{"sanctions", "by", "the", "us"}},
		{"abbreviation without final dot", "U.S talks", false, []string{"us", "talks"}},
		{"initial is not an abbreviation", "J. Smith said", false, []string{"j", "smith", "said"}},
		{"possessive dropped", "Russia's envoy, Washington’s plan", false, []string{"russia", "envoy", "washington", "plan"}},
		{"inner apostrophe joined", "O'Brien met", false, []string{"obrien", "met"}},
		{"cyrillic case", "КРЕМЛЬ Кремля", false, []string{"кремль", "кремля"}},
		{"yo folded", "Пётр ещё", false, []string{"петр", "еще"}},
		{"diacritics kept", "Müller café", false, []string{"müller", "café"}},
		{"diacritics folded", "Müller café Łukasz", true, []string{"muller", "cafe", "lukasz"}},
		{"combining accent folded", "cafe\u0301", true, []string{"cafe"}},
		{"digits", "S&P 500 up 2.5%", false, []string{"s", "p", "500", "up", "2", "5"}},
		{"quotes and guillemets", "«Вашингтона» \"US\"", false, []string{"вашингтона", "us"}},
		{"invalid utf8", "a\xffb", false, []string{"a", "b"}},
		{"empty", "", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := words(tt.in, tt.fold); !slices.Equal(got, tt.want) {
				t.Errorf("tokenize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestTokenizeKeepsCase(t *testing.T) {
	toks := tokenize("U.S. and us", false, nil)
	if toks[0].Orig != "US" || toks[2].Orig != "us" {
		t.Fatalf("Orig = %q, %q; want US, us", toks[0].Orig, toks[2].Orig)
	}
	if toks[2].Pos != 2 {
		t.Fatalf("Pos = %d, want 2", toks[2].Pos)
	}
}

func TestParseTermErrors(t *testing.T) {
	tests := []struct{ term, want string }{
		{"", "empty term"},
		{"   ", "empty term"},
		{"---", "can never match"},
		{"=", "can never match"},
		{"*", "must follow a word"},
		{"Russia *", "directly follow a word"},
		{"us*", "shorter than 3"},
		{"ру*", "shorter than 3"},
		{"ab*cd", "end of a word"},
	}
	for _, tt := range tests {
		_, err := ParseTerm(tt.term, false)
		if err == nil || !errors.Is(err, ErrTerm) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseTerm(%q) error = %v, want one containing %q", tt.term, err, tt.want)
		}
	}
	for _, ok := range []string{"Russia", "=US", "New START", "sanction*", "Росси*", "Бел* дом*", "US-Russia", "U.S."} {
		if _, err := ParseTerm(ok, false); err != nil {
			t.Errorf("ParseTerm(%q) = %v, want no error", ok, err)
		}
	}
}

func TestCovers(t *testing.T) {
	tests := []struct {
		term, excl string
		want       bool
	}{
		{"Moscow Idaho police", "Moscow Idaho", true},
		{"Moscow", "Moscow Idaho", false},
		{"Russian River", "Russian river", true},
		{"sanctions", "sanction*", true},
		{"sanction*", "sanctions", false},
		{"Росси*", "Рос*", true},
		{"=US", "us", true},
		{"us", "=US", false},
	}
	for _, tt := range tests {
		a, _ := ParseTerm(tt.term, false)
		b, _ := ParseTerm(tt.excl, false)
		if got := a.Covers(b); got != tt.want {
			t.Errorf("%q covered by %q = %v, want %v", tt.term, tt.excl, got, tt.want)
		}
	}
}

func compile(t *testing.T, r Rules) *Engine {
	t.Helper()
	if r.TopicID == "" {
		r.TopicID = "t"
	}
	e, err := Compile([]Rules{r})
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return e
}

// twoSides is the shape of the shipped topic, small enough to reason about.
var twoSides = Rules{
	All: []Group{
		{Name: "Russia", Terms: []string{"Russia", "Kremlin", "Росси*", "Кремл*", "Москв*"}},
		{Name: "US", Terms: []string{"=US", "United States", "Washington", "США", "Вашингтон*", "Бел* дом*"}},
	},
	Any:    []string{"New START", "US-Russia", "российско-американск*"},
	Not:    []string{"Moscow Idaho", "Russian dressing"},
	Ignore: []string{"Washington Post", "Washington Capitals"},
}

func TestMatchConstructs(t *testing.T) {
	tests := []struct {
		name    string
		rules   Rules
		doc     Document
		matched bool
		terms   []string // when set, the terms that must have fired
	}{
		{"groups both present", twoSides, Document{Title: "Kremlin rejects Washington's offer"}, true, []string{"Kremlin", "Washington"}},
		{"group missing", twoSides, Document{Title: "Kremlin hosts Chinese leader"}, false, nil},
		{"sides across fields", twoSides, Document{Title: "Kremlin comments", Summary: "Talks with the United States stalled."}, true, []string{"Kremlin", "United States"}},
		{"any term alone", twoSides, Document{Title: "New START expires in February"}, true, []string{"New START"}},
		{"any phrase needs its order", twoSides, Document{Title: "START a new chapter"}, false, nil},
		{"case-sensitive US", twoSides, Document{Title: "Russia tells US to leave"}, true, []string{"Russia", "=US"}},
		{"us pronoun does not count", twoSides, Document{Title: "Russia: tell us what you think"}, false, nil},
		{"U.S. is US", twoSides, Document{Title: "U.S. warns Russia"}, true, []string{"=US", "Russia"}},
		{"all-caps US still counts", twoSides, Document{Title: "RUSSIA AND US HOLD TALKS"}, true, nil},
		{"hyphen variant", twoSides, Document{Title: "U.S.–Russia ties"}, true, []string{"US-Russia"}},
		{"slash variant", twoSides, Document{Title: "US/Russia ties"}, true, []string{"US-Russia"}},
		{"spaced variant", twoSides, Document{Title: "the US Russia channel"}, true, []string{"US-Russia"}},
		{"cyrillic inflections", twoSides, Document{Title: "Посол России в Вашингтоне"}, true, []string{"Росси*", "Вашингтон*"}},
		{"cyrillic prefix catches adjective", twoSides, Document{Title: "Российский дипломат в США"}, true, []string{"Росси*", "США"}},
		{"cyrillic phrase of prefixes", twoSides, Document{Title: "В Белом доме ответили Москве"}, true, []string{"Бел* дом*", "Москв*"}},
		{"cyrillic any prefix", twoSides, Document{Title: "Российско-американский саммит"}, true, []string{"российско-американск*"}},
		{"exclusion vetoes", twoSides, Document{Title: "Moscow, Idaho mayor visits Russia and the US"}, false, nil},
		{"exclusion beats any", twoSides, Document{Title: "New START of Russian dressing brand"}, false, nil},
		{"case-sensitive term, ё for е", Rules{Any: []string{"=Пётр"}}, Document{Title: "Петр Толстой выступил в Думе"}, true, []string{"=Пётр"}},
		{"case-sensitive term, е for ё", Rules{Any: []string{"=Петр"}}, Document{Title: "Пётр Толстой выступил в Думе"}, true, []string{"=Петр"}},
		{"case-sensitive term, wrong case", Rules{Any: []string{"=Пётр"}}, Document{Title: "пётр и павел"}, false, nil},
		{"soft hyphens and zero-width spaces inside words", twoSides, Document{Title: "Krem\u00adlin warns Wash\u200bington"}, true, []string{"Kremlin", "Washington"}},
		{"decomposed letters", Rules{Any: []string{"Шойгу"}}, Document{Title: "\u0420\u043e\u0441\u0441\u0438\u0438\u0306\u0441\u043a\u0438\u0438\u0306 \u043f\u043e\u0441\u043e\u043b \u0432 \u0412\u0430\u0448\u0438\u043d\u0433\u0442\u043e\u043d\u0435 \u0432\u0441\u0442\u0440\u0435\u0442\u0438\u043b\u0441\u044f \u0441 \u0428\u043e\u0438\u0306\u0433\u0443"}, true, []string{"Шойгу"}},
		{"ignore hides a word", twoSides, Document{Title: "Kremlin bans Washington Post reporter"}, false, nil},
		{"ignore keeps the rest", twoSides, Document{Title: "Kremlin tells Washington it disputes Washington Post report"}, true, []string{"Kremlin", "Washington"}},
		{"ignore hides a longer term over its words", Rules{Any: []string{"Moscow-Washington"}, Ignore: []string{"Washington Capitals"}},
			Document{Title: "Ovechkin flies home to Moscow. Washington Capitals give their blessing"}, false, nil},
		{"the same term without the ignored phrase", Rules{Any: []string{"Moscow-Washington"}, Ignore: []string{"Washington Capitals"}},
			Document{Title: "Ovechkin flies home to Moscow. Washington gives its blessing"}, true, []string{"Moscow-Washington"}},
		{"ignore hides a phrase that starts in it", twoSides, Document{Title: "Fans of the Washington Capitals US-Russia friendly"}, true, []string{"US-Russia"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := compile(t, tt.rules).Match(tt.doc)[0]
			if res.Matched != tt.matched {
				t.Fatalf("Matched = %v, want %v (%s)", res.Matched, tt.matched, res.Reason)
			}
			for _, term := range tt.terms {
				if !slices.Contains(res.Terms, term) {
					t.Errorf("Terms = %q, want %q among them", res.Terms, term)
				}
			}
			if res.Reason == "" {
				t.Error("empty Reason")
			}
		})
	}
}

func TestMatchExplains(t *testing.T) {
	e := compile(t, twoSides)

	res := e.Match(Document{Title: "Kremlin hosts Chinese leader"})[0]
	if !slices.Equal(res.Missing, []string{"US"}) {
		t.Errorf("Missing = %q, want [US]", res.Missing)
	}
	if !strings.Contains(res.Reason, "missing US") {
		t.Errorf("Reason = %q, want it to name the missing group", res.Reason)
	}

	res = e.Match(Document{Title: "Moscow, Idaho council meets", Summary: "Russia and the US"})[0]
	if res.Vetoed != "Moscow Idaho" || !strings.Contains(res.Reason, "Moscow Idaho") {
		t.Errorf("Vetoed = %q, Reason = %q; want the exclusion named", res.Vetoed, res.Reason)
	}

	res = e.Match(Document{Title: "Russia says", Summary: "the United States and Russia"})[0]
	want := []Hit{{"Russia", "title", 0, "Russia"}, {"United States", "summary", 1, "United States"}, {"Russia", "summary", 4, "Russia"}}
	if !slices.Equal(res.Hits, want) {
		t.Errorf("Hits = %v, want %v", res.Hits, want)
	}
	if !slices.Equal(res.Terms, []string{"Russia", "United States"}) {
		t.Errorf("Terms = %q, want first-seen order without repeats", res.Terms)
	}
	if res.TopicID != "t" {
		t.Errorf("TopicID = %q", res.TopicID)
	}
}

// TestWords: readers are shown the words of the text that the terms
// found, as the text writes them, not the rules' stems and markers.
func TestWords(t *testing.T) {
	e := compile(t, Rules{
		Any:    []string{"New START", "=US", "spokes*", "embass*", "Бел* дом*", "Kremlin", "talks"},
		Ignore: []string{"Washington Post"},
	})
	tests := []struct {
		name string
		doc  Document
		want []string
	}{
		{"stems become words", Document{Title: "Embassy spokesman speaks", Summary: "The embassies' spokeswoman too."},
			[]string{"Embassy", "spokesman", "embassies", "spokeswoman"}},
		{"dotted abbreviation and phrase", Document{Title: "U.S. and the new START treaty"}, []string{"U.S.", "new START"}},
		{"possessive dropped, repeats once", Document{Title: "Kremlin's talks", Summary: "KREMLIN talks again"}, []string{"Kremlin", "talks"}},
		{"inflected Russian phrase", Document{Title: "Заявление в Белом доме"}, []string{"Белом доме"}},
		{"decomposed letters are shown composed", Document{Title: "Белй дом"}, []string{"Белй дом"}},
		{"no hit, no words", Document{Title: "Weather"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.Match(tt.doc)[0]
			if !slices.Equal(res.Words, tt.want) {
				t.Errorf("Words = %q, want %q", res.Words, tt.want)
			}
			for _, h := range res.Hits {
				if h.Text == "" {
					t.Errorf("hit %+v has no text", h)
				}
			}
		})
	}
}

func TestNear(t *testing.T) {
	r := twoSides
	r.Near = 5
	e := compile(t, r)
	filler := strings.Repeat("word ", 10)
	tests := []struct {
		doc  Document
		want bool
	}{
		{Document{Title: "Kremlin and Washington"}, true},
		{Document{Title: "Kremlin " + filler + "Washington"}, false},
		{Document{Title: "Kremlin " + filler + "Kremlin and Washington"}, true},
		// Title and summary read as one text: the last title word and the
		// first summary word are neighbours.
		{Document{Title: "statement from the Kremlin", Summary: "Washington replied"}, true},
		{Document{Title: "Kremlin " + filler, Summary: "Washington replied"}, false},
	}
	for _, tt := range tests {
		res := e.Match(tt.doc)[0]
		if res.Matched != tt.want {
			t.Errorf("%+v: Matched = %v, want %v (%s)", tt.doc, res.Matched, tt.want, res.Reason)
		}
	}
	res := e.Match(Document{Title: "Kremlin " + filler + "Washington"})[0]
	if !slices.Contains(res.Missing, "all groups within 5 words") {
		t.Errorf("Missing = %q, want the proximity named", res.Missing)
	}
}

func TestFieldsAndScore(t *testing.T) {
	r := twoSides
	r.Weights = map[string]float64{FieldTitle: 3, FieldSummary: 1}
	r.MinScore = 3
	e := compile(t, r)
	tests := []struct {
		name  string
		doc   Document
		want  bool
		score float64
	}{
		{"title hits", Document{Title: "Kremlin and Washington"}, true, 6},
		{"summary hits below min_score", Document{Summary: "Kremlin and Washington"}, false, 2},
		{"three summary terms reach it", Document{Summary: "Kremlin, Russia and Washington"}, true, 3},
		{"repeats count once", Document{Summary: "Kremlin Kremlin Kremlin and Washington"}, false, 2},
		{"content not searched", Document{Title: "Kremlin", Content: "Washington"}, false, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.Match(tt.doc)[0]
			if res.Matched != tt.want || res.Score != tt.score {
				t.Errorf("Matched %v score %v, want %v score %v (%s)", res.Matched, res.Score, tt.want, tt.score, res.Reason)
			}
		})
	}
}

func TestFoldDiacritics(t *testing.T) {
	r := Rules{Any: []string{"Lukasenka", "Muller"}, FoldDiacritics: true}
	e := compile(t, r)
	if !e.Match(Document{Title: "Łukašenka meets Müller"})[0].Matched {
		t.Error("diacritics folding did not match")
	}
	strict := compile(t, Rules{Any: []string{"Muller"}})
	if strict.Match(Document{Title: "Müller"})[0].Matched {
		t.Error("without folding, Müller must not match Muller")
	}
}

func TestSeveralTopics(t *testing.T) {
	e, err := Compile([]Rules{
		{TopicID: "a", Any: []string{"sanction*"}},
		{TopicID: "b", Any: []string{"sanctions", "tariff*"}, FoldDiacritics: true},
		{TopicID: "c", Any: []string{"=Tariff"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	res := e.Match(Document{Title: "New sanctions and tariffs"})
	var got []string
	for _, r := range res {
		got = append(got, r.TopicID+":"+strings.Join(r.Terms, ","))
	}
	want := []string{"a:sanction*", "b:sanctions,tariff*", "c:"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	one := e.MatchTopic(1, Document{Title: "tariffs"})
	if one.TopicID != "b" || !one.Matched {
		t.Errorf("MatchTopic(1) = %+v", one)
	}
}

func TestCompileErrors(t *testing.T) {
	_, err := Compile([]Rules{{TopicID: "x", All: []Group{{Name: "side", Terms: []string{"ok", "ab*c"}}}}})
	var te *TermError
	if !errors.As(err, &te) || te.Group != "side" || te.Index != 1 || te.Term != "ab*c" {
		t.Fatalf("err = %v, want a TermError for group side, term 2", err)
	}
	if _, err := Compile([]Rules{{TopicID: "x", Any: []string{"a"}, Weights: map[string]float64{"body": 1}}}); err == nil {
		t.Fatal("unknown field accepted")
	}
}

// TestRulesDocTable keeps the term table in docs/rules.md honest.
func TestRulesDocTable(t *testing.T) {
	tests := []struct {
		term    string
		yes, no []string
	}{
		{"Kremlin", []string{"Kremlin", "KREMLIN", "kremlin", "Kremlin's"}, []string{"Kremlinology"}},
		{"White House", []string{"White House", "white-house"}, []string{"House is white"}},
		{"sanction*", []string{"sanction", "sanctions", "sanctioned"}, []string{"unsanctioned"}},
		{"Росси*", []string{"Россия", "России", "Россией", "российский", "россиянин"}, []string{"Белоруссия"}},
		{"Бел* дом*", []string{"Белый дом", "Белого дома", "в Белом доме"}, nil},
		{"=US", []string{"US", "U.S.", "U.S"}, []string{"us", "Us"}},
		{"US-Russia", []string{"US-Russia", "U.S.–Russia", "US/Russia", "US — Russia", "US Russia"}, nil},
		{"New START", []string{"New START", "new start"}, []string{"START", "start anew"}},
		{"Moscow Idaho", []string{"Moscow, Idaho"}, nil},
		{"Washington", []string{"Washington's"}, nil},
	}
	for _, tt := range tests {
		e := compile(t, Rules{Any: []string{tt.term}})
		for _, s := range tt.yes {
			if !e.Match(Document{Title: s})[0].Matched {
				t.Errorf("%q does not match %q", tt.term, s)
			}
		}
		for _, s := range tt.no {
			if e.Match(Document{Title: s})[0].Matched {
				t.Errorf("%q matches %q", tt.term, s)
			}
		}
	}
}

// TestNearDoesNotDependOnOtherTopics: how far apart two words are counts
// every field, so a topic that does not read the summary gets the same
// verdict whether it is matched alone (topics test, the editor's preview)
// or beside a topic that does (the daemon).
func TestNearDoesNotDependOnOtherTopics(t *testing.T) {
	near := Rules{TopicID: "near", All: []Group{{Name: "ru", Terms: []string{"Kremlin"}}, {Name: "us", Terms: []string{"Washington"}}},
		Near: 5, Weights: map[string]float64{FieldTitle: 1, FieldContent: 1}}
	other := Rules{TopicID: "other", Any: []string{"sanctions"}}
	e, err := Compile([]Rules{near, other})
	if err != nil {
		t.Fatal(err)
	}
	doc := Document{
		Title:   "Kremlin statement",
		Summary: "A long summary of many words that sits between the headline and the body of the story here",
		Content: "Washington responds",
	}
	together := e.Match(doc)[0]
	alone := e.MatchTopic(0, doc)
	if together.Matched != alone.Matched || together.Matched {
		t.Errorf("matched beside another topic %v, alone %v; want both false (the words are 19 apart)", together.Matched, alone.Matched)
	}
}

// thirdParties is twoSides with a third group and third parties: a
// headline that names one must name both sides.
var thirdParties = Rules{
	All: []Group{
		{Name: "Russia", Terms: []string{"Russia", "Russian", "Kremlin", "Moscow", "Росси*"}},
		{Name: "US", Terms: []string{"=US", "Washington", "Trump", "США"}},
		{Name: "business", Terms: []string{"deal", "talks", "sanction*", "tariff*", "санкц*"}},
	},
	Any:        []string{"US-Russia"},
	Ignore:     []string{"Indian Ocean"},
	Others:     []string{"India", "=EU", "Китай", "Китая"},
	OthersNeed: []string{"Russia", "US"},
}

func TestOthers(t *testing.T) {
	everyGroup := thirdParties
	everyGroup.OthersNeed = nil
	bodyOnly := thirdParties
	bodyOnly.Weights = map[string]float64{"summary": 1}
	tests := []struct {
		name    string
		rules   Rules
		doc     Document
		matched bool
		missing []string // when not matched
	}{
		{"third party's headline, other side in the summary", thirdParties,
			Document{Title: "India and Russia sign reactor deal", Summary: "The deal follows talks with the US."}, false,
			[]string{`US in the headline, which names "India"`}},
		{"neither side in the headline", thirdParties,
			Document{Title: "EU adopts new package", Summary: "Sanctions on Russia follow a US step."}, false,
			[]string{`Russia in the headline, which names "EU"`, `US in the headline, which names "EU"`}},
		{"both sides in the headline", thirdParties,
			Document{Title: "US imposes tariffs on India over Russian oil"}, true, nil},
		{"needs only the groups named", thirdParties,
			Document{Title: "India caught between Washington and Moscow", Summary: "Officials prepare talks."}, true, nil},
		{"every group when needs is left out", everyGroup,
			Document{Title: "India caught between Washington and Moscow", Summary: "Officials prepare talks."}, false,
			[]string{`business in the headline, which names "India"`}},
		{"third party only in the summary", thirdParties,
			Document{Title: "Kremlin rejects US sanctions", Summary: "India keeps buying oil."}, true, nil},
		{"any term still matches alone", thirdParties,
			Document{Title: "India offers to host US-Russia talks"}, true, nil},
		{"case of a case-sensitive third party", thirdParties,
			Document{Title: "Eu, Russia and talks", Summary: "The US sanctions."}, true, nil},
		{"ignored phrase hides a third party", thirdParties,
			Document{Title: "Russian ships in the Indian Ocean", Summary: "US talks on the incident."}, true, nil},
		{"russian cases", thirdParties,
			Document{Title: "Россия и Китай подписали соглашение", Summary: "санкции США не помешают"}, false,
			[]string{`US in the headline, which names "Китай"`}},
		{"headline not searched", bodyOnly,
			Document{Title: "India and Russia sign deal", Summary: "Russia, India, the US and a deal."}, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := checkVerdict(t, tt.rules, tt.doc, tt.matched, tt.missing)
			for _, m := range tt.missing {
				if !strings.Contains(res.Reason, m) {
					t.Errorf("Reason = %q, want it to say %q", res.Reason, m)
				}
			}
			// A third party is no evidence: it is neither scored nor
			// shown as a matched word.
			for _, h := range res.Hits {
				if slices.Contains(tt.rules.Others, h.Term) {
					t.Errorf("hit %+v of a third party", h)
				}
			}
		})
	}
}

func TestOthersScoreNothing(t *testing.T) {
	e := compile(t, thirdParties)
	without := thirdParties
	without.Others, without.OthersNeed = nil, nil
	doc := Document{Title: "Kremlin rejects US sanctions", Summary: "India keeps buying oil, the EU says."}
	a, b := e.Match(doc)[0], compile(t, without).Match(doc)[0]
	if a.Score != b.Score || !slices.Equal(a.Terms, b.Terms) || !slices.Equal(a.Words, b.Words) {
		t.Errorf("with others: score %v terms %q words %q; without: %v %q %q", a.Score, a.Terms, a.Words, b.Score, b.Terms, b.Words)
	}
}

func TestOthersCompileErrors(t *testing.T) {
	tests := []struct {
		name  string
		rules Rules
		want  string
	}{
		{"unknown group", Rules{TopicID: "x", All: []Group{{Name: "a", Terms: []string{"x"}}}, Others: []string{"India"}, OthersNeed: []string{"b"}}, `others: no group "b"`},
		{"no groups", Rules{TopicID: "x", Any: []string{"x"}, Others: []string{"India"}}, `needs "all" groups`},
		{"needs without others", Rules{TopicID: "x", All: []Group{{Name: "a", Terms: []string{"x"}}}, OthersNeed: []string{"a"}}, "no third party"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile([]Rules{tt.rules})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "topic x:") {
				t.Errorf("err = %v, want one naming topic x and %q", err, tt.want)
			}
		})
	}
	_, err := Compile([]Rules{{TopicID: "x", All: []Group{{Name: "a", Terms: []string{"x"}}}, Others: []string{"ok", "ab*c"}}})
	var te *TermError
	if !errors.As(err, &te) || te.Section != SectionOthers || te.Index != 1 {
		t.Errorf("err = %v, want a TermError for others, term 2", err)
	}
}

// partedHeadlines is thirdParties with words that part a third party's
// headline into its dealings with each side in turn.
var partedHeadlines = func() Rules {
	r := thirdParties
	r.OthersApart = []string{"then", "weeks after", "затем", "после визит*"}
	return r
}()

func TestOthersApart(t *testing.T) {
	sinceThen := partedHeadlines
	sinceThen.Ignore = []string{"Indian Ocean", "since then"}
	// parted is what a headline that names other and both sides, parted
	// by word, is missing.
	parted := func(other, word string) []string {
		return []string{fmt.Sprintf("Russia and US in one part of the headline, which names %q and parts them with %q", other, word)}
	}
	tests := []struct {
		name    string
		rules   Rules
		doc     Document
		matched bool
		missing []string // when not matched
	}{
		{"each side in turn", partedHeadlines,
			Document{Title: "India's leader holds talks in Washington, then Moscow"}, false,
			parted("India", "then")},
		{"the other way round, in two words", partedHeadlines,
			Document{Title: "India signs Russian deal weeks after US talks"}, false,
			parted("India", "weeks after")},
		{"russian, with an ending", partedHeadlines,
			Document{Title: "Китай ввёл санкции против России после визита в США"}, false,
			parted("Китай", "после визита")},
		{"one side in three parts", partedHeadlines,
			Document{Title: "India: US deal, then Russian talks, then US tariffs"}, false,
			parted("India", "then")},
		{"both sides in one part", partedHeadlines,
			Document{Title: "India hosts US and Russian talks, then a dinner"}, true, nil},
		{"both sides in the second part", partedHeadlines,
			Document{Title: "India's talks end, then US and Russia sign deal"}, true, nil},
		{"no third party", partedHeadlines,
			Document{Title: "US envoy holds talks in Moscow, then Kyiv"}, true, nil},
		{"third party only in the summary", partedHeadlines,
			Document{Title: "US talks, then Russian deal", Summary: "India watches."}, true, nil},
		{"parting word only in the summary", partedHeadlines,
			Document{Title: "India's leader holds talks in Washington and Moscow", Summary: "He then flies home."}, true, nil},
		{"any term still matches alone", partedHeadlines,
			Document{Title: "India visits Moscow, then hosts US-Russia talks"}, true, nil},
		{"ignored phrase hides a parting word", sinceThen,
			Document{Title: "Moscow has since then sought India deal with US"}, true, nil},
		{"the same without the ignored phrase", partedHeadlines,
			Document{Title: "Moscow has since then sought India deal with US"}, false,
			parted("India", "then")},
		{"no parting words", thirdParties,
			Document{Title: "India's leader holds talks in Washington, then Moscow"}, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := checkVerdict(t, tt.rules, tt.doc, tt.matched, tt.missing)
			// A parting word is no evidence: it is neither scored nor
			// shown as a matched word.
			for _, h := range res.Hits {
				if slices.Contains(tt.rules.OthersApart, h.Term) {
					t.Errorf("hit %+v of a parting word", h)
				}
			}
		})
	}
}

func TestOthersApartScoreNothing(t *testing.T) {
	doc := Document{Title: "India's talks in Washington, then Moscow's deal", Summary: "Then the US and Russia agree."}
	a, b := compile(t, partedHeadlines).Match(doc)[0], compile(t, thirdParties).Match(doc)[0]
	if a.Score != b.Score || !slices.Equal(a.Terms, b.Terms) || !slices.Equal(a.Words, b.Words) {
		t.Errorf("with apart: score %v terms %q words %q; without: %v %q %q", a.Score, a.Terms, a.Words, b.Score, b.Terms, b.Words)
	}
}

func TestOthersApartCompileErrors(t *testing.T) {
	_, err := Compile([]Rules{{TopicID: "x", All: []Group{{Name: "a", Terms: []string{"x"}}}, OthersApart: []string{"then"}}})
	if err == nil || !strings.Contains(err.Error(), "no third party") || !strings.HasPrefix(err.Error(), "topic x:") {
		t.Errorf("err = %v, want one naming topic x and saying no third party is named", err)
	}
	_, err = Compile([]Rules{{TopicID: "x", All: []Group{{Name: "a", Terms: []string{"x"}}}, Others: []string{"India"}, OthersApart: []string{"then", "ab*c"}}})
	var te *TermError
	if !errors.As(err, &te) || te.Section != SectionApart || te.Index != 1 {
		t.Errorf("err = %v, want a TermError for others apart, term 2", err)
	}
}

// pairPhrases is thirdParties with phrases that name the US side at once
// with the Russian one ("the two leaders" in the Kremlin's account of a
// call), and names beside the third parties that void them.
var pairPhrases = func() Rules {
	r := thirdParties
	r.Both = []string{"two leaders", "двух лидеров"}
	r.BothGroups = []string{"US"}
	r.BothUnless = []string{"Erdogan"}
	return r
}()

func TestBoth(t *testing.T) {
	bothSides := pairPhrases
	bothSides.BothGroups = []string{"Russia", "US"}
	inGroupToo := pairPhrases
	inGroupToo.All = slices.Clone(pairPhrases.All)
	inGroupToo.All[2].Terms = append(slices.Clone(inGroupToo.All[2].Terms), "two leaders")
	near := pairPhrases
	near.Near = 5
	tests := []struct {
		name    string
		rules   Rules
		doc     Document
		matched bool
		missing []string // when not matched
		words   []string // when matched
	}{
		{"the phrase names the other side", pairPhrases,
			Document{Title: "The two leaders held talks, Kremlin says"}, true, nil,
			[]string{"two leaders", "talks", "Kremlin"}},
		{"russian", pairPhrases,
			Document{Title: "Россия: разговор двух лидеров о санкциях"}, true, nil,
			[]string{"Россия", "двух лидеров", "санкциях"}},
		{"only the groups it names", pairPhrases,
			Document{Title: "The two leaders held talks", Summary: "They spoke for an hour."}, false,
			[]string{"Russia"}, nil},
		{"every group it is given", bothSides,
			Document{Title: "The two leaders held talks", Summary: "They spoke for an hour."}, true, nil,
			[]string{"two leaders", "talks"}},
		{"a third party anywhere voids it", pairPhrases,
			Document{Title: "The two leaders held talks, Kremlin says", Summary: "They signed a deal with India."}, false,
			[]string{"US"}, nil},
		{"a name of its own voids it", pairPhrases,
			Document{Title: "Kremlin: the two leaders held talks", Summary: "Erdogan spoke of a gas hub."}, false,
			[]string{"US"}, nil},
		{"an ignored third party does not", pairPhrases,
			Document{Title: "The two leaders held talks, Kremlin says", Summary: "Ships in the Indian Ocean."}, true, nil,
			[]string{"two leaders", "talks", "Kremlin"}},
		{"the same phrase in a group is still that group's", inGroupToo,
			Document{Title: "The two leaders spoke, Kremlin says", Summary: "India was not discussed."}, false,
			[]string{"US"}, nil},
		{"counts within near like the groups' terms", near,
			Document{Title: "Kremlin: the two leaders held talks"}, true, nil,
			[]string{"Kremlin", "two leaders", "talks"}},
		{"and must be near them", near,
			Document{Title: "The two leaders", Summary: "one two three four five six seven talks in the Kremlin"}, false,
			[]string{"all groups within 5 words"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := checkVerdict(t, tt.rules, tt.doc, tt.matched, tt.missing)
			// One occurrence is one hit and one word, however many
			// groups it names.
			if tt.matched && !slices.Equal(res.Words, tt.words) {
				t.Errorf("Words = %q, want %q", res.Words, tt.words)
			}
			if len(res.Hits) != len(res.Words) && tt.matched {
				t.Errorf("Hits = %+v, want one per word %q", res.Hits, res.Words)
			}
		})
	}
}

// TestBothExplained: a miss says which phrase a third party voided, and
// the phrase scores once, as one term, when it counts.
func TestBothExplained(t *testing.T) {
	e := compile(t, pairPhrases)
	res := e.Match(Document{Title: "Kremlin: the two leaders held talks", Summary: "The EU was not told."})[0]
	if res.Matched || !strings.Contains(res.Reason, `"two leaders" names no side in an item that names "EU"`) {
		t.Errorf("Reason = %q, want the voided phrase and the third party", res.Reason)
	}
	bothSides := pairPhrases
	bothSides.BothGroups = []string{"Russia", "US"}
	res = compile(t, bothSides).Match(Document{Title: "The two leaders held talks"})[0]
	if !res.Matched || res.Score != 4 || !slices.Equal(res.Terms, []string{"two leaders", "talks"}) {
		t.Errorf("score %v terms %q (%s); want 4 for two terms in the headline", res.Score, res.Terms, res.Reason)
	}
}

func TestBothCompileErrors(t *testing.T) {
	groups := []Group{{Name: "a", Terms: []string{"x"}}, {Name: "b", Terms: []string{"y"}}}
	tests := []struct {
		name  string
		rules Rules
		want  string
	}{
		{"unknown group", Rules{TopicID: "x", All: groups, Both: []string{"two"}, BothGroups: []string{"c"}}, `both: no group "c"`},
		{"no groups", Rules{TopicID: "x", All: groups, Both: []string{"two"}}, "both: needs the groups"},
		{"groups without phrases", Rules{TopicID: "x", All: groups, BothGroups: []string{"a"}}, "both: no phrases"},
		{"unless without phrases", Rules{TopicID: "x", All: groups, BothUnless: []string{"z"}}, "both: no phrases"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile([]Rules{tt.rules})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "topic x:") {
				t.Errorf("err = %v, want one naming topic x and %q", err, tt.want)
			}
		})
	}
	_, err := Compile([]Rules{{TopicID: "x", All: groups, Both: []string{"two"}, BothGroups: []string{"a"}, BothUnless: []string{"ok", "ab*c"}}})
	var te *TermError
	if !errors.As(err, &te) || te.Section != SectionUnless || te.Index != 1 {
		t.Errorf("err = %v, want a TermError for both unless, term 2", err)
	}
}

// checkVerdict matches doc with rules alone and checks that it is matched
// as want says, and, when it is not, what the result says is missing.
func checkVerdict(t *testing.T, rules Rules, doc Document, want bool, missing []string) Result {
	t.Helper()
	res := compile(t, rules).Match(doc)[0]
	if res.Matched != want {
		t.Fatalf("Matched = %v, want %v (%s)", res.Matched, want, res.Reason)
	}
	if !want && !slices.Equal(res.Missing, missing) {
		t.Errorf("Missing = %q, want %q (%s)", res.Missing, missing, res.Reason)
	}
	return res
}
