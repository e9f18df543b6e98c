package sselimit

import "sync/atomic"

// A ticket is the state behind one release function. Tickets are pooled, so
// an admission allocates only the release closure, which captures the ticket
// and its state when handed out. state grows by one at each release: a
// closure acts only if it moves state from its own value to the next, so only
// its first call acts, and one kept past its ticket's reuse never matches
// again: it cannot release another admission's slot.
//
// The pool keeps tickets per CPU, so a ticket's stripe, fixed when it is
// made, spreads the global count's writes over the stripes by CPU.
type ticket struct {
	state  atomic.Uint64
	l      *SSELimiter
	e      *userEntry
	stripe *atomic.Int64 // of the global count
	idx    uint32        // stripe's index, and that of the user's spread the ticket takes from
	spread *userSpread   // the spread the slot was taken from, or nil
	_      [16]byte      // tickets in use on different CPUs keep off each other's cache lines (see TestCacheLines)
}

var ticketStripes atomic.Uint32

// newTicket returns a ticket of l: each limiter pools its own, so that a
// ticket's limiter is set once.
func (l *SSELimiter) newTicket() any {
	i := ticketStripes.Add(1) % stripeCount
	return &ticket{l: l, stripe: &l.slots.stripe[i].n, idx: i}
}

// handOut returns the release function of a slot of e, taken from the
// spread sp (nil: none) and already counted through t's stripe. It
// writes a pointer only if it changed, sparing the write barrier a pointer
// store pays while the garbage collector marks: a user whose admissions
// keep one CPU busy reuses that CPU's ticket for itself, and most users'
// slots come from no spread.
func (t *ticket) handOut(e *userEntry, sp *userSpread) func() {
	if t.e != e {
		t.e = e
	}
	if t.spread != sp {
		t.spread = sp
	}
	held := t.state.Load()
	return func() { t.release(held) }
}

func (t *ticket) release(held uint64) {
	if !t.state.CompareAndSwap(held, held+1) {
		return // released already, maybe reused since
	}
	// A pooled ticket may keep a retired entry, or a folded spread, alive
	// until its reuse or the pool's next collection: not worth a write to
	// clear.
	l, e, sp, idx, stripe := t.l, t.e, t.spread, t.idx, t.stripe
	l.tickets.Put(t)
	l.releaseSlot(e, sp, idx, stripe)
}
