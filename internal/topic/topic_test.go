package topic

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/feedwatch/feedwatch/internal/match"
)

const valid = `# a comment
topics:
  - id: us-russia
    name: US–Russia relations
    description: >
      Diplomacy between the two.
    digest:
      schedule: "CRON_TZ=UTC 30 6 * * 1-5"
      lookback: 7d
      max_items: 20
      empty: note
    rules:
      fields: {title: 3, summary: 1}
      near: 10
      min_score: 2
      any: [New START]
      all:
        Russia: [Russia, Kremlin, Росси*]
        US: [=US, Washington]
      not: [Moscow Idaho]
      ignore: [Washington Post]
      others:
        needs: [US]
        terms: [India, Китай]
        apart: [then, затем]
      both:
        groups: [US]
        terms: [the two leaders]
        unless: [Erdogan]
    aliases:
      - Эр-Рияд = Riyadh
      - Северный поток = Nord Stream
  - id: energy
    name: Energy
    rules:
      any: [oil price*]
`

func TestParseValid(t *testing.T) {
	s, err := Parse(strings.NewReader(valid), "topics.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ts := s.Topics()
	if len(ts) != 2 || ts[0].ID != "us-russia" || ts[1].ID != "energy" {
		t.Fatalf("topics = %+v", ts)
	}
	us := ts[0]
	if us.Description != "Diplomacy between the two." || us.Line != 3 {
		t.Errorf("description %q line %d", us.Description, us.Line)
	}
	wantDigest := Digest{Schedule: "CRON_TZ=UTC 30 6 * * 1-5", Lookback: 7 * 24 * time.Hour, MaxItems: 20, Empty: EmptyNote}
	if us.Digest != wantDigest {
		t.Errorf("digest = %+v, want %+v", us.Digest, wantDigest)
	}
	if got := ts[1].Digest; got != (Digest{Schedule: DefaultSchedule, Lookback: DefaultLookback, MaxItems: DefaultMaxItems, Empty: EmptySkip}) {
		t.Errorf("default digest = %+v", got)
	}
	if us.Rules.Near != 10 || us.Rules.MinScore != 2 || us.Rules.Weights["title"] != 3 || len(us.Rules.All) != 2 || us.Rules.All[1].Name != "US" {
		t.Errorf("rules = %+v", us.Rules)
	}
	if !reflect.DeepEqual(us.Rules.Others, []string{"India", "Китай"}) || !reflect.DeepEqual(us.Rules.OthersNeed, []string{"US"}) || !reflect.DeepEqual(us.Rules.OthersApart, []string{"then", "затем"}) {
		t.Errorf("others = %q, needs %q, apart %q", us.Rules.Others, us.Rules.OthersNeed, us.Rules.OthersApart)
	}
	if !reflect.DeepEqual(us.Rules.Both, []string{"the two leaders"}) || !reflect.DeepEqual(us.Rules.BothGroups, []string{"US"}) || !reflect.DeepEqual(us.Rules.BothUnless, []string{"Erdogan"}) {
		t.Errorf("both = %q, groups %q, unless %q", us.Rules.Both, us.Rules.BothGroups, us.Rules.BothUnless)
	}
	wantAliases := [][]string{{"Эр-Рияд", "Riyadh"}, {"Северный поток", "Nord Stream"}}
	if !reflect.DeepEqual(us.Aliases, wantAliases) {
		t.Errorf("aliases = %q, want %q", us.Aliases, wantAliases)
	}
	if ts[1].Aliases != nil {
		t.Errorf("energy aliases = %q, want none", ts[1].Aliases)
	}
	if _, ok := s.Topic("energy"); !ok {
		t.Error("Topic(energy) not found")
	}
	if _, ok := s.Topic("nope"); ok {
		t.Error("Topic(nope) found")
	}

	res := s.Match(match.Document{Title: "Kremlin answers Washington", Summary: "Markets were calm."})
	if len(res) != 2 || !res[0].Matched || res[0].TopicID != "us-russia" || res[1].Matched {
		t.Errorf("Match = %+v", res)
	}
	// A headline about a third party needs the US in it too.
	if r, _ := s.MatchTopic("us-russia", match.Document{Title: "India and Russia sign deal", Summary: "Washington objects."}); r.Matched {
		t.Errorf("third party's headline matched: %s", r.Reason)
	}
	if r, _ := s.MatchTopic("us-russia", match.Document{Title: "India and Russia sign deal over Washington's objections"}); !r.Matched {
		t.Errorf("headline with both sides not matched: %s", r.Reason)
	}
	// "The two leaders" are the US side in the Kremlin's words, unless
	// another leader or a third party is named.
	if r, _ := s.MatchTopic("us-russia", match.Document{Title: "Kremlin: the two leaders spoke"}); !r.Matched {
		t.Errorf("the two leaders not matched: %s", r.Reason)
	}
	if r, _ := s.MatchTopic("us-russia", match.Document{Title: "Kremlin: the two leaders spoke", Summary: "Erdogan called it useful."}); r.Matched {
		t.Errorf("the two leaders matched beside Erdogan: %s", r.Reason)
	}
	r, err := s.MatchTopic("energy", match.Document{Title: "Oil prices fall"})
	if err != nil || !r.Matched {
		t.Errorf("MatchTopic(energy) = %+v, %v", r, err)
	}
	if _, err := s.MatchTopic("nope", match.Document{}); !errors.Is(err, ErrUnknownTopic) {
		t.Errorf("MatchTopic(nope) err = %v, want ErrUnknownTopic", err)
	}
}

// Each case is a broken file and the line and words its error must name,
// because the editor fixing it sees nothing else.
func TestParseErrors(t *testing.T) {
	const head = "topics:\n  - id: t\n    name: T\n    rules:\n"
	tests := []struct {
		name, yaml string
		line       int
		want       string
	}{
		{"syntax", "topics:\n  - id: [\n", 2, "did not find"},
		{"empty file", "", 1, "empty"},
		{"not topics", "feeds: []\n", 1, `unknown key "feeds"`},
		{"unknown topic key", "topics:\n  - id: t\n    name: T\n    colour: red\n    rules: {any: [x]}\n", 4, `unknown key "colour"`},
		{"unknown rules key", head + "      any: [x]\n      exclude: [y]\n", 6, `topic "t": rules: unknown key "exclude"`},
		{"unknown digest key", "topics:\n  - id: t\n    name: T\n    digest:\n      when: daily\n    rules: {any: [x]}\n", 5, `unknown key "when"`},
		{"missing id", "topics:\n  - name: T\n    rules: {any: [x]}\n", 2, `missing key "id"`},
		{"bad id", "topics:\n  - id: US Russia\n    name: T\n    rules: {any: [x]}\n", 2, "lower-case"},
		{"missing name", "topics:\n  - id: t\n    rules: {any: [x]}\n", 2, `missing key "name"`},
		{"missing rules", "topics:\n  - id: t\n    name: T\n", 2, `missing key "rules"`},
		{"duplicate id", "topics:\n  - id: t\n    name: T\n    rules: {any: [x]}\n  - id: t\n    name: U\n    rules: {any: [y]}\n", 5, `duplicate id (first used on line 2)`},
		{"nothing to match", head + "      not: [x]\n", 5, "needs \"any\" terms or \"all\" groups"},
		{"empty group", head + "      all:\n        Russia: [Russia]\n        US: []\n", 7, `group "US": is empty`},
		{"group not a list", head + "      all:\n        Russia: Russia\n", 6, `expected a list of terms`},
		{"bad term", head + "      any:\n        - Russia\n        - ab*cd\n", 7, `"*" is only allowed at the end of a word`},
		{"term without letters", head + "      all:\n        g:\n          - \"--\"\n", 7, "can never match"},
		{"short prefix", head + "      any: [ok, \"us*\"]\n", 5, "shorter than 3"},
		{"vetoed term", head + "      any:\n        - Moscow Idaho police\n      not:\n        - Moscow Idaho\n", 6, `"Moscow Idaho police" can never match`},
		{"ignored term", head + "      any: [x]\n      all:\n        g:\n          - Washington Post\n      ignore: [washington post]\n", 8, "also in ignore"},
		{"repeated term", head + "      any:\n        - Kremlin\n        - kremlin\n", 7, "repeats the term on line 6"},
		{"redundant term", head + "      all:\n        g:\n          - visit*\n          - vis*\n", 7, `term "visit*" adds nothing: "vis*" on line 8`},
		{"near needs groups", head + "      any: [x]\n      near: 5\n", 6, "at least two"},
		{"near not whole", head + "      all: {a: [x], b: [y]}\n      near: 2.5\n", 6, "whole number"},
		{"negative score", head + "      any: [x]\n      min_score: -1\n", 6, "negative"},
		{"unknown field", head + "      any: [x]\n      fields: {body: 1}\n", 6, `unknown key "body"`},
		{"all fields zero", head + "      any: [x]\n      fields: {title: 0}\n", 6, "above 0"},
		{"others not a mapping", head + "      all: {a: [x], b: [y]}\n      others: [India]\n", 6, `others: expected a mapping`},
		{"others unknown key", head + "      all: {a: [x], b: [y]}\n      others:\n        terms: [India]\n        need: [a]\n", 8, `others: unknown key "need" (allowed: terms, needs, apart)`},
		{"others without terms", head + "      all: {a: [x], b: [y]}\n      others:\n        needs: [a]\n", 7, `others: missing key "terms"`},
		{"others without groups", head + "      any: [x]\n      others:\n        terms: [India]\n", 7, `others: needs "all" groups`},
		{"others empty terms", head + "      all: {a: [x], b: [y]}\n      others:\n        terms: []\n", 7, `others: is empty`},
		{"others bad term", head + "      all: {a: [x], b: [y]}\n      others:\n        terms:\n          - India\n          - ab*cd\n", 9, `others: invalid term "ab*cd": "*" is only allowed at the end of a word`},
		{"others repeated term", head + "      all: {a: [x], b: [y]}\n      others:\n        terms:\n          - India\n          - india\n", 9, "repeats the term on line 8"},
		{"others apart not a list", head + "      all: {a: [x], b: [y]}\n      others:\n        terms: [India]\n        apart: then\n", 8, `others: apart: expected a list of terms`},
		{"others apart bad term", head + "      all: {a: [x], b: [y]}\n      others:\n        terms: [India]\n        apart:\n          - then\n          - ab*cd\n", 10, `others: apart: invalid term "ab*cd"`},
		{"others apart repeated term", head + "      all: {a: [x], b: [y]}\n      others:\n        terms: [India]\n        apart:\n          - then\n          - Then\n", 10, "repeats the term on line 9"},
		{"others needs not a list", head + "      all: {a: [x], b: [y]}\n      others:\n        terms: [India]\n        needs: a\n", 8, `needs: expected a list of "all" group names`},
		{"others needs unknown group", head + "      all: {a: [x], b: [y]}\n      others:\n        terms: [India]\n        needs:\n          - a\n          - c\n", 10, `needs: no group "c" (the groups are "a", "b")`},
		{"others needs group twice", head + "      all: {a: [x], b: [y]}\n      others:\n        terms: [India]\n        needs: [a, a]\n", 8, `group "a" is given twice`},
		{"both not a mapping", head + "      all: {a: [x], b: [y]}\n      both: [two leaders]\n", 6, `both: expected a mapping`},
		{"both unknown key", head + "      all: {a: [x], b: [y]}\n      both:\n        groups: [a]\n        terms: [two]\n        needs: [a]\n", 9, `both: unknown key "needs" (allowed: groups, terms, unless)`},
		{"both without terms", head + "      all: {a: [x], b: [y]}\n      both:\n        groups: [a]\n", 7, `both: missing key "terms"`},
		{"both without groups", head + "      all: {a: [x], b: [y]}\n      both:\n        terms: [two]\n", 7, `both: missing key "groups"`},
		{"both unknown group", head + "      all: {a: [x], b: [y]}\n      both:\n        groups: [c]\n        terms: [two]\n", 7, `both: groups: no group "c" (the groups are "a", "b")`},
		{"both empty terms", head + "      all: {a: [x], b: [y]}\n      both:\n        groups: [a]\n        terms: []\n", 8, `both: is empty`},
		{"both bad unless", head + "      all: {a: [x], b: [y]}\n      both:\n        groups: [a]\n        terms: [two]\n        unless:\n          - ab*cd\n", 10, `both: unless: invalid term "ab*cd"`},
		{"both vetoed term", head + "      all: {a: [x], b: [y]}\n      both:\n        groups: [a]\n        terms:\n          - x\n          - two leaders\n      not: [two]\n", 10, `both: term "two leaders" can never match`},
		{"bad schedule", "topics:\n  - id: t\n    name: T\n    digest: {schedule: \"every day\"}\n    rules: {any: [x]}\n", 4, "5 cron fields"},
		{"bad time zone", "topics:\n  - id: t\n    name: T\n    digest: {schedule: \"CRON_TZ=Mars/Olympus 0 7 * * *\"}\n    rules: {any: [x]}\n", 4, "unknown time zone"},
		{"bad lookback", "topics:\n  - id: t\n    name: T\n    digest: {lookback: soon}\n    rules: {any: [x]}\n", 4, "lookback"},
		{"bad max_items", "topics:\n  - id: t\n    name: T\n    digest: {max_items: 0}\n    rules: {any: [x]}\n", 4, "above 0"},
		{"bad empty", "topics:\n  - id: t\n    name: T\n    digest: {empty: drop}\n    rules: {any: [x]}\n", 4, `"skip"`},
		{"aliases not a list", "topics:\n  - id: t\n    name: T\n    rules: {any: [x]}\n    aliases: Riyadh\n", 5, `topic "t": aliases: expected a list`},
		{"alias of one name", "topics:\n  - id: t\n    name: T\n    rules: {any: [x]}\n    aliases:\n      - Riyadh\n", 6, "needs two or more names"},
		{"alias without spaces", "topics:\n  - id: t\n    name: T\n    rules: {any: [x]}\n    aliases:\n      - Эр-Рияд=Riyadh\n", 6, "a space on each side"},
		{"alias empty name", "topics:\n  - id: t\n    name: T\n    rules: {any: [x]}\n    aliases:\n      - Riyadh =  = Эр-Рияд\n", 6, "empty"},
		{"alias name twice", "topics:\n  - id: t\n    name: T\n    rules: {any: [x]}\n    aliases:\n      - Riyadh = riyadh\n", 6, `name "riyadh" is given twice`},
		{"alias in two lines", "topics:\n  - id: t\n    name: T\n    rules: {any: [x]}\n    aliases:\n      - Эр-Рияд = Riyadh\n      - Riyadh = Ar-Riyad\n", 7, "already in the line on line 6"},
		{"alias not text", "topics:\n  - id: t\n    name: T\n    rules: {any: [x]}\n    aliases:\n      - [Riyadh, Эр-Рияд]\n", 6, "expected a single value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.yaml), "topics.yaml")
			if err == nil {
				t.Fatal("no error")
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *topic.Error", err)
			}
			if pe.Line != tt.line || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want line %d and %q", err, tt.line, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "topics.yaml:") {
				t.Errorf("error %q does not start with the file name", err)
			}
		})
	}
}

func TestLoadNamesFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "topics.yaml")
	if err := os.WriteFile(path, []byte("topics:\n  - id: t\n    name: T\n    rules:\n      any: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if err == nil || !strings.HasPrefix(err.Error(), path+":5: ") {
		t.Fatalf("Load error = %v, want it to start with %s:5:", err, path)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Load(missing) = %v, want os.ErrNotExist", err)
	}
}

func TestReadLabelled(t *testing.T) {
	in := `{"id": "a", "title": "T", "summary": "S", "relevant": true, "why": "w", "lang": "en"}

# comment
{"id": "b", "title": "U", "relevant": false}
`
	items, err := ReadLabelled(strings.NewReader(in), "l.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || !items[0].Relevant || items[0].Why != "w" || items[1].Relevant || items[1].Title != "U" {
		t.Fatalf("items = %+v", items)
	}
	bad := []struct{ in, want string }{
		{`{"id": "a", "relevant": true}` + "\n" + `{"id": "b"`, "l.jsonl:2: "},
		{`{"title": "x", "relevant": true}`, `l.jsonl:1: missing "id"`},
		{"\n" + `{"id": "a"}`, `l.jsonl:2: item a: missing "relevant"`},
		{`{"id": "a", "relevant": true}` + "\n" + `{"id": "a", "relevant": false}`, "l.jsonl:2: item a: duplicate id"},
		{`{"id": "a", "relevant": "yes"}`, "l.jsonl:1: "},
	}
	for _, b := range bad {
		if _, err := ReadLabelled(strings.NewReader(b.in), "l.jsonl"); err == nil || !strings.HasPrefix(err.Error(), b.want) {
			t.Errorf("ReadLabelled(%q) = %v, want prefix %q", b.in, err, b.want)
		}
	}
}

