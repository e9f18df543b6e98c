package sselimittest

import (
	"testing"

	sselimit "github.com/sselimit/sselimit/core"
)

// Limiter is a limiter whose counts the suite reads: *sselimit.SSELimiter,
// or a test's view of another backend whose counts need no context or
// error (a cluster-wide one, say, read with a background context).
type Limiter interface {
	sselimit.Limiter
	ActiveConnections() int64
	ActiveForUser(key string) int64
}

// Backend makes the limiter one case admits through, with a cap of
// maxTotal streams and maxPerUser per user (≤ 0: no cap), holding nothing
// yet. Anything it starts must stop in a t.Cleanup.
type Backend func(t *testing.T, maxTotal, maxPerUser int) Limiter

// Memory is the default Backend: the core's in-process SSELimiter.
func Memory(_ *testing.T, maxTotal, maxPerUser int) Limiter {
	return sselimit.NewSSELimiter(maxTotal, maxPerUser)
}

// limiter makes a limiter for one case with h's backend.
func (h Harness) limiter(t *testing.T, maxTotal, maxPerUser int) Limiter {
	if h.Backend == nil {
		return Memory(t, maxTotal, maxPerUser)
	}
	return h.Backend(t, maxTotal, maxPerUser)
}
