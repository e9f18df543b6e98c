package sselimit

import (
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
	iters := stressIters()
	for _, tt := range tests {
		for _, spread := range []bool{false, true} {
			name := tt.name
			if spread {
				name += ", every user spread"
			}
			t.Run(name, func(t *testing.T) {
				l := NewSSELimiter(tt.maxTotal, tt.maxPerUser)
				l.spreadAll = spread
				stress(t, l, tt.maxTotal, tt.maxPerUser, tt.users, iters, tt.userRefusals)
			})
		}
	}
}

// TestStressHotUser runs many goroutines on one user whose cap is far, so
// that the limiter spreads the user's count as it would in production.
func TestStressHotUser(t *testing.T) {
	l := NewSSELimiter(0, 1000)
	stress(t, l, 0, 1000, 1, stressIters(), false)
}

// stressIters is how many operations each goroutine of a stress test runs:
// fewer under the race detector.
func stressIters() int {
	if limiterRace {
		return 3000
	}
	return 20000
}

// userNames returns n user keys: user0, user1, and on.
func userNames(n int) []string {
	users := make([]string, n)
	for i := range users {
		users[i] = "user" + strconv.Itoa(i)
	}
	return users
}

func stress(t *testing.T, l *SSELimiter, maxTotal, maxPerUser, nUsers, iters int, userRefusals bool) {
	users := userNames(nUsers)
	held := make([]atomic.Int64, nUsers)
	var total, admitted atomic.Int64
	fail := failOnce(t)

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
