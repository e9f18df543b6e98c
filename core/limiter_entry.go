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
	state entryState // count<<countShift | entryFirstGone | entryDead | entryLocked; first, for 64-bit alignment
	hash  uint64
	key   string
}

const (
	entryLocked = 1 << iota // an admission is checking and counting on it
	entryDead               // retired: its count is 0 for good
	// The slot the entry was inserted with, when no ticket holds it, has
	// been released (set from the start when a ticket holds it).
	entryFirstGone
	countShift = iota
	countOne   = 1 << countShift
)

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

func (e *userEntry) count() int64 { return e.state.Load() >> countShift }

// tombstone fills the slot of a removed entry whose probe sequence may go on.
var tombstone = new(userEntry)
