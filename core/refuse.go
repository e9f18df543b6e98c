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

// refusalIndex is why's index in refusalReasons, by which a refusal is
// counted, given its status and matched with its reason's own error.
func refusalIndex(why Reason) int {
	switch why {
	case RefusedUserLimit:
		return 0
	case RefusedGlobalLimit:
		return 1
	case RefusedDraining:
		return 2
	case RefusedNoIdentity:
		return 3
	case RefusedBadIdentity:
		return 4
	}
	return 5 // RefusedUnavailable
}

var (
	// refusalStatuses are the statuses of the refusal reasons, by index.
	refusalStatuses = [len(refusalReasons)]int{
		http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusServiceUnavailable,
		http.StatusUnauthorized, http.StatusBadRequest, http.StatusServiceUnavailable,
	}
	// refusalErrs are the reasons' own errors, by index: the causes of
	// the refusals that are shared. A limiter failure has none.
	refusalErrs = [len(refusalReasons)]error{
		ErrTooManyConnectionsForUser, ErrTooManyConnections, ErrDraining,
		ErrNoIdentity, ErrInvalidIdentity, nil,
	}
)

func (g *Gate) refuse(key string, why Reason, err error) *Refusal {
	i := refusalIndex(why)
	// One random number picks the count's stripe and the delay advised;
	// math/rand/v2 draws it from the running thread's own state.
	draw := rand.Uint64()
	g.observeRefusal(key, i, err, draw)
	status := refusalStatuses[i]
	var retry time.Duration
	soft := false
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		retry = g.retryDelay(draw)
		soft = g.cfg.soft && (why == RefusedUserLimit || why == RefusedGlobalLimit)
	}
	slot := sharedRefusal(i, err, retry, soft)
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
var sharedRefusals [len(refusalReasons)][2][64]atomic.Pointer[Refusal]

// sharedRefusal returns the slot of the shared refusal for the reason of
// index i, err, retry and soft, or nil when the refusal is of a kind not
// shared: its cause is not its reason's own error.
func sharedRefusal(i int, err error, retry time.Duration, soft bool) *atomic.Pointer[Refusal] {
	if err == nil || err != refusalErrs[i] {
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
	return &sharedRefusals[i][s][secs]
}

// retryAfter draws the delay refusals and close frames advise: a whole
// number of seconds, uniformly from the base to the base plus the jitter,
// both rounded up to whole seconds (so a base of 2s and a jitter of 3s give
// 2, 3, 4 or 5 seconds). The base is positive, so the delay is at least 1s.
func (g *Gate) retryAfter() time.Duration { return g.retryDelay(rand.Uint64()) }

// retryDelay is retryAfter's delay for the random draw: its 56 bits above
// the lowest byte pick it. The range is below 2^34 seconds, so their
// remainder is uniform but for a bias below 2^-22.
func (g *Gate) retryDelay(draw uint64) time.Duration {
	lo, hi := g.retryLo, g.retryHi
	if hi > lo {
		lo += int64((draw >> 8) % uint64(hi-lo+1))
	}
	return time.Duration(lo) * time.Second
}

// setRetryBounds sets the bounds, in whole seconds, of the delays
// retryAfter draws, from the configuration.
func (g *Gate) setRetryBounds() {
	g.retryLo = ceilSeconds(g.cfg.retryAfter)
	g.retryHi = ceilSeconds(addSaturated(g.cfg.retryAfter, g.cfg.retryJitter))
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
