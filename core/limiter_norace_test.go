//go:build !race

package sselimit

// limiterRace reports whether the race detector is on. It slows the limiter
// down about tenfold, so the heavier limiter tests do less work under it.
const limiterRace = false
