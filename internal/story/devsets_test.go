package story

import (
	"slices"
	"testing"
)

// developmentSets are the labelled sets the model is fitted on and the
// grouping judged on: every set that had been read when the model was
// fitted. A set is added here once it has been read, and the next unread
// set (testdata/stories/README.md) is the measurement.
var developmentSets = []string{"tuning.jsonl", "holdout.jsonl", "unseen.jsonl", "unseen2.jsonl", "unseen3.jsonl", "unseen4.jsonl", "unseen5.jsonl", "unseen6.jsonl"}

// readSets are every set read so far: the development sets and
// unseen7.jsonl, read once when the model fitted on them was final. The
// next fit adds it to the development sets.
var readSets = append(slices.Clone(developmentSets), "unseen7.jsonl")

func loadSets(tb testing.TB, names []string) [][]labelled {
	out := make([][]labelled, len(names))
	for i, n := range names {
		out[i] = loadSet(tb, n)
	}
	return out
}

// atFloors reports whether p keeps every development set at its floor
// (quality_test.go) in publication order. sets are developmentSets, loaded
// in that order (loadSets).
func atFloors(sets [][]labelled, p params) bool {
	for i, set := range sets {
		f, ok := floors[developmentSets[i]]
		if !ok {
			continue
		}
		m, _ := evaluate(arrival(set, 0, 0), Options{p: &p})
		if m.P < f.P || m.R < f.R {
			return false
		}
	}
	return true
}
