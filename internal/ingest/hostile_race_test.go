//go:build race

package ingest_test

// raceSlowdown stretches the hostile run's timeout under the race detector,
// which makes inflating and parsing megabytes several times slower: the
// legitimate large feeds must still arrive within it.
const raceSlowdown = 3
