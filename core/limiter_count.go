package sselimit

import (
	"errors"
	"runtime"
	"sync/atomic"
)

// admit counts a slot for the user of key hash h, on e, the entry the
// caller found for the user (nil: none), for the ticket t, and returns the
// entry it counted on, and the spread it took the slot from (nil: none).
// An entry retired since is replaced by a fresh one, inserted already
// holding its first slot.
func (l *SSELimiter) admit(sh *shard, h uint64, key string, e *userEntry, maxPerUser int64, t *ticket) (*userEntry, *userSpread, error) {
	for {
		if e == nil {
			var counted bool
			var err error
			if e, counted, err = sh.insert(l, h, key, t.stripe, true); err != nil || counted {
				return e, nil, err
			}
		}
		if sp, err := l.countOn(sh, e, maxPerUser, t); err != errRetired {
			return e, sp, err
		}
		e = nil
	}
}

// errRetired: the entry was retired (its count reached 0 and it left the
// table) before the admission could lock it.
var errRetired = errors.New("sselimit: entry retired")

// countOn counts one more slot on e, an entry found in the table of shard
// sh, for the ticket t, with a global slot, unless a cap is full. It
// returns the spread it took the slot from, or nil.
//
// A user whose count is spread (see userSpread) has the slot claimed from
// t's stripe (tickets are pooled per CPU), then the global slot taken, then
// the claimed slot counted: nothing is counted and then taken back.
// Otherwise the user's count grows only under the entry's lock bit, so
// acquirers check and count one at a time; releases drop it without the
// lock, which can only make a check stricter than need be, never looser.
// There the global slot is won before the user's count grows.
//
// An admission that loses the race for the lock bit, or finds admissions
// of the shard queued already, takes its turn on the shard's queue rather
// than spin on the entry: the queued ones park while the one that runs
// keeps the entry's cache line to itself, and spreads the user's count if
// the cap is far.
func (l *SSELimiter) countOn(sh *shard, e *userEntry, maxPerUser int64, t *ticket) (*userSpread, error) {
	s := e.state.Load()
	if spreadID(s) != 0 {
		if sp := l.spreadOf(e, s); sp != nil && sp.admits(maxPerUser) && l.spreadClaim(sp, e, t.idx) {
			if !l.slots.take(t.stripe) {
				l.spreadUnclaim(sp, e, t.idx)
				return nil, ErrTooManyConnections
			}
			l.spreadCount(sp, e, t.idx)
			return sp, nil
		}
		s = e.state.Load()
	}
	if err := settled(s, maxPerUser); err != nil {
		return nil, err
	}
	if sh.queued.Load() != 0 || s&entryLocked != 0 || !e.state.CompareAndSwap(s, s|entryLocked) {
		return nil, l.countQueued(sh, e, maxPerUser, t)
	}
	return nil, l.countLocked(e, maxPerUser, t.stripe, l.spreadAll)
}

// countQueued is countOn for an admission that lost the race for the lock
// bit or found admissions queued: it waits its turn on the shard's queue.
func (l *SSELimiter) countQueued(sh *shard, e *userEntry, maxPerUser int64, t *ticket) error {
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
			return l.countLocked(e, maxPerUser, t.stripe, true)
		}
		runtime.Gosched() // the holder, which did not queue, may be descheduled
	}
}

// settled is the error of an admission on an entry in state s that needs
// no lock to decide: errRetired, or the user's cap is full; else nil. The
// user's own slots are part of its count, so a cap they fill is full.
func settled(s, maxPerUser int64) error {
	switch {
	case s&entryDead != 0:
		return errRetired
	case ownCount(s) >= userLimit(maxPerUser):
		return ErrTooManyConnectionsForUser
	}
	return nil
}

// countLocked ends the admission that holds e's lock bit: it takes a
// global slot through stripe and counts it on e, or gives up. With a spread
// open, it counts only within what the spread left under the caps, and
// folds the spread first to decide on the exact count. A contended
// admission leaves the user's count spread if its cap is far.
func (l *SSELimiter) countLocked(e *userEntry, maxPerUser int64, stripe *atomic.Int64, contended bool) error {
	c := userLimit(maxPerUser)
	if s := e.state.Load(); spreadID(s) != 0 {
		if sp := l.spreadOf(e, s); ownCount(s)+reservedCount(s) >= min(c, userLimit(sp.cap)) {
			l.fold(e, sp)
			if ownCount(e.state.Load()) >= c {
				l.unlock(e)
				return ErrTooManyConnectionsForUser
			}
		}
	}
	if !l.slots.take(stripe) {
		l.unlock(e)
		return ErrTooManyConnections
	}
	add := int64(countOne - entryLocked)
	if contended {
		if s := e.state.Load(); spreadID(s) == 0 {
			add += l.openSpread(e, maxPerUser, ownCount(s)+reservedCount(s)+1)
		}
	}
	e.state.Add(add) // the count is at least 1: nothing to settle
	return nil
}

// unlock releases e's lock bit, and retires e if the user holds nothing.
func (l *SSELimiter) unlock(e *userEntry) {
	if s := e.state.Add(-entryLocked); ownCount(s) == 0 {
		l.settle(e)
	}
}

// releaseSlot gives back a slot of e's user held by a ticket: taken from
// the stripe idx of sp, if not nil, and the global slot through stripe.
// The user's count drops before the global one.
func (l *SSELimiter) releaseSlot(e *userEntry, sp *userSpread, idx uint32, stripe *atomic.Int64) {
	if sp != nil {
		l.spreadGive(sp, e, idx)
	} else if s := e.state.Add(-countOne); ownCount(s) == 0 {
		// A ticket's slot is seldom its user's last (a user's first slot
		// has no ticket), so this decrements at once rather than try to
		// retire first.
		l.settle(e)
	}
	l.slots.give(stripe)
}
