package bench

import (
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"

	sselimit "github.com/sselimit/sselimit/core"
)

// mutexMapLimiter is the limiter one would write by hand instead of the core
// one, with the same semantics: one mutex over a map of per-user counts and
// a total, a cap <= 0 disabling that cap, the user's cap checked first, no
// entry kept for a user with no slot, and an idempotent release (a flag under
// the mutex: cheaper than a sync.Once, which would take a second lock).
type mutexMapLimiter struct {
	mu                   sync.Mutex
	maxTotal, maxPerUser int
	total                int
	users                map[string]int
}

func newMutexMapLimiter(maxTotal, maxPerUser int) *mutexMapLimiter {
	return &mutexMapLimiter{maxTotal: maxTotal, maxPerUser: maxPerUser, users: map[string]int{}}
}

func (m *mutexMapLimiter) Acquire(user string) (func(), error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.maxPerUser > 0 && m.users[user] >= m.maxPerUser {
		return nil, sselimit.ErrTooManyConnectionsForUser
	}
	if m.maxTotal > 0 && m.total >= m.maxTotal {
		return nil, sselimit.ErrTooManyConnections
	}
	m.users[user]++
	m.total++
	released := false // guarded by m.mu
	return func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		if !released {
			released = true
			m.release(user)
		}
	}, nil
}

// release gives back a slot of user. Callers hold m.mu.
func (m *mutexMapLimiter) release(user string) {
	m.total--
	if n := m.users[user] - 1; n > 0 {
		m.users[user] = n
	} else {
		delete(m.users, user)
	}
}

func (m *mutexMapLimiter) ActiveConnections() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return int64(m.total)
}

func (m *mutexMapLimiter) ActiveForUser(user string) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return int64(m.users[user])
}

// TestMutexMapMatchesCore checks that the baseline has the core limiter's
// semantics, so that the benchmarks compare like with like.
func TestMutexMapMatchesCore(t *testing.T) {
	for _, caps := range [][2]int{{0, 0}, {5, 2}, {3, 0}, {0, 1}, {2, 3}} {
		core := sselimit.NewSSELimiter(caps[0], caps[1])
		base := newMutexMapLimiter(caps[0], caps[1])
		rng := rand.New(rand.NewPCG(uint64(caps[0]), uint64(caps[1])))
		var coreHeld, baseHeld []func()
		for step := range 2000 {
			user := strconv.Itoa(rng.IntN(4))
			if rng.IntN(2) == 0 {
				rc, errc := core.Acquire(user)
				rb, errb := base.Acquire(user)
				if errc != errb {
					t.Fatalf("caps %v, step %d: Acquire(%q) error = %v, core's %v", caps, step, user, errb, errc)
				}
				if errc == nil {
					coreHeld, baseHeld = append(coreHeld, rc), append(baseHeld, rb)
				}
			} else if len(coreHeld) > 0 {
				i := rng.IntN(len(coreHeld)) // may be released already
				coreHeld[i]()
				baseHeld[i]()
			}
			if got, want := base.ActiveConnections(), core.ActiveConnections(); got != want {
				t.Fatalf("caps %v, step %d: ActiveConnections() = %d, core's %d", caps, step, got, want)
			}
			if got, want := base.ActiveForUser(user), core.ActiveForUser(user); got != want {
				t.Fatalf("caps %v, step %d: ActiveForUser(%q) = %d, core's %d", caps, step, user, got, want)
			}
		}
	}
}
