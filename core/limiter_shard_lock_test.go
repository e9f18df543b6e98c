package sselimit

import (
	"runtime"
	"strconv"
	"testing"
)

// An insertion that took a slot with the shard's lock, and found the user's
// entry inserted meanwhile, gives the slot back as it unlocks.
func TestInsertOfPresentUserGivesItsSlotBack(t *testing.T) {
	l := NewSSELimiter(1<<20, 0) // a cap large enough to open the stripes
	release := mustAcquire(t, l, "a")
	e := entryOf(l, "a")
	h := l.keyHash("", "a")
	sh := l.shard(h)
	before := sh.word.Load()
	if before>>1 < 1 {
		t.Fatalf("the shard's stripe holds %d slots, want some", before>>1)
	}
	got, counted, err := sh.insert(l, h, "a", &sh.word, false)
	if got != e || counted || err != nil {
		t.Fatalf("insert of a present user = (same entry: %t, counted %t, error %v), want (true, false, nil)", got == e, counted, err)
	}
	if after := sh.word.Load(); after != before {
		t.Errorf("the shard's stripe word = %#x after the insertion, want %#x as before", after, before)
	}
	checkCounts(t, l, 1, map[string]int64{"a": 1})
	release()
	checkCounts(t, l, 0, map[string]int64{"a": 0})
}

// An admission that finds its shard locked waits for the lock, and then
// goes on.
func TestAdmissionWaitsForShardLock(t *testing.T) {
	l := NewSSELimiter(0, 0)
	held := mustAcquire(t, l, "a")
	sh := l.shard(l.keyHash("", "a"))
	other := "" // a user of the same shard
	for i := 0; other == ""; i++ {
		if u := "b" + strconv.Itoa(i); l.shard(l.keyHash("", u)) == sh {
			other = u
		}
	}
	sh.lock()
	done := make(chan error)
	go func() {
		release, err := l.Acquire(other)
		if err == nil {
			release()
		}
		done <- err
	}()
	// The admission, turned away by the lock bit, takes its turn on the
	// shard's turn mutex and waits there.
	for sh.turn.TryLock() {
		sh.turn.Unlock()
		select {
		case err := <-done:
			t.Fatalf("Acquire(%q) returned (%v) while its shard was locked", other, err)
		default:
		}
		runtime.Gosched()
	}
	select {
	case err := <-done:
		t.Fatalf("Acquire(%q) returned (%v) while its shard was locked", other, err)
	default:
	}
	sh.unlock()
	if err := <-done; err != nil {
		t.Errorf("Acquire(%q) error = %v, want nil", other, err)
	}
	held()
	checkCounts(t, l, 0, map[string]int64{"a": 0, other: 0})
}
