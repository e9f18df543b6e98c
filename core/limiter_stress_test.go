package sselimit

import (
	"hash/maphash"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// TestStressCapsHold runs many goroutines on few users. Each counts what it
// really holds (incremented after a successful Acquire, decremented before
// release): a count above a cap is an admission past it. The limiter's own
// counts, read all along, must never be above a cap either, even briefly.
func TestStressCapsHold(t *testing.T) {
	tests := []struct {
		name                 string
		maxTotal, maxPerUser int
		users                int
		userRefusals         bool // false: no user can reach its cap, so ErrTooManyConnectionsForUser is spurious
	}{
		{"both caps, few users", 8, 3, 4, true},
		// Users go from 0 to 1 slot and back, so entries are removed while
		// other goroutines are about to count on them.
		{"entries come and go, one user", 0, 1, 1, true},
		{"entries come and go, two users", 0, 1, 2, true},
		{"global cap only", 5, 0, 16, false},
		{"global cap below users", 3, 2, 64, true},
		// The global cap of 1 keeps each user below its cap of 2: a user
		// refusal could only come from a count added and then taken back.
		{"global cap keeps users below theirs", 1, 2, 2, false},
	}
	iters := 20000
	if limiterRace {
		iters = 3000
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stress(t, tt.maxTotal, tt.maxPerUser, tt.users, iters, tt.userRefusals)
		})
	}
}

func stress(t *testing.T, maxTotal, maxPerUser, nUsers, iters int, userRefusals bool) {
	l := NewSSELimiter(maxTotal, maxPerUser)
	users := make([]string, nUsers)
	for i := range users {
		users[i] = "user" + strconv.Itoa(i)
	}
	held := make([]atomic.Int64, nUsers)
	var total, admitted atomic.Int64
	var failed atomic.Bool
	fail := func(format string, args ...any) {
		if failed.CompareAndSwap(false, true) {
			t.Errorf(format, args...)
		}
	}

	// Some release functions are handed to other goroutines, which call
	// them twice.
	handoff := make(chan func())
	var releasers sync.WaitGroup
	for range 2 {
		releasers.Go(func() {
			for r := range handoff {
				r()
				r()
			}
		})
	}

	// A user's count can reach neither cap: it is part of the total.
	userMax := int64(maxPerUser)
	if maxTotal > 0 && (maxPerUser <= 0 || maxTotal < maxPerUser) {
		userMax = int64(maxTotal)
	}
	observe := func(u string) {
		if n := l.ActiveConnections(); n < 0 || maxTotal > 0 && n > int64(maxTotal) {
			fail("ActiveConnections() = %d, want 0..%d", n, maxTotal)
		}
		if n := l.ActiveForUser(u); n < 0 || userMax > 0 && n > userMax {
			fail("ActiveForUser(%q) = %d, want 0..%d", u, n, userMax)
		}
	}
	var stop atomic.Bool
	var observer sync.WaitGroup
	observer.Go(func() {
		for !stop.Load() {
			for _, u := range users {
				observe(u)
			}
			runtime.Gosched()
		}
	})

	var workers sync.WaitGroup
	for w := range 4 * runtime.GOMAXPROCS(0) {
		workers.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			for range iters {
				u := rng.IntN(nUsers)
				release, err := l.Acquire(users[u])
				observe(users[u])
				switch {
				case err == ErrTooManyConnections:
					continue
				case err == ErrTooManyConnectionsForUser && userRefusals:
					continue
				case err != nil:
					fail("Acquire(%q) error = %v, want nil or a cap that can be reached", users[u], err)
					continue
				}
				admitted.Add(1)
				if n := held[u].Add(1); maxPerUser > 0 && n > int64(maxPerUser) {
					fail("user %q holds %d slots, cap %d", users[u], n, maxPerUser)
				}
				if n := total.Add(1); maxTotal > 0 && n > int64(maxTotal) {
					fail("%d slots held, cap %d", n, maxTotal)
				}
				if rng.IntN(4) == 0 {
					runtime.Gosched()
				}
				held[u].Add(-1)
				total.Add(-1)
				switch rng.IntN(4) {
				case 0:
					handoff <- release
				case 1:
					release()
					release()
				default:
					release()
				}
			}
		})
	}
	workers.Wait()
	close(handoff)
	releasers.Wait()
	stop.Store(true)
	observer.Wait()

	if admitted.Load() == 0 {
		t.Errorf("no Acquire succeeded")
	}
	want := map[string]int64{}
	for _, u := range users {
		want[u] = 0
	}
	checkCounts(t, l, 0, want)
}

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
	h := maphash.String(l.seed, "a")
	e, err := l.admit(l.shard(h), h, "a", old, 1)
	if err != nil || e == old || e.count() != 1 {
		t.Fatalf("admit on a retired entry = (fresh: %t, count %d, error %v), want a fresh entry holding 1", e != old, e.count(), err)
	}
	if got := entryOf(l, "a"); got != e {
		t.Errorf("the table holds %p for the user, want the fresh entry %p", got, e)
	}
	checkCounts(t, l, 1, map[string]int64{"a": 1})
	l.releaseSlot(e)
	checkCounts(t, l, 0, map[string]int64{"a": 0})
}

