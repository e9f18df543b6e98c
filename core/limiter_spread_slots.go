package sselimit

import "runtime"

// spreadClaim claims a slot for e's user from the allowance of stripe i,
// reserving a batch on e when the stripe has none left. A claimed slot is
// still only reserved: spreadCount counts it once the admission has its
// global slot, spreadUnclaim gives it back if not. It reports false when the
// stripe is closed or no batch can be reserved: the admission then counts
// on e.
func (l *SSELimiter) spreadClaim(sp *userSpread, e *userEntry, i uint32) bool {
	st := &sp.stripe[i].n
	for {
		n := st.Load()
		switch {
		case n < 0: // closed, or closing
			return false
		case n&spreadAllowance > 0:
			if st.CompareAndSwap(n, n-1) {
				return true
			}
		case !l.reserve(e, sp):
			return false
		case !st.CompareAndSwap(n, n+stripeBatch):
			l.unreserve(e, stripeBatch) // the stripe changed meanwhile
		}
	}
}

// spreadCount counts the slot claimed from stripe i as taken. A stripe
// closed meanwhile left the claim reserved on e: it becomes e's own slot.
func (l *SSELimiter) spreadCount(sp *userSpread, e *userEntry, i uint32) {
	if !sp.addOpen(i, spreadTakenOne) {
		e.state.Add(countOne - reservedOne)
	}
}

// spreadUnclaim gives back the slot claimed from stripe i, to the stripe,
// or to e if the stripe closed meanwhile.
func (l *SSELimiter) spreadUnclaim(sp *userSpread, e *userEntry, i uint32) {
	if !sp.addOpen(i, 1) {
		l.unreserve(e, 1)
	}
}

// addOpen adds d to stripe i of sp unless the stripe is closed, which it
// reports with false. A stripe a fold is closing is waited for: its slots
// are two atomic operations away from the entry.
func (sp *userSpread) addOpen(i uint32, d int64) bool {
	st := &sp.stripe[i].n
	for {
		switch n := st.Load(); n {
		case stripeClosing:
			runtime.Gosched()
		case stripeClosed:
			return false
		default:
			if st.CompareAndSwap(n, n+d) {
				return true
			}
		}
	}
}

// spreadGive gives back a slot of e's user taken from stripe i. A stripe
// closed meanwhile has counted its slots as e's own: the slot is given
// back there.
func (l *SSELimiter) spreadGive(sp *userSpread, e *userEntry, i uint32) {
	st := &sp.stripe[i].n
	for {
		n := st.Load()
		switch {
		case n == stripeClosing:
			runtime.Gosched() // the fold is moving the slot to the entry: two atomic operations
		case n == stripeClosed:
			if s := e.state.Add(-countOne); ownCount(s) == 0 {
				l.settle(e)
			}
			return
		case n&spreadAllowance < stripeKeep:
			if st.CompareAndSwap(n, n+1-spreadTakenOne) {
				return
			}
		case st.CompareAndSwap(n, n+1-spreadTakenOne-stripeBatch):
			l.unreserve(e, stripeBatch) // a batch back to the entry
			return
		}
	}
}

// reserve reserves a batch of slots on e for a stripe of sp, unless sp is
// no longer e's open spread, an admission or a fold holds e's lock, or the
// batch would pass sp's cap.
func (l *SSELimiter) reserve(e *userEntry, sp *userSpread) bool {
	max := userLimit(sp.cap)
	for {
		s := e.state.Load()
		if s&(entryLocked|entryDead) != 0 || spreadID(s) != sp.id || l.spreads[sp.id-1].Load() != sp ||
			ownCount(s)+reservedCount(s)+stripeBatch > max {
			return false
		}
		if e.state.CompareAndSwap(s, s+stripeBatch*reservedOne) {
			return true
		}
	}
}

// unreserve gives back n slots reserved on e. The user's last reservation
// to come back while it holds no slot of its own retires the entry.
func (l *SSELimiter) unreserve(e *userEntry, n int64) {
	if s := e.state.Add(-n * reservedOne); ownCount(s) == 0 {
		l.settle(e)
	}
}
