package sselimit

import (
	"runtime"
	"sync/atomic"
)

// A userSpread splits the count of one user whom admissions on several
// CPUs contend for, so that they stop writing the entry's cache line: each
// of its stripes, one per ticket stripe, holds an allowance of slots
// reserved on the entry, and counts the slots taken from it. A slot taken
// through a stripe goes back to it, through the same ticket.
//
// The entry's state counts the user's own slots and the slots reserved by
// the stripes (allowances, slots claimed and slots taken): while a spread
// is open, its grants and the admissions on the entry keep their sum
// within the spread's cap, so a slot taken from an allowance never passes
// it, and the user's count is the own slots plus those the stripes took.
// An admission claims its slot from an allowance, then takes its global
// slot, then counts the claimed slot as taken: a slot refused at the global
// cap is never counted for the user.
//
// A spread is folded back into the entry (its stripes closed, their slots
// counted as the entry's own before a release can give them back there)
// when the user's own count falls to 0, so the entry can retire, and when
// an admission needs the exact count. A spread is never reopened: a user
// contended for again gets a fresh one.
//
// The limiter keeps the open spreads in a small table, and an entry's state
// holds its spread's place there: entries, one per user holding a slot,
// stay small.
type userSpread struct {
	e      *userEntry // the user's entry
	id     int64      // its place in the limiter's spreads, plus one
	cap    int64      // the cap grants keep within: <= 0, none
	_      [40]byte
	stripe [stripeCount]spreadStripe
}

type spreadStripe struct {
	n atomic.Int64 // taken<<spreadTakenShift | allowance, stripeClosing or stripeClosed
	_ [56]byte
}

const (
	// A stripe being folded: its slots are on their way to the entry.
	stripeClosing    = stripeClosed - 1
	spreadTakenShift = 32
	spreadTakenOne   = 1 << spreadTakenShift
	spreadAllowance  = spreadTakenOne - 1 // the allowance's bits
	// A user is spread only this far below the admission's cap, so that a
	// spread seldom meets the cap and has to fold.
	spreadRoom = 2 * stripeCount * stripeKeep
	// The most a user counts, own and reserved slots together: the state's
	// fields cannot hold more.
	maxUserCount = 1 << (countBits - 1)
	maxSpreads   = 1<<(63-spreadShift) - 1 // spreads open at once in a limiter
)

// spreadOf is e's spread, given e's state s, or nil. A spread found through
// a state read before the spread was folded is closed: whoever takes a
// slot from it finds its stripes closed.
func (l *SSELimiter) spreadOf(e *userEntry, s int64) *userSpread {
	id := spreadID(s)
	if id == 0 {
		return nil
	}
	if sp := l.spreads[id-1].Load(); sp != nil && sp.e == e {
		return sp
	}
	return nil
}

// openSpread opens a spread for e, whose lock the caller holds and which
// counts n slots, own and reserved, for an admission under the cap
// maxPerUser (<= 0: none), and returns what to add to e's state to record
// it: 0 if e is not far enough below the spread's cap, or every place for
// a spread is taken. The spread keeps within the limiter's own cap if that
// is lower, so that admissions under it can take slots from the stripes
// too.
func (l *SSELimiter) openSpread(e *userEntry, maxPerUser, n int64) int64 {
	if l.maxPerUser > 0 && (maxPerUser <= 0 || l.maxPerUser < maxPerUser) {
		maxPerUser = l.maxPerUser
	}
	if !l.spreadAll && n+spreadRoom > userLimit(maxPerUser) {
		return 0
	}
	for i := range l.spreads {
		if l.spreads[i].Load() == nil {
			sp := &userSpread{e: e, id: int64(i + 1), cap: maxPerUser}
			if l.spreads[i].CompareAndSwap(nil, sp) {
				return sp.id * spreadOne
			}
		}
	}
	return 0
}

// admits reports whether an admission under a per-user cap of c (<= 0:
// none) may take its slot from the stripes: the cap they keep within is
// no looser than c.
func (sp *userSpread) admits(c int64) bool {
	return c <= 0 || sp.cap > 0 && sp.cap <= c
}

// userLimit is the most a user may count under the per-user cap c (<= 0:
// none): c, or what the entry's state can hold if that is less.
func userLimit(c int64) int64 {
	if c <= 0 || c > maxUserCount {
		return maxUserCount
	}
	return c
}

// fold closes sp, e's spread, counts the slots its stripes took as e's
// own, and frees its place in the limiter's spreads. The caller holds e's
// lock, so no batch is reserved meanwhile; fold waits for the reservations
// still on their way (a batch reserved for a stripe that is closed now, a
// slot an admission claimed and has yet to count or give back), so that
// e's state then counts exactly the user's slots.
func (l *SSELimiter) fold(e *userEntry, sp *userSpread) {
	id := spreadID(e.state.Load())
	e.state.Add(-id * spreadOne) // admissions from now on find no spread
	for i := range sp.stripe {
		st := &sp.stripe[i].n
		n := st.Swap(stripeClosing)
		taken, allowance := n>>spreadTakenShift, n&spreadAllowance
		e.state.Add(taken*countOne - (taken+allowance)*reservedOne)
		st.Store(stripeClosed) // releases of its slots may count them as the entry's now
	}
	for reservedCount(e.state.Load()) != 0 {
		runtime.Gosched() // a reservation on its way back, a few atomic operations away
	}
	l.spreads[id-1].Store(nil)
}

// spreadTaken is the number of slots the stripes of sp have taken.
func (sp *userSpread) spreadTaken() int64 {
	var n int64
	for i := range sp.stripe {
		if s := sp.stripe[i].n.Load(); s > 0 {
			n += s >> spreadTakenShift
		}
	}
	return n
}
