//go:build race

package examples_test

// raceEnabled builds the apps under test with the race detector too.
const raceEnabled = true
