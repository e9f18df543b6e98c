package sselimit

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// model is a trivially correct, sequential limiter: the reference that
// SSELimiter is compared with, step by step.
type model struct {
	maxTotal, maxPerUser int
	total                int
	users                map[string]int // only users holding slots
}

func (m *model) acquire(user string) error {
	if m.maxPerUser > 0 && m.users[user] >= m.maxPerUser {
		return ErrTooManyConnectionsForUser
	}
	if m.maxTotal > 0 && m.total >= m.maxTotal {
		return ErrTooManyConnections
	}
	m.users[user]++
	m.total++
	return nil
}

func (m *model) release(user string) {
	m.total--
	if m.users[user]--; m.users[user] == 0 {
		delete(m.users, user)
	}
}

type opKind int

const (
	opAcquire opKind = iota // acquire a slot for users[arg]
	opRelease               // call the release function of handle arg
	opQuery                 // read the counts of users[arg]
)

type op struct {
	kind opKind
	arg  int
}

func (o op) String() string {
	return fmt.Sprintf("%v(%d)", [...]string{"acquire", "release", "query"}[o.kind], o.arg)
}

// modelUsers are the users the operations name; "" is a user like the others.
var modelUsers = []string{"", "a", "b", "c", "d", "e", "f", "g"}

// checkModel applies ops to an SSELimiter and to the model, and compares
// them after every step: the errors, every user's count, the total and the
// number of entries kept. A release names a handle, one per admission so
// far, taken modulo their number; releasing a handle twice is allowed.
func checkModel(t *testing.T, maxTotal, maxPerUser int, ops []op) {
	t.Helper()
	l := NewSSELimiter(maxTotal, maxPerUser)
	m := &model{maxTotal: maxTotal, maxPerUser: maxPerUser, users: map[string]int{}}
	type handle struct {
		user     string
		release  func()
		released bool
	}
	var handles []*handle
	for i, o := range ops {
		switch o.kind {
		case opAcquire:
			u := modelUsers[o.arg%len(modelUsers)]
			release, err := l.Acquire(u)
			if want := m.acquire(u); err != want {
				t.Fatalf("step %d %v: Acquire(%q) error = %v, want %v", i, o, u, err, want)
			}
			if err == nil {
				handles = append(handles, &handle{user: u, release: release})
			}
		case opRelease:
			if len(handles) == 0 {
				continue
			}
			h := handles[o.arg%len(handles)]
			h.release()
			if !h.released {
				h.released = true
				m.release(h.user)
			}
		case opQuery:
			u := modelUsers[o.arg%len(modelUsers)]
			if got, want := l.ActiveForUser(u), int64(m.users[u]); got != want {
				t.Fatalf("step %d %v: ActiveForUser(%q) = %d, want %d", i, o, u, got, want)
			}
		}
		if got, want := l.ActiveConnections(), int64(m.total); got != want {
			t.Fatalf("step %d %v: ActiveConnections() = %d, want %d", i, o, got, want)
		}
		for _, u := range modelUsers {
			if got, want := l.ActiveForUser(u), int64(m.users[u]); got != want {
				t.Fatalf("step %d %v: ActiveForUser(%q) = %d, want %d", i, o, u, got, want)
			}
		}
		if got, want := userEntries(l), len(m.users); got != want {
			t.Fatalf("step %d %v: user entries = %d, want %d", i, o, got, want)
		}
	}
}

// randomOps draws n operations with few users, so that caps are reached
// often, and with releases of random handles, so that some are double.
func randomOps(rng *rand.Rand, n int) []op {
	users := 1 + rng.IntN(len(modelUsers))
	ops := make([]op, n)
	for i := range ops {
		switch r := rng.IntN(10); {
		case r < 5:
			ops[i] = op{opAcquire, rng.IntN(users)}
		case r < 9:
			ops[i] = op{opRelease, rng.IntN(1 << 16)}
		default:
			ops[i] = op{opQuery, rng.IntN(users)}
		}
	}
	return ops
}

func TestModel(t *testing.T) {
	// A fixed seed, then fresh ones; a failing subtest's name holds its seed.
	seeds := []uint64{1}
	for range 3 {
		seeds = append(seeds, rand.Uint64())
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, seed))
			for range 30 {
				maxTotal, maxPerUser := rng.IntN(7)-1, rng.IntN(5)-1
				ops := randomOps(rng, 300)
				t.Run(fmt.Sprintf("maxTotal=%d/maxPerUser=%d", maxTotal, maxPerUser), func(t *testing.T) {
					checkModel(t, maxTotal, maxPerUser, ops)
				})
			}
		})
	}
}
