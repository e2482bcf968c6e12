//go:build race

package main

// raceEnabled: the race detector makes each in-process command several
// times slower.
const raceEnabled = true
