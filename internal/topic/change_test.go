package topic

import (
	"strings"
	"testing"
)

const changeBase = `topics:
  - id: a
    name: A
    rules:
      any: [golang]
  - id: t
    name: T   # the one edited
    rules:
      near: 50   # words
      all:
        Russian side:
          - Kremlin
          - Moscow
        # a comment between groups
        American side:
          - =US
      ignore:
        - Washington Post
`

func TestApplyText(t *testing.T) {
	tests := []struct {
		name   string
		topic  string
		change Change
		want   string // the changed lines, as they must appear
	}{
		{"term into a group", "t", Change{Section: SectionAll, Group: "American side", Term: "Congress"},
			"          - =US\n          - Congress\n      ignore:"},
		{"term into the first group", "t", Change{Section: SectionAll, Group: "Russian side", Term: "Кремл*"},
			"          - Moscow\n          - Кремл*\n        # a comment"},
		{"ignore phrase", "t", Change{Section: SectionIgnore, Term: "Russian roulette"},
			"        - Washington Post\n        - Russian roulette\n"},
		{"new not list", "t", Change{Section: SectionNot, Term: "Moscow Idaho"},
			"        - Washington Post\n      not:\n        - Moscow Idaho\n"},
		{"a term YAML would misread is quoted", "t", Change{Section: SectionNot, Term: "Idaho: Moscow"},
			"      not:\n        - 'Idaho: Moscow'\n"},
		{"flow list", "a", Change{Section: SectionAny, Term: "go language"},
			"      any: [golang, go language]\n"},
		{"near in place, comment kept", "t", Change{Section: SectionNear, Value: 80},
			"      near: 80   # words\n"},
		{"near removed", "t", Change{Section: SectionNear, Value: 0}, "      near: 0   # words\n"},
		{"new min_score", "t", Change{Section: SectionMinScore, Value: 2.5},
			"        - Washington Post\n      min_score: 2.5\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ApplyText(changeBase, tt.topic, tt.change)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("%s: text lacks %q:\n%s", tt.change, tt.want, got)
			}
			// Only lines were added or one changed; the rest is untouched.
			if d := len(strings.Split(got, "\n")) - len(strings.Split(changeBase, "\n")); d < 0 || d > 2 {
				t.Errorf("%d lines added", d)
			}
			set, err := Parse(strings.NewReader(got), "x")
			if err != nil {
				t.Fatal(err)
			}
			tp, _ := set.Topic(tt.topic)
			want := tt.change.Apply(mustTopic(t, changeBase, tt.topic).Rules)
			if tp.Rules.Near != want.Near || tp.Rules.MinScore != want.MinScore || len(tp.Rules.Not) != len(want.Not) ||
				len(tp.Rules.Ignore) != len(want.Ignore) || len(tp.Rules.Any) != len(want.Any) {
				t.Errorf("parsed rules %+v, want %+v", tp.Rules, want)
			}
		})
	}
}

func TestApplyTextRefuses(t *testing.T) {
	for _, c := range []struct {
		topic  string
		change Change
		want   string
	}{
		{"t", Change{Section: SectionAll, Group: "Chinese side", Term: "Beijing"}, `no group "Chinese side"`},
		{"nope", Change{Section: SectionNot, Term: "x"}, `no topic "nope"`},
		{"t", Change{Section: SectionAll, Group: "Russian side", Term: "Kremlin"}, "repeats"},
		{"t", Change{Section: SectionNot, Term: "Moscow"}, "can never match"},
	} {
		if _, err := ApplyText(changeBase, c.topic, c.change); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.change, err, c.want)
		}
	}
}

func mustTopic(t *testing.T, text, id string) Topic {
	t.Helper()
	set, err := Parse(strings.NewReader(text), "x")
	if err != nil {
		t.Fatal(err)
	}
	tp, ok := set.Topic(id)
	if !ok {
		t.Fatalf("no topic %s", id)
	}
	return tp
}
