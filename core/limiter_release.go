package sselimit

import (
	"sync"
	"sync/atomic"
)

// A ticket is the state behind one release function. Tickets are pooled, so
// an admission allocates only the release closure, which captures the ticket
// and the state value it was handed out with.
//
// state only ever grows: odd while held, even while free. A release closure
// acts only if it moves state from its own odd value to the next even one, so
// only its first call acts, and a closure kept past its ticket's reuse never
// matches again: it cannot release another admission's slot.
type ticket struct {
	state atomic.Uint64
	l     *SSELimiter
	e     *userEntry
}

var ticketPool = sync.Pool{New: func() any { return new(ticket) }}

// newRelease returns the release function of a slot of e that is already
// counted.
func (l *SSELimiter) newRelease(e *userEntry) func() {
	t := ticketPool.Get().(*ticket)
	t.l, t.e = l, e
	held := t.state.Add(1) // after l and e: a release that sees held sees them
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
