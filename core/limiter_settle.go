package sselimit

// firstRelease returns the release function of the slot e was inserted
// with by an admission without a ticket.
func (l *SSELimiter) firstRelease(e *userEntry) func() {
	return func() { l.releaseFirst(e) }
}

// releaseFirst gives back, once, the slot e was inserted with by an
// admission without a ticket. The entry is never reused, so its first-slot
// bit makes every call after the first do nothing.
func (l *SSELimiter) releaseFirst(e *userEntry) {
	sh := l.shard(e.hash)
	if e.state.CompareAndSwap(countOne, entryDead|entryFirstGone) {
		sh.removeGiving(e, &l.slots) // the usual case: the user's only slot
		return
	}
	for {
		s := e.state.Load()
		if s&entryFirstGone != 0 {
			return // released already
		}
		if n := s - countOne | entryFirstGone; e.state.CompareAndSwap(s, n) {
			if ownCount(n) == 0 {
				l.settle(e)
			}
			break
		}
	}
	l.slots.give(&sh.word)
}

// settle retires e if the user holds nothing: no slot of its own, no batch
// reserved, no admission holding its lock. A spread still open is folded
// first, which may leave the user slots of its own. Whoever changes e's
// state so that it might retire calls settle; while e is locked, its
// holder does.
func (l *SSELimiter) settle(e *userEntry) {
	for {
		s := e.state.Load()
		switch {
		case ownCount(s) != 0 || s&(entryLocked|entryDead) != 0:
			return
		case spreadID(s) != 0:
			if e.state.CompareAndSwap(s, s|entryLocked) {
				l.fold(e, l.spreadOf(e, s))
				e.state.Add(-entryLocked)
			}
		case reservedCount(s) != 0:
			return // the reservation's return settles
		case e.state.CompareAndSwap(s, s|entryDead):
			l.shard(e.hash).remove(e)
			return
		}
	}
}
