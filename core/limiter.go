package sselimit

import (
	"errors"
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"
)

// ErrTooManyConnections is returned when the global SSE connection cap is exceeded.
var ErrTooManyConnections = errors.New("too many SSE connections")

// ErrTooManyConnectionsForUser is returned when the per-user SSE connection cap is exceeded.
var ErrTooManyConnectionsForUser = errors.New("too many SSE connections for user")

// SSELimiter counts active SSE connections, in total and per user, and
// admits a new one only while both counts are below their caps. Acquire
// returns a release function on success, or an error naming the cap that
// is reached.
//
// It never admits past a cap, not even for an instant under contention: a
// slot is counted only once its caps have room for it, so the counts it
// reports never go above the caps the slots were admitted under. A refusal
// changes nothing and, unless it races with an admission of a user whose
// entry shares its table shard, writes no memory shared with other
// goroutines, so a flood of refused requests does not slow down the
// admitted ones.
//
// A user whom admissions on several CPUs contend for, while far below its
// cap, has its count spread over per-CPU stripes, so that those admissions
// run side by side as those of different users do; near the cap, or once
// the slots the user held before are released, the count is gathered
// again. A refusal of such a user may write the user's entry and stripes.
//
// The limiter keeps state only for users holding a slot, their key among
// it (the string it was given, not a copy: like any Go string it must not
// change afterwards): its memory follows the active connections, not the
// number of users ever seen.
//
// The limiter only counts. Ending streams, on shutdown or otherwise, is the
// caller's part: see Gate.
//
// A cap <= 0 disables that cap; the counts are tracked all the same. A
// user's count stops at 2^25 (33,554,432) whatever the caps.
// An SSELimiter is safe for concurrent use and must not be copied.
type SSELimiter struct {
	slots      globalSlots
	tickets    sync.Pool                              // of *ticket
	maxTotal   int64                                  // <= 0: no global cap
	maxPerUser int64                                  // <= 0: no per-user cap
	spreadAll  bool                                   // spread every contended user, however near its cap (tests)
	spreads    [maxSpreads]atomic.Pointer[userSpread] // the open spreads (see userSpread)
	seed       maphash.Seed                           // of user keys
	addrSeed   maphash.Seed                           // of address keys, hashed without their prefix (keyHash)
	_          [32]byte
	shards     [shardCount]shard // the users holding slots, by key hash
}

// NewSSELimiter creates a new SSELimiter with the given global and per-user
// limits, straight from the caller's configuration; a limit <= 0 disables it.
func NewSSELimiter(maxTotal, maxPerUser int) *SSELimiter {
	l := &SSELimiter{maxTotal: int64(maxTotal), maxPerUser: int64(maxPerUser), seed: maphash.MakeSeed(), addrSeed: maphash.MakeSeed()}
	stocks := make([]*atomic.Int64, len(l.shards))
	for i := range l.shards {
		stocks[i] = &l.shards[i].word
	}
	l.slots.init(l.maxTotal, stocks...)
	l.tickets.New = l.newTicket
	return l
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
	return l.acquire(userID, l.userCap(maxPerUser))
}

// userCap is the per-user cap of an admission given maxPerUser as
// AcquireCap takes it (<= 0: none).
func (l *SSELimiter) userCap(maxPerUser int) int64 {
	switch {
	case maxPerUser == 0:
		return l.maxPerUser
	case maxPerUser < 0:
		return 0
	}
	return int64(maxPerUser)
}

