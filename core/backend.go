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

// NoUserCap, passed as the maxPerUser of an admission, lifts the per-user
// cap for it: the global cap still applies.
const NoUserCap = -1

// CapLimiter is implemented by limiters that take a per-user cap with each
// admission, so that users can have different caps (by plan, say).
// maxPerUser is the cap for this admission: > 0 that many streams, 0 the
// limiter's own per-user cap, NoUserCap (or any value < 0) none. A cap
// that changes while a user holds streams never ends them: each admission
// compares the user's count with the cap it carries.
type CapLimiter interface {
	Limiter
	AcquireCap(key string, maxPerUser int) (release func(), err error)
}

// LeaseLimiter is implemented by limiters that can take a slot back, such as
// a network backend whose lease expires. When a Gate's limiter implements
// it, the gate acquires through AcquireLease; the backend calls lost (from
// any goroutine, at most once) when it takes the slot back, and the stream
// then ends with reason "lease_lost". release must still be called, and
// must be idempotent. maxPerUser is as in CapLimiter; ctx bounds the call.
type LeaseLimiter interface {
	Limiter
	AcquireLease(ctx context.Context, key string, maxPerUser int, lost func()) (release func(), err error)
}
