package sselimit

import (
	"strings"
	"sync/atomic"
)

// A userEntry is one user's count. Only state changes once an entry is in
// a table, and an entry is never reused: whoever still reads an entry that
// was removed finds a count of 0 (it is dead), never another user's.
type userEntry struct {
	state entryState // count<<countShift | entryDead | entryLocked; first, for 64-bit alignment
	hash  uint64
	long  string // the key, when longer than short
	n     uint8  // len of the key in short, or longKey
	short [shortKeyLen]byte
}

const (
	entryLocked = 1 << iota // an admission is checking and counting on it
	entryDead               // retired: its count is 0 for good
	countShift  = iota
	countOne    = 1 << countShift

	shortKeyLen = 63  // keys up to this long are copied into the entry itself
	longKey     = 255 // n of an entry whose key is in long
)

// newUserEntry returns the entry of the key, holding one slot. It copies
// the key: the caller's string may alias a buffer reused later.
func newUserEntry(h uint64, key string) *userEntry {
	e := &userEntry{state: entryState{countOne}, hash: h}
	if len(key) > shortKeyLen {
		e.long, e.n = strings.Clone(key), longKey
	} else {
		e.n = uint8(copy(e.short[:], key))
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
	n := len(prefix) + len(name)
	if n > shortKeyLen {
		return e.n == longKey && len(e.long) == n && e.long[:len(prefix)] == prefix && e.long[len(prefix):] == name
	}
	return int(e.n) == n && string(e.short[:len(prefix)]) == prefix && string(e.short[len(prefix):n]) == name
}

func (e *userEntry) count() int64 { return e.state.Load() >> countShift }

// tombstone fills the slot of a removed entry whose probe sequence may go on.
var tombstone = &userEntry{n: longKey}
