package sselimit

import (
	"math/rand/v2"
	"sync"
	"testing"
)

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
	names := userNames(users)
	fail := failOnce(t)
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
