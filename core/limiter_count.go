package sselimit

import (
	"errors"
	"runtime"
	"sync/atomic"
)

// admit counts a slot for the user of key hash h, on e, the entry the
// caller found for the user (nil: none), and returns the entry it counted
// on. An entry retired since is replaced by a fresh one, inserted already
// holding its first slot.
func (l *SSELimiter) admit(sh *shard, h uint64, key string, e *userEntry, maxPerUser int64, stripe *atomic.Int64) (*userEntry, error) {
	for {
		if e == nil {
			var counted bool
			var err error
			if e, counted, err = sh.insert(l, h, key, stripe, true); err != nil || counted {
				return e, err
			}
		}
		if err := l.countOn(sh, e, maxPerUser, stripe); err != errRetired {
			return e, err
		}
		e = nil
	}
}

// errRetired: the entry was retired (its count reached 0 and it left the
// table) before the admission could lock it.
var errRetired = errors.New("sselimit: entry retired")

// countOn counts one more slot on e, an entry found in the table of shard
// sh, with a global slot, unless a cap is full. A user's count grows only
// under the entry's lock bit, so acquirers check and count one at a time;
// releases drop it without the lock, which can only make a check stricter
// than need be, never looser. The global slot is won before the user's
// count grows: nothing is added and then taken back.
//
// An admission that loses the race for the lock bit, or finds admissions
// of the shard queued already, takes its turn on the shard's queue rather
// than spin on the entry: the queued ones park while the one that runs
// keeps the entry's cache line to itself.
func (l *SSELimiter) countOn(sh *shard, e *userEntry, maxPerUser int64, stripe *atomic.Int64) error {
	s := e.state.Load()
	if err := settled(s, maxPerUser); err != nil {
		return err
	}
	if sh.queued.Load() != 0 || s&entryLocked != 0 || !e.state.CompareAndSwap(s, s|entryLocked) {
		return l.countQueued(sh, e, maxPerUser, stripe)
	}
	return l.countLocked(e, stripe)
}

// countQueued is countOn for an admission that lost the race for the lock
// bit or found admissions queued: it waits its turn on the shard's queue.
func (l *SSELimiter) countQueued(sh *shard, e *userEntry, maxPerUser int64, stripe *atomic.Int64) error {
	if err := settled(e.state.Load(), maxPerUser); err != nil {
		return err // decided by loads alone, without queueing
	}
	sh.queued.Add(1)
	sh.queue.Lock()
	defer func() {
		sh.queue.Unlock()
		sh.queued.Add(-1)
	}()
	for {
		s := e.state.Load()
		if err := settled(s, maxPerUser); err != nil {
			return err
		}
		if s&entryLocked == 0 && e.state.CompareAndSwap(s, s|entryLocked) {
			return l.countLocked(e, stripe)
		}
		runtime.Gosched() // the holder, which did not queue, may be descheduled
	}
}

// settled is the error of an admission on an entry in state s that needs
// no lock to decide: errRetired, or the user's cap is full; else nil.
func settled(s, maxPerUser int64) error {
	switch {
	case s&entryDead != 0:
		return errRetired
	case maxPerUser > 0 && s>>countShift >= maxPerUser:
		return ErrTooManyConnectionsForUser
	}
	return nil
}

// countLocked ends the admission that holds e's lock bit: it takes a
// global slot and counts it on e, or gives up.
func (l *SSELimiter) countLocked(e *userEntry, stripe *atomic.Int64) error {
	if !l.slots.take(stripe) {
		if s := e.state.Add(-entryLocked); s&^entryFirstGone == 0 {
			l.retire(e, s) // a release left it at 0 meanwhile
		}
		return ErrTooManyConnections
	}
	e.state.Add(countOne - entryLocked)
	return nil
}

// releaseSlot gives back one slot of e, held by a ticket. The user's count
// drops before the global one.
func (l *SSELimiter) releaseSlot(e *userEntry, stripe *atomic.Int64) {
	// A ticket's slot is seldom its user's last (a user's first slot has no
	// ticket), so this decrements at once rather than try to retire first.
	if s := e.state.Add(-countOne); s&^entryFirstGone == 0 {
		l.retire(e, s)
	}
	l.slots.give(stripe)
}

// firstRelease returns the release function of the slot e was inserted
// with by an admission without a ticket.
func (l *SSELimiter) firstRelease(e *userEntry) func() {
	return func() { l.releaseFirst(e) }
}

// releaseFirst gives back, once, the slot e was inserted with by an
// admission without a ticket. The entry is never reused, so its first-slot
// bit makes every call after the first do nothing.
func (l *SSELimiter) releaseFirst(e *userEntry) {
	if e.state.CompareAndSwap(countOne, entryDead|entryFirstGone) {
		l.shard(e.hash).remove(e) // the usual case: the user's only slot
	} else {
		for {
			s := e.state.Load()
			if s&entryFirstGone != 0 {
				return // released already
			}
			if n := s - countOne | entryFirstGone; e.state.CompareAndSwap(s, n) {
				if n == entryFirstGone {
					l.retire(e, n)
				}
				break
			}
		}
	}
	l.slots.give(&l.shard(e.hash).stock)
}

// retire removes e from its shard if it is still in state s, with a count
// of 0 and no admission holding it. Once marked dead an entry never counts
// again.
func (l *SSELimiter) retire(e *userEntry, s int64) {
	if e.state.CompareAndSwap(s, s|entryDead) {
		l.shard(e.hash).remove(e)
	}
}