// A last release overtaken by an admission between its decrement and its
// attempt to retire the entry must leave the entry alone.
func TestLastReleaseOvertakenByAdmission(t *testing.T) {
	l := NewSSELimiter(0, 1)
	mustAcquire(t, l, "a") // released by hand below
	e := entryOf(l, "a")
	if s := e.state.Add(-countOne); s != 0 { // the release's decrement
		t.Fatalf("state after the last decrement = %#x, want 0", s)
	}
	if err := l.countOn(e, 1); err != nil { // the admission overtakes it
		t.Fatalf("countOn = %v, want nil", err)
	}
	l.retire(e) // the release goes on
	l.active.Add(-1)
	checkCounts(t, l, 1, map[string]int64{"a": 1})
	if _, err := l.Acquire("a"); err != ErrTooManyConnectionsForUser {
		t.Errorf("Acquire(a) error = %v, want %v", err, ErrTooManyConnectionsForUser)
	}
	l.releaseSlot(e)
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
	if l.addActive() { // and finds the global cap full
		t.Fatal("addActive at the global cap = true, want false")
	}
	l.releaseSlot(e) // the last release, while the admission holds the lock
	if got := userEntries(l); got != 1 {
		t.Fatalf("user entries while the admission holds the lock = %d, want 1", got)
	}
	if e.state.Add(-entryLocked) == 0 { // the admission gives up, as countOn does
		l.retire(e)
	}
	checkCounts(t, l, 0, map[string]int64{"a": 0})
	if e.state.Load() != entryDead {
		t.Errorf("entry state = %#x, want dead", e.state.Load())
	}
}

// TestStressTablesResize has goroutines hold hundreds of slots each, of
// users from a shared pool, so that shard tables grow, fill with
// tombstones, rebuild and shrink while others read them. A user whose
// slot a goroutine holds must be found all along: by ActiveForUser, and
// by Acquire, which must refuse it at its cap of 1.
func TestStressTablesResize(t *testing.T) {
	const users, window = 4000, 300
	rounds := 20_000
	if limiterRace {
		rounds = 4000
	}
	l := NewSSELimiter(0, 1)
	names := make([]string, users)
	for i := range names {
		names[i] = "user-" + strconv.Itoa(i)
	}
	var failed atomic.Bool
	fail := func(format string, args ...any) {
		if failed.CompareAndSwap(false, true) {
			t.Errorf(format, args...)
		}
	}
	var workers sync.WaitGroup
	for w := range 4 {
		workers.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 2))
			type held struct {
				user    string
				release func()
			}
			var ring []held
			for range rounds {
				u := names[rng.IntN(users)]
				release, err := l.Acquire(u)
				switch {
				case err == ErrTooManyConnectionsForUser:
					continue // another goroutine holds u
				case err != nil:
					fail("Acquire(%q) error = %v, want nil or %v", u, err, ErrTooManyConnectionsForUser)
					return
				}
				ring = append(ring, held{u, release})
				if len(ring) < window {
					continue
				}
				i := rng.IntN(len(ring))
				h := ring[i]
				ring[i] = ring[len(ring)-1]
				ring = ring[:len(ring)-1]
				if n := l.ActiveForUser(h.user); n != 1 {
					fail("ActiveForUser(%q) while held = %d, want 1", h.user, n)
				}
				if _, err := l.Acquire(h.user); err != ErrTooManyConnectionsForUser {
					fail("Acquire(%q) while held at its cap of 1: error %v, want %v", h.user, err, ErrTooManyConnectionsForUser)
				}
				h.release()
			}
			for _, h := range ring {
				h.release()
			}
		})
	}
	workers.Wait()
	checkCounts(t, l, 0, nil)
}
