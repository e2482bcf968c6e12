package story

import (
	"path/filepath"
	"testing"

	"github.com/feedwatch/feedwatch/internal/topic"
)

// The shipped topic's aliases reach grouping: each line's names become one
// name, and a line that repeats a built-in name joins the built-in group.
func TestShippedAliases(t *testing.T) {
	set, err := topic.Load(filepath.Join("..", "..", "config", "topics.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tp, ok := set.Topic("us-russia")
	if !ok || len(tp.Aliases) == 0 {
		t.Fatalf("us-russia has no aliases: %+v", tp.Aliases)
	}
	g := New(Options{Aliases: tp.Aliases})
	same := func(a, b string) bool {
		return shareAlias(g.x.features(Report{Title: a}), g.x.features(Report{Title: b}))
	}
	for _, pair := range [][2]string{
		{"Nord Stream blast inquiry", "расследование взрывов на «Северном потоке»"},
		{"the shadow fleet tankers", "танкеры теневого флота"},
		{"СНВ-3 истекает", "New START expires"},
		{"СНВ-3 истекает", "ДСНВ истекает"},
		{"talks at the Konstantinovsky Palace", "переговоры в Константиновском дворце"},
	} {
		if !same(pair[0], pair[1]) {
			t.Errorf("%q and %q share no name with the shipped aliases", pair[0], pair[1])
		}
	}
	if plain := New(Options{}); shareAlias(plain.x.features(Report{Title: "Nord Stream"}), plain.x.features(Report{Title: "Северный поток"})) {
		t.Error("Nord Stream and Северный поток are one name without the topic's aliases: the test proves nothing")
	}
}
