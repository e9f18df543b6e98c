package sselimit

import (
	"testing"
)

// The tests below replay, step by step, the races between a user's last
// release, which retires the entry, and an admission for the same user.

// An acquirer that found the entry before the last release retired it must
// not count on it, but on a fresh entry.
func TestAdmissionAfterEntryRetired(t *testing.T) {
	l := NewSSELimiter(0, 1)
	release := mustAcquire(t, l, "a")
	old := entryOf(l, "a") // as the acquirer's pre-check finds it
	release()              // the last release retires old
	if old.state.Load()&entryDead == 0 {
		t.Fatalf("entry after the last release: state %#x, want dead", old.state.Load())
	}
	h := l.keyHash("", "a")
	tk := l.newTicket().(*ticket)
	e, sp, err := l.admit(l.shard(h), h, "a", old, 1, tk)
	if err != nil || e == old || l.count(e) != 1 {
		t.Fatalf("admit on a retired entry = (fresh: %t, count %d, error %v), want a fresh entry holding 1", e != old, l.count(e), err)
	}
	if got := entryOf(l, "a"); got != e {
		t.Errorf("the table holds %p for the user, want the fresh entry %p", got, e)
	}
	checkCounts(t, l, 1, map[string]int64{"a": 1})
	l.releaseSlot(e, sp, tk.idx, tk.stripe)
	checkCounts(t, l, 0, map[string]int64{"a": 0})
}

// A last release overtaken by an admission between its decrement and its
// attempt to retire the entry must leave the entry alone.
func TestLastReleaseOvertakenByAdmission(t *testing.T) {
	l := NewSSELimiter(0, 1)
	mustAcquire(t, l, "a") // released by hand below
	e := entryOf(l, "a")
	s := e.state.Add(-countOne | entryFirstGone) // the first slot's release, its decrement
	if s != entryFirstGone {
		t.Fatalf("state after the last decrement = %#x, want %#x", s, entryFirstGone)
	}
	tk := l.newTicket().(*ticket)
	sp, err := l.countOn(l.shard(e.hash), e, 1, tk) // the admission overtakes it
	if err != nil {
		t.Fatalf("countOn = %v, want nil", err)
	}
	l.settle(e) // the release goes on
	l.slots.give(&l.shard(e.hash).word)
	checkCounts(t, l, 1, map[string]int64{"a": 1})
	if _, err := l.Acquire("a"); err != ErrTooManyConnectionsForUser {
		t.Errorf("Acquire(a) error = %v, want %v", err, ErrTooManyConnectionsForUser)
	}
	l.releaseSlot(e, sp, tk.idx, tk.stripe)
	checkCounts(t, l, 0, map[string]int64{"a": 0})
}

// A refused admission that held the entry's lock while the user's last
// slot was released retires the entry itself: no entry is left behind.
func TestRefusedAdmissionRetiresEntry(t *testing.T) {
	l := NewSSELimiter(1, 2)
	mustAcquire(t, l, "a") // released by hand below
	e := entryOf(l, "a")
	s := e.state.Load()
	if !e.state.CompareAndSwap(s, s|entryLocked) { // the admission locks it
		t.Fatal("could not lock the entry")
	}
	if l.slots.take(&l.slots.stripe[0].n) { // and finds the global cap full
		t.Fatal("take at the global cap = true, want false")
	}
	l.releaseFirst(e) // the last release, while the admission holds the lock
	if got := userEntries(l); got != 1 {
		t.Fatalf("user entries while the admission holds the lock = %d, want 1", got)
	}
	l.unlock(e) // the admission gives up, as countLocked does
	checkCounts(t, l, 0, map[string]int64{"a": 0})
	if s := e.state.Load(); s != entryDead|entryFirstGone {
		t.Errorf("entry state = %#x, want %#x (dead)", s, entryDead|entryFirstGone)
	}
}
