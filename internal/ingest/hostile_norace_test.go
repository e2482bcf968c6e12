//go:build !race

package ingest_test

// raceSlowdown is 1 without the race detector; see hostile_race_test.go.
const raceSlowdown = 1
