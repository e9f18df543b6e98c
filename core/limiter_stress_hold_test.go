package sselimit

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// TestStressUsersHoldingMany runs goroutines that each hold up to a few
// dozen slots at once, taken and released in random order, so that users
// reach their caps while their counts are spread, and admissions pass caps
// of their own. What each goroutine holds is counted as in
// TestStressCapsHold; under mixed caps a user's count is bounded by the
// highest of them.
func TestStressUsersHoldingMany(t *testing.T) {
	tests := []struct {
		name                 string
		maxTotal, maxPerUser int
		users, hold          int
		caps                 []int // of the admissions, for AcquireCap; nil: Acquire
		spreadAll            bool
	}{
		{"one user, far cap", 0, 300, 1, 40, nil, false},
		{"two users, far cap, global cap", 400, 300, 2, 40, nil, false},
		{"every user spread, small caps", 20, 5, 3, 8, nil, true},
		{"mixed caps", 0, 300, 2, 40, []int{0, 50, 400}, false},
		{"mixed caps, every user spread", 30, 6, 2, 8, []int{0, 3, 10}, true},
	}
	iters := stressIters()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewSSELimiter(tt.maxTotal, tt.maxPerUser)
			l.spreadAll = tt.spreadAll
			userMax := int64(tt.maxPerUser)
			for _, c := range tt.caps {
				userMax = max(userMax, int64(c))
			}
			users := userNames(tt.users)
			held := make([]atomic.Int64, tt.users)
			var total atomic.Int64
			fail := failOnce(t)
			var workers sync.WaitGroup
			for w := range 4 * runtime.GOMAXPROCS(0) {
				workers.Go(func() {
					rng := rand.New(rand.NewPCG(uint64(w), 2))
					type slot struct {
						user    int
						release func()
					}
					var mine []slot
					for range iters {
						if len(mine) < tt.hold && (len(mine) == 0 || rng.IntN(2) == 0) {
							u := rng.IntN(tt.users)
							var release func()
							var err error
							if tt.caps != nil {
								release, err = l.AcquireCap(users[u], tt.caps[rng.IntN(len(tt.caps))])
							} else {
								release, err = l.Acquire(users[u])
							}
							if n := l.ActiveForUser(users[u]); n < 0 || n > userMax {
								fail("ActiveForUser(%q) = %d, want 0..%d", users[u], n, userMax)
							}
							if err != nil {
								continue
							}
							if n := held[u].Add(1); n > userMax {
								fail("user %q holds %d slots, cap %d", users[u], n, userMax)
							}
							if n := total.Add(1); tt.maxTotal > 0 && n > int64(tt.maxTotal) {
								fail("%d slots held, cap %d", n, tt.maxTotal)
							}
							mine = append(mine, slot{u, release})
							continue
						}
						i := rng.IntN(len(mine))
						s := mine[i]
						mine[i] = mine[len(mine)-1]
						mine = mine[:len(mine)-1]
						held[s.user].Add(-1)
						total.Add(-1)
						s.release()
						if rng.IntN(4) == 0 {
							s.release()
						}
					}
					for _, s := range mine {
						held[s.user].Add(-1)
						total.Add(-1)
						s.release()
					}
				})
			}
			workers.Wait()
			want := map[string]int64{}
			for _, u := range users {
				want[u] = 0
			}
			checkCounts(t, l, 0, want)
			for i := range l.spreads {
				if l.spreads[i].Load() != nil {
					t.Errorf("place %d of the spreads is still taken", i)
				}
			}
		})
	}
}
