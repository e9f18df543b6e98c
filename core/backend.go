package sselimit

import "context"

// Limiter hands out stream slots. *SSELimiter satisfies it, and so can a
// cluster-wide backend.
//
// Acquire reports a full cap with ErrTooManyConnectionsForUser or
// ErrTooManyConnections (possibly wrapped). Any other error is a backend
// failure, which the gate answers per its failure policy (see WithFailOpen).
type Limiter interface {
	Acquire(key string) (release func(), err error)
}

// LeaseLimiter is implemented by limiters that can take a slot back, such as
// a network backend whose lease expires. When a Gate's limiter implements
// it, the gate acquires through AcquireLease; the backend calls lost (from
// any goroutine, at most once) when it takes the slot back, and the stream
// then ends with reason "lease_lost". release must still be called, and
// must be idempotent.
type LeaseLimiter interface {
	Limiter
	AcquireLease(ctx context.Context, key string, lost func()) (release func(), err error)
}
