package topic

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// repoRoot walks up from the package directory to the directory holding
// go.mod, so tests do not depend on where "go test" is run from.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the package directory")
		}
		dir = parent
	}
}

// sharedDev finds shared/relevance/dev.jsonl in a parent directory: CI puts
// shared/ beside the repository clone, developers may have it elsewhere up
// the tree.
func sharedDev(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		p := filepath.Join(dir, "shared", "relevance", "dev.jsonl")
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("shared/relevance/dev.jsonl not found in any parent directory; the labelled dev set lives beside the repository clone in CI")
		}
		dir = parent
	}
}

func loadShipped(t testing.TB) *Set {
	t.Helper()
	s, err := Load(filepath.Join(repoRoot(t), "config", "topics.yaml"))
	if err != nil {
		t.Fatalf("shipped topics.yaml: %v", err)
	}
	return s
}

func readLabels(t testing.TB, path string) []Labelled {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	items, err := ReadLabelled(f, path)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// The bar the issue sets for the shipped US–Russia topic.
const (
	minPrecision = 0.97
	minRecall    = 0.95
)

func checkQuality(t *testing.T, path string) {
	checkFloors(t, path, minPrecision, minRecall)
}

func checkFloors(t *testing.T, path string, minPrecision, minRecall float64) {
	t.Helper()
	s := loadShipped(t)
	items := readLabels(t, path)
	rep, err := Evaluate(s, "us-russia", items)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s\n%s", path, b.String())
	if rep.Precision < minPrecision || rep.Recall < minRecall {
		t.Errorf("us-russia on %s: precision %.3f (want >= %.2f), recall %.3f (want >= %.2f)", path, rep.Precision, minPrecision, rep.Recall, minRecall)
	}
}

func TestShippedTopicDev(t *testing.T) {
	checkQuality(t, sharedDev(t))
}

func TestShippedTopicExtra(t *testing.T) {
	checkQuality(t, filepath.Join(repoRoot(t), "testdata", "relevance", "extra.jsonl"))
}

// TestShippedTopicHoldout measures the topic on items written after the
// rules, by someone who had not seen them, and never used to tune them.
func TestShippedTopicHoldout(t *testing.T) {
	checkQuality(t, filepath.Join(repoRoot(t), "testdata", "relevance", "holdout.jsonl"))
}

// TestShippedTopicIsPublic: the shipped topic's feeds are open to anyone,
// as README and docs/rules.md say.
func TestShippedTopicIsPublic(t *testing.T) {
	s := loadShipped(t)
	if tp, ok := s.Topic("us-russia"); !ok || !tp.Public {
		t.Errorf("us-russia = %+v, %v; want public", tp.ID, ok)
	}
}

// TestShippedTopicHardSets measures the topic on the kinds of item it
// misses most: one side named only implicitly (Congress, a US state, the
// Navy, the UN's host country, "the two leaders") and stories about a third
// country; and on the sets written blind, each read once before the rules
// were written with it at hand. Each set's floors are its figures with the
// rules now, rounded down: a change may raise them and must not lower
// them. How each set was written, what it was read with and which change
// moved it are in docs/rules.md (the table of the rules' figures, and a
// section for each unseen set). The third-country negatives name both
// countries and government business without any dealing between them
// (Lula's separate calls to both presidents), which word rules cannot tell
// from the real thing.
func TestShippedTopicHardSets(t *testing.T) {
	dir := filepath.Join(repoRoot(t), "testdata", "relevance")
	sets := []struct {
		name string
		p, r float64 // the floors of precision and recall
	}{
		{"implicit", 1.0, 1.0},
		{"thirdcountry", 0.80, 1.0},
		{"unseen", 1.0, 0.97},
		{"unseen2", 1.0, 0.97},
		{"unseen3", 1.0, 1.0},
		{"unseen4", 0.97, 0.97},
		{"unseen5", 0.93, 1.0},
		{"unseen6", 0.90, 0.95},
		{"unseen7", 0.97, 0.97},
		{"unseen8", 0.95, 0.95},
		{"unseen9", 1.0, 0.97},
		{"unseen10", 0.97, 0.93},
		{"unseen11", 0.95, 1.0},
		{"unseen12", 0.95, 0.95},
		{"unseen13", 0.95, 0.95},
		{"unseen14", 0.95, 0.97},
		{"unseen15", 0.97, 0.97},
		{"unseen16", 1.0, 0.95},
		{"unseen17", 0.97, 0.93},
		{"unseen18", 1.0, 0.95},
		{"unseen19", 0.97, 0.95},
		{"unseen20", 0.97, 0.97},
		{"unseen21", 0.95, 1.0},
		{"unseen22", 1.0, 1.0},
		{"unseen23", 1.0, 1.0},
		{"unseen24", 0.97, 1.0},
		{"unseen25", 0.98, 1.0},
		{"unseen26", 1.0, 1.0},
		{"unseen27", 1.0, 1.0},
		{"unseen28", 1.0, 1.0},
		{"unseen29", 1.0, 1.0},
		{"unseen30", 1.0, 1.0},
		{"unseen31", 1.0, 1.0},
		{"unseen32", 0.98, 1.0},
	}
	for _, set := range sets {
		t.Run(set.name, func(t *testing.T) { checkFloors(t, filepath.Join(dir, set.name+".jsonl"), set.p, set.r) })
	}
}
