package sselimit

import "sync/atomic"

// A userEntry is one user's count. Only state changes once an entry is in
// a table, and an entry is never reused: whoever still reads an entry that
// was removed finds a count of 0 (it is dead), never another user's.
//
// The entry keeps the key it was admitted with, not a copy: a Go string
// does not change. (Strings made over a reused buffer, as fasthttp hands
// out, must be copied before they reach the limiter; the Fiber adapter
// does.)
type userEntry struct {
	// spread id<<spreadShift | reserved<<reservedShift | count<<countShift |
	// entryFirstGone | entryDead | entryLocked: the user's own slots, and
	// the slots reserved by the user's spread, if any, and its place in
	// the limiter's spreads (0: none); first, for 64-bit alignment.
	state entryState
	hash  uint64
	key   string
}

const (
	entryLocked = 1 << iota // an admission or a fold is checking and counting on it
	entryDead               // retired: its count is 0 for good
	// The slot the entry was inserted with, when no ticket holds it, has
	// been released (set from the start when a ticket holds it).
	entryFirstGone
	countShift    = iota
	countOne      = 1 << countShift
	countBits     = 26
	countMask     = 1<<countBits - 1
	reservedShift = countShift + countBits
	reservedOne   = 1 << reservedShift
	spreadShift   = reservedShift + countBits
	spreadOne     = 1 << spreadShift
)

// ownCount is the user's own slots in the state s: all of them, unless a
// spread holds others.
func ownCount(s int64) int64 { return s >> countShift & countMask }

// reservedCount is the slots reserved by a spread in the state s.
func reservedCount(s int64) int64 { return s >> reservedShift & countMask }

// spreadID is the place of the user's spread in the limiter's spreads,
// plus one, in the state s: 0 when the user's count is not spread.
func spreadID(s int64) int64 { return s >> spreadShift }

// newUserEntry returns the entry of the key, holding one slot: held by a
// ticket, or by the entry itself.
func newUserEntry(h uint64, key string, byTicket bool) *userEntry {
	e := &userEntry{state: entryState{countOne}, hash: h, key: key}
	if byTicket {
		e.state.v |= entryFirstGone
	}
	return e
}

// entryState is an atomic int64 that, unlike atomic.Int64, a composite
// literal can set before the entry is shared, sparing a locked store.
type entryState struct{ v int64 }

func (s *entryState) Load() int64       { return atomic.LoadInt64(&s.v) }
func (s *entryState) Add(d int64) int64 { return atomic.AddInt64(&s.v, d) }
func (s *entryState) CompareAndSwap(old, new int64) bool {
	return atomic.CompareAndSwapInt64(&s.v, old, new)
}

// is reports whether e is the entry of the key prefix+name.
func (e *userEntry) is(prefix, name string) bool {
	return len(e.key) == len(prefix)+len(name) && e.key[:len(prefix)] == prefix && e.key[len(prefix):] == name
}

// count is the user's count: its own slots, and those its spread took. Read
// while slots move, it can be off by those, but it stays within what the
// entry had counted or reserved when read, which the caps of the
// admissions that counted or reserved it bound.
func (l *SSELimiter) count(e *userEntry) int64 {
	s := e.state.Load()
	n := ownCount(s)
	if sp := l.spreadOf(e, s); sp != nil {
		n = min(n+sp.spreadTaken(), n+reservedCount(s))
	}
	return n
}

// tombstone fills the slot of a removed entry whose probe sequence may go on.
var tombstone = new(userEntry)
