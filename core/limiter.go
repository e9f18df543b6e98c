package sselimit

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
)

// ErrTooManyConnections is returned when the global SSE connection cap is exceeded.
var ErrTooManyConnections = errors.New("too many SSE connections")

// ErrTooManyConnectionsForUser is returned when the per-user SSE connection cap is exceeded.
var ErrTooManyConnectionsForUser = errors.New("too many SSE connections for user")

// SSELimiter enforces global and per-user SSE connection limits using atomic
// counters. Acquire returns a release function on success, or an error when a
// cap is exceeded.
//
//   - SSE-01: the global cap is an atomic counter of active connections, only
//     ever incremented while it is below the cap.
//   - SSE-02: the per-user cap is a count per user, in a sync.Map keyed by user
//     ID. A user with no active connection has no entry, so memory is bounded
//     by the active connections, not by the number of users ever seen.
//   - SSE-03: graceful shutdown is the stream layer's job: the handler notices
//     that its context is done, writes a close event frame and returns. The
//     limiter itself only tracks counts and provides the release callback.
//
// A cap <= 0 disables that cap; the counts are tracked all the same.
// An SSELimiter is safe for concurrent use and must not be copied.
type SSELimiter struct {
	active atomic.Int64
	// active is written all the time: the fields below, read-only, keep off its cache line.
	_          [56]byte
	maxTotal   int64    // <= 0: no global cap
	maxPerUser int64    // <= 0: no per-user cap
	users      sync.Map // user ID -> *userEntry, removed once its count is 0
}

// userEntry is one user's count. n grows only under mu, so acquirers check
// and count one at a time; releases decrement it without mu, which can only
// make an acquirer's check stricter than need be, never looser. Whoever
// leaves n at 0 locks mu and, if n is still 0, marks the entry dead and
// removes it from the map: an acquirer that locks a dead entry retries on a
// fresh one and never counts on a removed one.
// Invariant: an entry that is not dead is the map's value for its key.
type userEntry struct {
	mu   sync.Mutex
	dead bool
	n    atomic.Int64
	key  string
}

// NewSSELimiter creates a new SSELimiter with the given global and per-user
// limits, straight from the caller's configuration; a limit <= 0 disables it.
func NewSSELimiter(maxTotal, maxPerUser int) *SSELimiter {
	return &SSELimiter{maxTotal: int64(maxTotal), maxPerUser: int64(maxPerUser)}
}

// Acquire attempts to reserve an SSE connection slot for the given user.
// It returns a release function that must be called (typically via defer)
// when the connection ends, and a nil error on success. The release function
// is idempotent and may be called from any goroutine.
//
// The user's cap is checked first: Acquire returns ErrTooManyConnectionsForUser
// when the per-user cap is reached, else ErrTooManyConnections when the global
// cap is reached. A refusal holds nothing of either cap.
func (l *SSELimiter) Acquire(userID string) (release func(), err error) {
	return l.acquire(userID, l.maxPerUser)
}

// AcquireCap is Acquire with maxPerUser as the user's cap for this
// admission: > 0 that many streams, 0 the limiter's own per-user cap,
// NoUserCap (or any value < 0) none. It makes *SSELimiter a CapLimiter.
func (l *SSELimiter) AcquireCap(userID string, maxPerUser int) (release func(), err error) {
	switch {
	case maxPerUser == 0:
		return l.acquire(userID, l.maxPerUser)
	case maxPerUser < 0:
		return l.acquire(userID, 0)
	}
	return l.acquire(userID, int64(maxPerUser))
}