// acquire admits userID under a per-user cap of maxPerUser (<= 0: none).
func (l *SSELimiter) acquire(userID string, maxPerUser int64) (release func(), err error) {
	// Read-only pre-check: a refusal decided here does atomic loads only,
	// so a flood of refused requests writes no shared memory. Without a
	// per-user cap it needs no lookup.
	if maxPerUser <= 0 && l.slots.full() {
		return nil, ErrTooManyConnections
	}
	h := l.keyHash("", userID)
	sh := l.shard(h)
	e := sh.find(h, "", userID)
	if maxPerUser > 0 {
		if err := l.refusal(e, maxPerUser); err != nil {
			return nil, err
		}
	}
	if e == nil {
		// A user holding nothing, the usual case: the entry inserted with
		// the slot is the ticket of its release.
		var counted bool
		if e, counted, err = sh.insert(l, h, userID, &sh.word, false); err != nil {
			return nil, err
		}
		if counted {
			return l.firstRelease(e), nil
		}
	}
	t := l.tickets.Get().(*ticket)
	e, sp, err := l.admit(sh, h, userID, e, maxPerUser, t)
	if err != nil {
		l.tickets.Put(t)
		return nil, err
	}
	return t.handOut(e, sp), nil
}

// refusal is the error of an admission whose user has the entry e (nil:
// none) that a cap refuses for sure, or nil. It does atomic loads only. A
// user whose count is spread has it known exactly only by an admission: it
// is refused here only at the global cap, while what the user's entry has
// counted or reserved is below the user's cap.
func (l *SSELimiter) refusal(e *userEntry, maxPerUser int64) error {
	if e != nil && maxPerUser > 0 {
		s := e.state.Load()
		if spreadID(s) != 0 {
			if ownCount(s)+reservedCount(s) < maxPerUser && l.slots.full() {
				return ErrTooManyConnections
			}
			return nil
		}
		if ownCount(s) >= maxPerUser {
			return ErrTooManyConnectionsForUser
		}
	}
	if l.slots.full() {
		return ErrTooManyConnections
	}
	return nil
}

// refuses is the error AcquireCap(prefix+name, maxPerUser) would refuse
// with at once, or nil if it might admit. Split as the gate splits an
// address key, the key is not built: such a refusal allocates nothing.
func (l *SSELimiter) refuses(prefix, name string, maxPerUser int) error {
	userCap := l.userCap(maxPerUser)
	if userCap <= 0 {
		return l.refusal(nil, 0) // no user's count to look up
	}
	h := l.keyHash(prefix, name)
	return l.refusal(l.shard(h).find(h, prefix, name), userCap)
}

// ActiveConnections returns the current total number of active SSE
// connections. While admissions and releases run, it may be off by the
// slots they are taking or giving back, but it never reads above the
// global cap.
func (l *SSELimiter) ActiveConnections() int64 {
	return l.slots.taken()
}

// ActiveForUser returns the number of active SSE connections for the given
// user: 0, creating nothing, for an unknown user.
func (l *SSELimiter) ActiveForUser(userID string) int64 {
	h := l.keyHash("", userID)
	if e := l.shard(h).find(h, "", userID); e != nil {
		return min(l.count(e), l.slots.max)
	}
	return 0
}

// keyHash is the hash of the key prefix+name, which it does not build. An
// address key hashes its address alone, under a seed of its own, so that
// the usual split of one, ipPrefix and the address, hashes one string
// like a user key.
func (l *SSELimiter) keyHash(prefix, name string) uint64 {
	if prefix == "" && (name == "" || name[0] != ipPrefix[0]) {
		return maphash.String(l.seed, name) // a user key, the usual case
	}
	return l.otherKeyHash(prefix, name)
}

// otherKeyHash is keyHash for a key with a prefix, or whose first byte is
// ipPrefix's. A split other than the gate's (no prefix, or ipPrefix and an
// address) has its key built.
func (l *SSELimiter) otherKeyHash(prefix, name string) uint64 {
	switch {
	case prefix == ipPrefix:
		return maphash.String(l.addrSeed, name)
	case prefix != "":
		return l.keyHash("", prefix+name)
	case strings.HasPrefix(name, ipPrefix):
		return maphash.String(l.addrSeed, name[len(ipPrefix):])
	}
	return maphash.String(l.seed, name)
}
