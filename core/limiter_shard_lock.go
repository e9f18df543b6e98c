package sselimit

import "runtime"

// A shard's lock is the low bit of its stripe's word (see globalSlots), so
// that the insertion of a user's first slot locks the shard and takes the
// slot from the shard's stripe in one atomic operation, and the removal of
// a user's entry gives the slot back as it unlocks. Those waiting for the
// bit take turns on the shard's turn mutex: one of them retries the bit,
// the others park.

// lock takes the shard's lock.
func (sh *shard) lock() {
	if v := sh.word.Load(); v&1 != 0 || !sh.word.CompareAndSwap(v, v|1) {
		sh.lockSlow()
	}
}

// lockTaking takes the shard's lock and, if the shard's stripe holds a free
// slot, that slot, which it reports.
func (sh *shard) lockTaking() bool {
	v := sh.word.Load()
	if v&1 == 0 {
		if v >= stripeUnit {
			if sh.word.CompareAndSwap(v, v-stripeUnit|1) {
				return true
			}
		} else if sh.word.CompareAndSwap(v, v|1) {
			return false
		}
	}
	sh.lockSlow()
	return false
}

func (sh *shard) lockSlow() {
	sh.turn.Lock()
	defer sh.turn.Unlock()
	for {
		if v := sh.word.Load(); v&1 == 0 && sh.word.CompareAndSwap(v, v|1) {
			return
		}
		runtime.Gosched() // the holder may be descheduled
	}
}

func (sh *shard) unlock() { sh.word.Add(-1) }

// unlockGiving releases the shard's lock, giving a slot back to the global
// count: to the shard's stripe, in the same operation, if it has room.
func (sh *shard) unlockGiving(g *globalSlots) {
	for {
		v := sh.word.Load()
		if n := v >> 1; n < 0 || n >= stripeKeep {
			sh.word.Add(-1)
			g.give(&sh.word)
			return
		}
		if sh.word.CompareAndSwap(v, v-1+stripeUnit) {
			return
		}
	}
}
