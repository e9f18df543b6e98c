package sselimit

import "testing"

// An admission of a spread user that claimed a slot from a stripe, then
// found the global cap full, holds no slot of the user's meanwhile: another
// admission of the user, folding the spread to decide on the exact count,
// finds the user below its cap.
func TestSpreadClaimIsNotCounted(t *testing.T) {
	const userCap, globalCap = 300, 400
	l := NewSSELimiter(globalCap, userCap)
	releases, sp := spreadUser(t, l, "a")
	e := entryOf(l, "a")
	for range 2 { // two more of the user's own, under a cap the spread does not admit
		r, err := l.AcquireCap("a", userCap-1)
		if err != nil {
			t.Fatalf("AcquireCap(a, %d) error = %v, want nil", userCap-1, err)
		}
		releases = append(releases, r)
	}
	h := l.keyHash("", "a")
	for len(releases) < userCap-1 { // through stripe 0, which ends with 1 slot of allowance
		tk := &ticket{l: l, stripe: &l.slots.stripe[0].n, idx: 0}
		_, from, err := l.admit(l.shard(h), h, "a", e, userCap, tk)
		if err != nil || from != sp {
			t.Fatalf("admission %d of a: spread %p, error %v; want the user's spread %p, nil", len(releases)+1, from, err, sp)
		}
		releases = append(releases, tk.handOut(e, from))
	}
	if n := sp.stripe[0].n.Load() & spreadAllowance; n != 1 {
		t.Fatalf("allowance of stripe 0 = %d, want 1", n)
	}
	var others []func()
	for l.ActiveConnections() < globalCap {
		others = append(others, mustAcquire(t, l, "z"))
	}
	// Admission A of a claims the last slot of stripe 0's allowance, and
	// finds the global cap full.
	if !l.spreadClaim(sp, e, 0) {
		t.Fatal("A: no slot claimed from stripe 0")
	}
	if l.slots.take(&l.slots.stripe[0].n) {
		t.Fatal("A: a global slot taken at the global cap")
	}
	if got := l.ActiveForUser("a"); got != userCap-1 {
		t.Errorf("ActiveForUser(a) while A holds a claim = %d, want %d", got, userCap-1)
	}
	others[0]() // the global cap has room again
	// Admission B of a runs while A is between its steps.
	done := make(chan error)
	go func() {
		r, err := l.Acquire("a")
		if err == nil {
			releases = append(releases, r)
		}
		done <- err
	}()
	l.spreadUnclaim(sp, e, 0) // A gives up
	if err := <-done; err != nil {
		t.Errorf("B: Acquire(a) with a holding %d of %d and the global cap not full: %v", userCap-1, userCap, err)
	}
	checkCounts(t, l, globalCap, map[string]int64{"a": userCap, "z": int64(len(others) - 1)})
	for _, r := range append(releases, others[1:]...) {
		r()
	}
	checkCounts(t, l, 0, map[string]int64{"a": 0, "z": 0})
}
