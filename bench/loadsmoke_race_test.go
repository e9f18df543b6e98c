//go:build race

package bench

// raceEnabled builds the smoke test's tools with the race detector too.
const raceEnabled = true
