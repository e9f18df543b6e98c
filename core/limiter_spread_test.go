package sselimit

import (
	"runtime"
	"testing"
)

// contend admits user while the test holds the user's entry locked, as an
// admission on another CPU would, so that the admission queues; it returns
// the admission's outcome once the test unlocks the entry.
func contend(t *testing.T, l *SSELimiter, user string, maxPerUser int) (func(), error) {
	t.Helper()
	e := entryOf(l, user)
	s := e.state.Load()
	if s&entryLocked != 0 || !e.state.CompareAndSwap(s, s|entryLocked) {
		t.Fatalf("could not lock the entry of %q", user)
	}
	type outcome struct {
		release func()
		err     error
	}
	done := make(chan outcome)
	sh := l.shard(e.hash)
	go func() {
		r, err := l.AcquireCap(user, maxPerUser)
		done <- outcome{r, err}
	}()
	for sh.queued.Load() == 0 {
		runtime.Gosched() // until the admission finds the lock taken and queues
	}
	l.unlock(e)
	o := <-done
	return o.release, o.err
}

// spreadUser admits user twice, the second time contended for, and returns
// the two releases and the user's spread: it fails the test unless the
// admissions succeed and the user's count is spread.
func spreadUser(t *testing.T, l *SSELimiter, user string) ([]func(), *userSpread) {
	t.Helper()
	first := mustAcquire(t, l, user)
	second, err := contend(t, l, user, 0)
	if err != nil {
		t.Fatalf("contended Acquire(%s) error = %v, want nil", user, err)
	}
	e := entryOf(l, user)
	sp := l.spreadOf(e, e.state.Load())
	if sp == nil {
		t.Fatalf("the contended user %q's count is not spread", user)
	}
	return []func(){first, second}, sp
}

// An admission that waited for a user's entry spreads the user's count when
// the cap is far; admissions and releases then go through the stripes, and
// the counts stay exact.
func TestContendedUserIsSpread(t *testing.T) {
	l := NewSSELimiter(0, 1000)
	releases, sp := spreadUser(t, l, "a")
	e := entryOf(l, "a")
	first, second := releases[0], releases[1]
	for range 10 {
		releases = append(releases, mustAcquire(t, l, "a"))
	}
	if got := sp.spreadTaken(); got != 10 {
		t.Errorf("slots taken through the stripes = %d, want 10", got)
	}
	checkCounts(t, l, 12, map[string]int64{"a": 12})
	// The user's own slots go first: the spread folds back into the entry,
	// which keeps what the stripes hold.
	first()
	second()
	if l.spreadOf(e, e.state.Load()) != nil {
		t.Error("the spread is still open once the user holds no slot of its own")
	}
	checkCounts(t, l, 10, map[string]int64{"a": 10})
	for _, r := range releases {
		r()
	}
	checkCounts(t, l, 0, map[string]int64{"a": 0})
	if n := userEntries(l); n != 0 {
		t.Errorf("user entries = %d, want 0", n)
	}
	for i := range l.spreads {
		if l.spreads[i].Load() != nil {
			t.Errorf("place %d of the spreads is still taken", i)
		}
	}
}

// A contended user finding every place for a spread taken is admitted all
// the same, its count kept on its entry.
func TestSpreadsFull(t *testing.T) {
	l := NewSSELimiter(0, 0)
	for i := range l.spreads {
		l.spreads[i].Store(&userSpread{})
	}
	first := mustAcquire(t, l, "a")
	release, err := contend(t, l, "a", 0)
	if err != nil {
		t.Fatalf("contended Acquire(a) error = %v, want nil", err)
	}
	e := entryOf(l, "a")
	if s := e.state.Load(); spreadID(s) != 0 {
		t.Errorf("the user's state names spread %d, want none", spreadID(s))
	}
	checkCounts(t, l, 2, map[string]int64{"a": 2})
	release()
	first()
	checkCounts(t, l, 0, map[string]int64{"a": 0})
}

