package suggest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/feedwatch/feedwatch/internal/match"
	"github.com/feedwatch/feedwatch/internal/topic"
)

func item(id string, relevant bool, title string) Item {
	return Item{ID: id, Title: title, Doc: match.Document{Title: title}, Relevant: relevant}
}

// twoSides is a small topic of the shipped topic's shape.
var twoSides = match.Rules{
	TopicID: "t",
	All: []match.Group{
		{Name: "Russian side", Terms: []string{"Russia", "Russian", "Kremlin", "Moscow"}},
		{Name: "American side", Terms: []string{"=US", "Washington", "White House"}},
	},
	Not: []string{"Moscow Idaho"},
}

func TestSuggest(t *testing.T) {
	tests := []struct {
		name     string
		rules    match.Rules
		labelled []Item
		recent   []Item
		want     topic.Change // must be the first suggestion
		fixes    []string
	}{{
		name:  "a missing synonym",
		rules: twoSides,
		labelled: []Item{
			item("m1", true, "Pentagon and Kremlin set up a new military hotline"),
			item("m2", true, "Kremlin rejects Pentagon report on satellite manoeuvres"),
			item("m3", true, "Moscow summons envoy after Pentagon drone flight"),
			item("p1", true, "Kremlin says Washington must drop sanctions"),
			item("p2", true, "White House warns Moscow over missile test"),
			item("n1", false, "Kremlin hosts Chinese leader for talks"),
			item("n2", false, "Pentagon budget hearing runs late in the Senate"),
			item("n3", false, "Moscow marathon draws record crowd"),
		},
		want:  topic.Change{Section: topic.SectionAll, Group: "American side", Term: "Pentagon"},
		fixes: []string{"m1", "m2", "m3"},
	}, {
		name: "a Russian synonym in several forms",
		labelled: []Item{
			item("m1", true, "Госдепартамент и Кремль обсудили обмен заключенными"),
			item("m2", true, "Москва ответила Госдепартаменту на заявление о санкциях"),
			item("m3", true, "Кремль: Госдепартамент затягивает выдачу виз дипломатам"),
			item("p1", true, "Kremlin says Washington must drop sanctions"),
			item("n1", false, "Кремль принял делегацию Китая"),
		},
		rules: match.Rules{TopicID: "t", All: []match.Group{
			{Name: "Russian side", Terms: []string{"Кремл*", "Москв*", "Kremlin"}},
			{Name: "American side", Terms: []string{"Washington"}},
		}},
		want:  topic.Change{Section: topic.SectionAll, Group: "American side", Term: "госдепартамент*"},
		fixes: []string{"m1", "m2", "m3"},
	}, {
		name:  "a trap phrase",
		rules: twoSides,
		labelled: []Item{
			item("f1", false, "Washington fans play Russian roulette with the playoffs"),
			item("f2", false, "Russian roulette: Washington's budget gamble"),
			item("f3", false, "Washington senators call the vote Russian roulette"),
			item("p1", true, "Russian diplomats ordered to leave Washington"),
			item("p2", true, "Washington and Russian envoys meet in Riyadh"),
			item("n1", false, "Moscow, Idaho students return to campus"),
		},
		want:  topic.Change{Section: topic.SectionIgnore, Term: "Russian roulette"},
		fixes: []string{"f1", "f2", "f3"},
	}, {
		name: "groups too far apart",
		rules: func() match.Rules {
			r := twoSides
			r.Near = 5
			return r
		}(),
		labelled: []Item{
			item("m1", true, "Kremlin, in a long statement on Thursday about the talks, criticised Washington"),
			item("m2", true, "Russia said on Friday after a long meeting of officials that the US had agreed"),
			item("p1", true, "Kremlin criticises Washington"),
			item("n1", false, "Kremlin hosts Chinese leader for talks"),
		},
		want:  topic.Change{Section: topic.SectionNear, Value: 15}, // the least change that fixes both
		fixes: []string{"m1", "m2"},
	}, {
		name: "too weak a score",
		rules: match.Rules{TopicID: "t", Any: []string{"sanctions", "embassy", "Kremlin"},
			Weights: map[string]float64{"title": 2, "summary": 1}, MinScore: 2},
		labelled: []Item{
			{ID: "m1", Relevant: true, Doc: match.Document{Title: "Diplomats leave", Summary: "The embassy closes."}},
			{ID: "m2", Relevant: true, Doc: match.Document{Title: "New measures", Summary: "More sanctions announced."}},
			item("p1", true, "Kremlin answers"),
			{ID: "n1", Relevant: false, Doc: match.Document{Title: "Holiday", Summary: "Nothing here."}},
		},
		want:  topic.Change{Section: topic.SectionMinScore, Value: 1},
		fixes: []string{"m1", "m2"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Suggest(tt.rules, tt.labelled, tt.recent, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 {
				t.Fatal("no suggestions")
			}
			for _, s := range got {
				t.Logf("%s: fixes %d breaks %d F1 %.3f -> %.3f (%s)", s.Change, len(s.Fixes), len(s.Breaks), s.Before.F1, s.After.F1, s.Why)
			}
			if got[0].Change != tt.want {
				t.Fatalf("first suggestion %s, want %s", got[0].Change, tt.want)
			}
			var fixed []string
			for _, it := range got[0].Fixes {
				fixed = append(fixed, it.ID)
			}
			if strings.Join(fixed, ",") != strings.Join(tt.fixes, ",") || len(got[0].Breaks) != 0 {
				t.Errorf("fixes %v breaks %d, want %v and none", fixed, len(got[0].Breaks), tt.fixes)
			}
			if got[0].After.F1 <= got[0].Before.F1 {
				t.Errorf("F1 %.3f -> %.3f", got[0].Before.F1, got[0].After.F1)
			}
			// Every suggestion keeps the other figure and can be written
			// into a file.
			for _, s := range got {
				if s.After.F1 <= s.Before.F1 {
					t.Errorf("%s lowers F1", s.Change)
				}
				if _, err := match.Compile([]match.Rules{s.Change.Apply(tt.rules)}); err != nil {
					t.Errorf("%s does not compile: %v", s.Change, err)
				}
			}
		})
	}
}

// TestSuggestShowsRecentItems: a suggestion says which stored items of the
// last days would start or stop matching.
func TestSuggestShowsRecentItems(t *testing.T) {
	labelled := []Item{
		item("m1", true, "Pentagon and Kremlin set up a hotline"),
		item("m2", true, "Kremlin rejects Pentagon report"),
		item("n1", false, "Kremlin hosts Chinese leader"),
	}
	recent := []Item{
		item("r1", false, "Pentagon officials meet Russian counterparts"),
		item("r2", false, "Pentagon budget passes"),
		item("r3", false, "Washington and Moscow agree on talks"),
	}
	got, err := Suggest(twoSides, labelled, recent, Options{})
	if err != nil || len(got) == 0 {
		t.Fatalf("%v, %v", got, err)
	}
	s := got[0]
	if s.Change.Term != "Pentagon" || len(s.Newly) != 1 || s.Newly[0].ID != "r1" || len(s.Lost) != 0 {
		t.Errorf("%s: newly %v, lost %v", s.Change, s.Newly, s.Lost)
	}
}

func TestSuggestNothingWhenRight(t *testing.T) {
	got, err := Suggest(twoSides, []Item{item("p1", true, "Kremlin and Washington talk"), item("n1", false, "Weather")}, nil, Options{})
	if err != nil || len(got) != 0 {
		t.Errorf("suggestions for perfect rules: %v, %v", got, err)
	}
}

func TestMeasure(t *testing.T) {
	f, err := Measure(twoSides, []Item{
		item("tp", true, "Kremlin and Washington talk"),
		item("fn", true, "Pentagon and Kremlin talk"),
		item("fp", false, "Russian roulette in Washington"),
		item("tn", false, "Weather"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if f.TP != 1 || f.FP != 1 || f.FN != 1 || f.TN != 1 || fmt.Sprintf("%.2f %.2f %.2f", f.Precision, f.Recall, f.F1) != "0.50 0.50 0.50" {
		t.Errorf("figures = %+v", f)
	}
}

// TestSuggestAnyOnlyTopic: a topic without groups gets terms for any.
func TestSuggestAnyOnlyTopic(t *testing.T) {
	rules := match.Rules{TopicID: "go", Any: []string{"golang"}}
	got, err := Suggest(rules, []Item{
		item("m1", true, "The Go toolchain caches test results"),
		item("m2", true, "Go toolchain 1.30 speeds up builds"),
		item("p1", true, "golang generics explained"),
		item("n1", false, "Go board game champion crowned"),
	}, nil, Options{})
	if err != nil || len(got) == 0 {
		t.Fatalf("%v, %v", got, err)
	}
	if want := (topic.Change{Section: topic.SectionAny, Term: "toolchain"}); got[0].Change != want {
		t.Errorf("first = %s, want %s", got[0].Change, want)
	}
}
