package sselimit

import (
	"errors"
	"math"
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"time"
)

// How a gate decides a refusal's reason, status and delay, and the
// refusals it shares between requests.

func refusalReason(err error) Reason {
	// The limiter's own errors, the usual causes, are matched before any
	// wrapped error is looked for.
	switch {
	case err == ErrTooManyConnectionsForUser:
		return RefusedUserLimit
	case err == ErrTooManyConnections:
		return RefusedGlobalLimit
	case errors.Is(err, ErrTooManyConnectionsForUser):
		return RefusedUserLimit
	case errors.Is(err, ErrTooManyConnections):
		return RefusedGlobalLimit
	}
	return RefusedUnavailable
}

func refusalStatus(why Reason) int {
	switch why {
	case RefusedUserLimit:
		return http.StatusTooManyRequests
	case RefusedGlobalLimit, RefusedDraining, RefusedUnavailable:
		return http.StatusServiceUnavailable
	case RefusedNoIdentity:
		return http.StatusUnauthorized
	}
	return http.StatusBadRequest
}

func (g *Gate) refuse(key string, why Reason, err error) *Refusal {
	g.observeRefusal(key, why, err)
	status := refusalStatus(why)
	var retry time.Duration
	soft := false
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		retry = g.retryAfter()
		soft = g.cfg.soft && (why == RefusedUserLimit || why == RefusedGlobalLimit)
	}
	slot := sharedRefusal(why, err, retry, soft)
	if slot == nil {
		return &Refusal{Status: status, Reason: why, Err: err, RetryAfter: retry, Soft: soft}
	}
	if r := slot.Load(); r != nil {
		return r
	}
	r := &Refusal{Status: status, Reason: why, Err: err, RetryAfter: retry, Soft: soft}
	if !slot.CompareAndSwap(nil, r) {
		return slot.Load()
	}
	return r
}

// refuseEarly refuses a request whose limiter key is an address key,
// prefix+name, when an SSELimiter would refuse it at once, without
// building the key: such a refusal allocates nothing. It returns nil to
// let the request go the usual way: a key of one part, another limiter, a
// policy that acts on a refusal (dry run, evict-oldest), or a limiter that
// might admit it.
func (g *Gate) refuseEarly(prefix, name string, userCap int) *Refusal {
	if prefix == "" || g.cfg.dryRun || g.lease != nil {
		return nil
	}
	l, ok := g.lim.(*SSELimiter)
	if !ok {
		return nil
	}
	err := l.refuses(prefix, name, userCap)
	if err == nil || err == ErrTooManyConnectionsForUser && g.cfg.evict {
		return nil
	}
	key := "" // needed only by hooks
	if g.cfg.hooks.OnRefuse != nil || len(g.observed()) > 0 {
		key = prefix + name
	}
	return g.refuse(key, refusalReason(err), err)
}

// sharedRefusals holds the refusals whose cause is their reason's own
// error, by reason, soft or not, and delay in seconds: a refusal then
// allocates nothing once its kind has been seen.
var sharedRefusals [5][2][64]atomic.Pointer[Refusal]

// sharedRefusal returns the slot of the shared refusal for why, err, retry
// and soft, or nil when the refusal is of a kind not shared.
func sharedRefusal(why Reason, err error, retry time.Duration, soft bool) *atomic.Pointer[Refusal] {
	var kind int
	switch {
	case why == RefusedUserLimit && err == ErrTooManyConnectionsForUser:
		kind = 0
	case why == RefusedGlobalLimit && err == ErrTooManyConnections:
		kind = 1
	case why == RefusedDraining && err == ErrDraining:
		kind = 2
	case why == RefusedNoIdentity && err == ErrNoIdentity:
		kind = 3
	case why == RefusedBadIdentity && err == ErrInvalidIdentity:
		kind = 4
	default:
		return nil
	}
	secs := retry / time.Second
	if retry%time.Second != 0 || secs >= 64 {
		return nil
	}
	s := 0
	if soft {
		s = 1
	}
	return &sharedRefusals[kind][s][secs]
}

// retryAfter draws the delay refusals and close frames advise: a whole
// number of seconds, uniformly from the base to the base plus the jitter,
// both rounded up to whole seconds (so a base of 2s and a jitter of 3s give
// 2, 3, 4 or 5 seconds). The base is positive, so the delay is at least 1s.
func (g *Gate) retryAfter() time.Duration {
	lo := ceilSeconds(g.cfg.retryAfter)
	hi := ceilSeconds(addSaturated(g.cfg.retryAfter, g.cfg.retryJitter))
	if hi > lo {
		lo += rand.N(hi - lo + 1)
	}
	return time.Duration(lo) * time.Second
}

// ceilSeconds is d in whole seconds, rounded up.
func ceilSeconds(d time.Duration) int64 {
	s := int64(d / time.Second)
	if d%time.Second > 0 {
		s++
	}
	return s
}

// addSaturated is a+b for non-negative durations, at most the largest one.
func addSaturated(a, b time.Duration) time.Duration {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
