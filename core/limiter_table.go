package sselimit

import (
	"sync"
	"sync/atomic"
)

// The users holding slots live in shardCount shards, chosen by the top
// bits of their key's hash. Each shard is an open-addressing hash table
// (linear probing) that admissions and queries read without a lock, and
// that only the insertion of a user's first slot and the removal of a user
// whose count fell to 0 write, under the shard's lock.
const (
	shardBits  = 6
	shardCount = 1 << shardBits
	minSlots   = 8 // a table's smallest size, a power of 2
	// A table is rebuilt at a load of at most a quarter, grows once half
	// its slots are used (by entries or tombstones), and shrinks when
	// less than a sixteenth hold live entries: a lookup probes 1.2 slots
	// on average, and seldom loads another user's entry, a cache line
	// that other CPUs write.
	rebuildSlots = 4  // slots per live entry, at least, after a rebuild
	growSlots    = 2  // slots per used one, below which the table grows
	shrinkSlots  = 16 // slots per live entry, above which it shrinks
)

type shard struct {
	word atomic.Int64          // the shard's stripe of the global count, and its lock bit (see lock)
	turn sync.Mutex            // taken by those waiting for the lock bit, one at a time
	tab  atomic.Pointer[table] // replaced under the lock; nil until the first user
	live int                   // entries in tab, under the lock
	used int                   // slots of tab not nil: entries and tombstones, under the lock
	// Admissions that lost the race for an entry's lock bit take turns on
	// queue; queued counts those waiting for it or holding it.
	queued atomic.Int32
	queue  sync.Mutex
	_      [12]byte // shards, written by different users, keep off each other's cache lines
}

// A table is never full: a probe sequence always ends at a nil slot.
type table struct {
	slots []atomic.Pointer[userEntry] // a power of 2 of them
}

func (l *SSELimiter) shard(h uint64) *shard { return &l.shards[h>>(64-shardBits)] }

// find returns the entry of the key prefix+name, whose hash is h, or nil.
// It takes no lock and writes nothing; the entry may be dead.
func (sh *shard) find(h uint64, prefix, name string) *userEntry {
	t := sh.tab.Load()
	if t == nil {
		return nil
	}
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		e := t.slots[i].Load()
		if e == nil {
			return nil
		}
		if e != tombstone && e.hash == h && e.is(prefix, name) {
			return e
		}
	}
}

// insert returns the live entry of key if there is one; otherwise it takes
// a global slot and inserts a fresh entry holding that slot (counted), or
// reports the global cap; byTicket tells who holds that slot (see
// entryFirstGone). A dead entry of key gives its place to the fresh one, so
// a table never holds two entries of a key.
//
// A slot taken through the shard's own stripe is taken with the lock when
// the stripe has one: given back, in the rare race where the key's entry
// was inserted meanwhile, as the lock is released.
func (sh *shard) insert(l *SSELimiter, h uint64, key string, stripe *atomic.Int64, byTicket bool) (e *userEntry, counted bool, err error) {
	fresh := newUserEntry(h, key, byTicket) // outside the lock; wasted only in a race or a refusal
	taken := false
	if stripe == &sh.word {
		taken = sh.lockTaking()
	} else {
		sh.lock()
	}
	e, counted, err = sh.insertLocked(l, h, key, stripe, fresh, taken)
	if taken && !counted {
		sh.unlockGiving(&l.slots)
	} else {
		sh.unlock()
	}
	return e, counted, err
}

// insertLocked is insert under the shard's lock, a global slot already
// taken if taken.
func (sh *shard) insertLocked(l *SSELimiter, h uint64, key string, stripe *atomic.Int64, fresh *userEntry, taken bool) (e *userEntry, counted bool, err error) {
	t := sh.tab.Load()
	if t == nil {
		t = newTable(minSlots)
		sh.tab.Store(t)
	}
	mask := uint64(len(t.slots) - 1)
	at := -1 // the slot for a fresh entry
	for i := h & mask; ; i = (i + 1) & mask {
		x := t.slots[i].Load()
		if x == nil || x == tombstone {
			if at < 0 {
				at = int(i)
			}
			if x == nil {
				break
			}
			continue
		}
		if x.hash == h && x.is("", key) {
			if x.state.Load()&entryDead == 0 {
				return x, false, nil
			}
			at = int(i)
			break
		}
	}
	if !taken && !l.slots.take(stripe) {
		return nil, false, ErrTooManyConnections
	}
	e = fresh
	switch t.slots[at].Swap(e) {
	case nil:
		sh.used++
		sh.live++
	case tombstone:
		sh.live++
	}
	if sh.used*growSlots > len(t.slots) {
		sh.rebuild()
	}
	return e, true, nil
}

// remove takes e, which is dead, out of the table, unless a fresh entry or
// a rebuild has already taken its place.
func (sh *shard) remove(e *userEntry) {
	sh.lock()
	sh.removeLocked(e)
	sh.unlock()
}

// removeGiving is remove, giving back a global slot to the shard's stripe
// as it releases the lock.
func (sh *shard) removeGiving(e *userEntry, g *globalSlots) {
	sh.lock()
	sh.removeLocked(e)
	sh.unlockGiving(g)
}

func (sh *shard) removeLocked(e *userEntry) {
	t := sh.tab.Load()
	mask := uint64(len(t.slots) - 1)
	i := e.hash & mask
	for ; t.slots[i].Load() != e; i = (i + 1) & mask {
		if t.slots[i].Load() == nil {
			return
		}
	}
	sh.live--
	if t.slots[(i+1)&mask].Load() != nil {
		t.slots[i].Store(tombstone) // a probe sequence may go on past i
	} else {
		// i ends its probe sequences, and so do the tombstones before it.
		for {
			t.slots[i].Store(nil)
			sh.used--
			i = (i - 1) & mask
			if t.slots[i].Load() != tombstone {
				break
			}
		}
	}
	if len(t.slots) > minSlots && sh.live*shrinkSlots < len(t.slots) {
		sh.rebuild()
	}
}

// rebuild replaces the table with one holding only its live entries, at a
// load of at most a quarter. Readers still probing the old table see entries
// that were live when they loaded it.
func (sh *shard) rebuild() {
	old := sh.tab.Load()
	size := minSlots
	for size < rebuildSlots*(sh.live+1) {
		size *= 2
	}
	t := newTable(size)
	mask := uint64(size - 1)
	live := 0
	for i := range old.slots {
		e := old.slots[i].Load()
		if e == nil || e == tombstone || e.state.Load()&entryDead != 0 {
			continue
		}
		j := e.hash & mask
		for t.slots[j].Load() != nil {
			j = (j + 1) & mask
		}
		t.slots[j].Store(e)
		live++
	}
	sh.live, sh.used = live, live
	sh.tab.Store(t)
}

func newTable(size int) *table {
	return &table{slots: make([]atomic.Pointer[userEntry], size)}
}