// acquire admits userID under a per-user cap of maxPerUser (<= 0: none).
func (l *SSELimiter) acquire(userID string, maxPerUser int64) (release func(), err error) {
	// Read-only pre-check: a refusal decided here does atomic loads only,
	// so a flood of refused requests writes no shared memory.
	var e *userEntry
	if v, ok := l.users.Load(userID); ok {
		e = v.(*userEntry)
		if maxPerUser > 0 && e.n.Load() >= maxPerUser {
			return nil, ErrTooManyConnectionsForUser
		}
	}
	if l.maxTotal > 0 && l.active.Load() >= l.maxTotal {
		return nil, ErrTooManyConnections
	}

	// The user's count is incremented only once the global slot is won:
	// nothing is added and then taken back, so no one sees an over-count.
	e = l.lockLive(userID, e)
	switch {
	case maxPerUser > 0 && e.n.Load() >= maxPerUser:
		err = ErrTooManyConnectionsForUser
	case !l.addActive():
		err = ErrTooManyConnections
		if e.n.Load() == 0 {
			l.retire(e) // leave no entry behind
		}
	default:
		e.n.Add(1)
	}
	e.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return l.newRelease(e), nil
}

// lockLive returns the user's live entry, locked, so that its count cannot
// grow under the caller. e is the entry the caller loaded, if any: it may
// have been retired since. Only a user with no live entry allocates one, its
// key cloned, since the caller's string may alias a buffer reused later.
func (l *SSELimiter) lockLive(userID string, e *userEntry) *userEntry {
	for {
		if e == nil {
			key := strings.Clone(userID)
			v, _ := l.users.LoadOrStore(key, &userEntry{key: key})
			e = v.(*userEntry)
		}
		e.mu.Lock()
		if !e.dead {
			return e
		}
		e.mu.Unlock()
		e = nil
	}
}

// addActive takes a global slot unless the global cap is reached.
func (l *SSELimiter) addActive() bool {
	for {
		n := l.active.Load()
		if l.maxTotal > 0 && n >= l.maxTotal {
			return false
		}
		if l.active.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// retire removes e, whose count is 0, from the map. Callers hold e.mu.
func (l *SSELimiter) retire(e *userEntry) {
	e.dead = true
	l.users.CompareAndDelete(e.key, e)
}

// releaseSlot gives back one slot of e. The user's count drops before the
// global one, so the global count never reads below the sum of the users'.
func (l *SSELimiter) releaseSlot(e *userEntry) {
	if e.n.Add(-1) == 0 {
		e.mu.Lock()
		if e.n.Load() == 0 && !e.dead {
			l.retire(e)
		}
		e.mu.Unlock()
	}
	l.active.Add(-1)
}

// ActiveConnections returns the current total number of active SSE
// connections. Useful for Prometheus metrics.
func (l *SSELimiter) ActiveConnections() int64 {
	return l.active.Load()
}

// ActiveForUser returns the number of active SSE connections for the given
// user: 0, creating nothing, for an unknown user. Useful for debugging.
func (l *SSELimiter) ActiveForUser(userID string) int64 {
	if v, ok := l.users.Load(userID); ok {
		return v.(*userEntry).n.Load()
	}
	return 0
}

// A ticket is the state behind one release function. Tickets are pooled, so
// an admission allocates only the release closure, which captures the ticket
// and its state when handed out. state grows by one at each release: a
// closure acts only if it moves state from its own value to the next, so only
// its first call acts, and one kept past its ticket's reuse never matches
// again: it cannot release another admission's slot.
type ticket struct {
	state atomic.Uint64
	l     *SSELimiter
	e     *userEntry
}

var ticketPool = sync.Pool{New: func() any { return new(ticket) }}

// newRelease returns the release function of a slot of e, already counted.
func (l *SSELimiter) newRelease(e *userEntry) func() {
	t := ticketPool.Get().(*ticket)
	t.l, t.e = l, e
	held := t.state.Load()
	return func() { t.release(held) }
}

func (t *ticket) release(held uint64) {
	if !t.state.CompareAndSwap(held, held+1) {
		return // released already, maybe reused since
	}
	l, e := t.l, t.e
	t.l, t.e = nil, nil // a pooled ticket must not keep a retired entry alive
	ticketPool.Put(t)
	l.releaseSlot(e)
}