// A spread user at a cap near enough to be met by the stripes' batches is
// folded and admitted, or refused, on its exact count.
func TestSpreadUserAtCap(t *testing.T) {
	const userCap = 6
	l := NewSSELimiter(0, userCap)
	l.spreadAll = true
	var releases []func()
	for range userCap {
		releases = append(releases, mustAcquire(t, l, "a"))
	}
	if _, err := l.Acquire("a"); err != ErrTooManyConnectionsForUser {
		t.Fatalf("Acquire(a) at the cap error = %v, want %v", err, ErrTooManyConnectionsForUser)
	}
	checkCounts(t, l, userCap, map[string]int64{"a": userCap})
	releases[3]()
	releases[3] = mustAcquire(t, l, "a")
	checkCounts(t, l, userCap, map[string]int64{"a": userCap})
	for _, r := range releases {
		r()
	}
	checkCounts(t, l, 0, map[string]int64{"a": 0})
}

// An admission whose cap is lower than the one the user's spread keeps
// within folds it, and is decided on the exact count.
func TestLowerCapFoldsSpread(t *testing.T) {
	l := NewSSELimiter(0, 0)
	releases, _ := spreadUser(t, l, "a")
	e := entryOf(l, "a")
	third := mustAcquire(t, l, "a")
	if _, err := l.AcquireCap("a", 3); err != ErrTooManyConnectionsForUser {
		t.Fatalf("AcquireCap(a, 3) with 3 held error = %v, want %v", err, ErrTooManyConnectionsForUser)
	}
	if l.spreadOf(e, e.state.Load()) != nil {
		t.Error("the spread is still open after an admission under a lower cap")
	}
	if s := e.state.Load(); ownCount(s) != 3 || reservedCount(s) != 0 {
		t.Errorf("entry after the fold: %d own, %d reserved, want 3 and 0", ownCount(s), reservedCount(s))
	}
	fourth, err := l.AcquireCap("a", 4)
	if err != nil {
		t.Fatalf("AcquireCap(a, 4) with 3 held error = %v, want nil", err)
	}
	checkCounts(t, l, 4, map[string]int64{"a": 4})
	for _, r := range append(releases, third, fourth) {
		r()
	}
	checkCounts(t, l, 0, map[string]int64{"a": 0})
}

// A user near its cap is not spread, however contended.
func TestUserNearCapIsNotSpread(t *testing.T) {
	l := NewSSELimiter(0, spreadRoom)
	first := mustAcquire(t, l, "a")
	release, err := contend(t, l, "a", 0)
	if err != nil {
		t.Fatalf("contended Acquire(a) error = %v, want nil", err)
	}
	if l.spreadOf(entryOf(l, "a"), entryOf(l, "a").state.Load()) != nil {
		t.Errorf("a user %d slots below a cap of %d is spread", spreadRoom-2, spreadRoom)
	}
	release()
	first()
	checkCounts(t, l, 0, map[string]int64{"a": 0})
}

// A user's count stops where the entry's state can hold no more, whatever
// the caps.
func TestUserCountStops(t *testing.T) {
	l := NewSSELimiter(0, 0)
	release := mustAcquire(t, l, "a")
	e := entryOf(l, "a")
	e.state.Add((maxUserCount - 1) * countOne) // as if the user held them all
	if _, err := l.Acquire("a"); err != ErrTooManyConnectionsForUser {
		t.Errorf("Acquire(a) holding %d error = %v, want %v", maxUserCount, err, ErrTooManyConnectionsForUser)
	}
	e.state.Add(-(maxUserCount - 1) * countOne)
	release()
	checkCounts(t, l, 0, map[string]int64{"a": 0})
}

// A contended user whose count is already past the limiter's own cap,
// admitted under a higher cap of its own, is not spread: a spread keeps
// within the limiter's cap, and could reserve nothing.
func TestUserPastLimiterCapIsNotSpread(t *testing.T) {
	l := NewSSELimiter(0, 5)
	var releases []func()
	for range 6 {
		r, err := l.AcquireCap("a", 10000)
		if err != nil {
			t.Fatalf("AcquireCap(a, 10000) error = %v, want nil", err)
		}
		releases = append(releases, r)
	}
	r, err := contend(t, l, "a", 10000)
	if err != nil {
		t.Fatalf("contended AcquireCap(a, 10000) error = %v, want nil", err)
	}
	if s := entryOf(l, "a").state.Load(); spreadID(s) != 0 {
		t.Error("a user holding more than the limiter's cap of 5 is spread")
	}
	for _, r := range append(releases, r) {
		r()
	}
	checkCounts(t, l, 0, map[string]int64{"a": 0})
}