func TestEvaluate(t *testing.T) {
	s, err := Parse(strings.NewReader(valid), "topics.yaml")
	if err != nil {
		t.Fatal(err)
	}
	items := []Labelled{
		{ID: "tp", Title: "Kremlin warns Washington", Relevant: true},
		{ID: "fp", Title: "Kremlin fan visits Washington", Relevant: false, Why: "tourism"},
		{ID: "fn", Title: "Lavrov calls Rubio", Relevant: true, Why: "ministers"},
		{ID: "tn", Title: "Moscow, Idaho and Russia and US", Relevant: false},
	}
	rep, err := Evaluate(s, "us-russia", items)
	if err != nil {
		t.Fatal(err)
	}
	if rep.TP != 1 || rep.FP != 1 || rep.FN != 1 || rep.TN != 1 || rep.Precision != 0.5 || rep.Recall != 0.5 || rep.F1 != 0.5 {
		t.Fatalf("report = %+v", rep)
	}
	var b strings.Builder
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"precision 0.500", "False positives (1)", "fp  Kremlin fan visits Washington", "label: tourism", "False negatives (1)", "fn  Lavrov calls Rubio", "missing Russia, US"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if _, err := Evaluate(s, "nope", items); !errors.Is(err, ErrUnknownTopic) {
		t.Errorf("Evaluate(nope) err = %v", err)
	}
	empty, _ := Evaluate(s, "us-russia", nil)
	if empty.Precision != 0 || empty.Recall != 0 || empty.F1 != 0 {
		t.Errorf("empty report = %+v, want zeros rather than NaN", empty)
	}
}

// FuzzCompile feeds arbitrary files to the rules parser: it must never
// panic, every error must name the file and a line, and whatever it
// accepts must be usable by the matcher.
func FuzzCompile(f *testing.F) {
	f.Add(valid)
	f.Fuzz(func(t *testing.T, src string) {
		s, err := Parse(strings.NewReader(src), "f.yaml")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.yaml:") {
				t.Fatalf("error without file name: %v", err)
			}
			return
		}
		topics := s.Topics()
		if len(topics) == 0 {
			t.Fatal("accepted a file with no topics")
		}
		res := s.Match(match.Document{Title: src, Summary: "Kremlin Washington US Россия"})
		if len(res) != len(topics) {
			t.Fatalf("%d results for %d topics", len(res), len(topics))
		}
	})
}

// BenchmarkParseShipped reads the shipped topics file, as every command
// and every dispatch of the daemon does.
func BenchmarkParseShipped(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("..", "..", "config", "topics.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(bytes.NewReader(data), "topics.yaml"); err != nil {
			b.Fatal(err)
		}
	}
}
