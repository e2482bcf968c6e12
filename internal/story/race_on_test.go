//go:build race

package story

// raceEnabled: the race detector multiplies CPU and memory several times.
const raceEnabled = true
