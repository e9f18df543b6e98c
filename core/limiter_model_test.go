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

// acquire admits user under a per-user cap of maxPerUser as AcquireCap
// takes it: 0 the model's own, < 0 none.
func (m *model) acquire(user string, maxPerUser int) error {
	switch {
	case maxPerUser == 0:
		maxPerUser = m.maxPerUser
	case maxPerUser < 0:
		maxPerUser = 0
	}
	if maxPerUser > 0 && m.users[user] >= maxPerUser {
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
	opAcquire opKind = iota // acquire a slot for modelUsers[arg], under modelCaps[arg/len(modelUsers)]
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

// modelCaps are the per-user caps admissions pass to AcquireCap: the
// limiter's own, 2, and none.
var modelCaps = []int{0, 2, NoUserCap}

// checkModel applies ops to an SSELimiter and to the model, and compares
// them after every step: the errors, every user's count, the total and the
// number of entries kept. A release names a handle, one per admission so
// far, taken modulo their number; releasing a handle twice is allowed.
//
// It runs the ops twice: on a limiter as it comes, and on one that spreads
// the count of every user it admits again, whatever the cap.
func checkModel(t *testing.T, maxTotal, maxPerUser int, ops []op) {
	t.Helper()
	checkModelOn(t, "", NewSSELimiter(maxTotal, maxPerUser), maxTotal, maxPerUser, ops)
	l := NewSSELimiter(maxTotal, maxPerUser)
	l.spreadAll = true
	checkModelOn(t, "spread: ", l, maxTotal, maxPerUser, ops)
}

func checkModelOn(t *testing.T, mode string, l *SSELimiter, maxTotal, maxPerUser int, ops []op) {
	t.Helper()
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
			c := modelCaps[o.arg/len(modelUsers)%len(modelCaps)]
			release, err := l.AcquireCap(u, c)
			if want := m.acquire(u, c); err != want {
				t.Fatalf("%sstep %d %v: AcquireCap(%q, %d) error = %v, want %v", mode, i, o, u, c, err, want)
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
				t.Fatalf("%sstep %d %v: ActiveForUser(%q) = %d, want %d", mode, i, o, u, got, want)
			}
		}
		if got, want := l.ActiveConnections(), int64(m.total); got != want {
			t.Fatalf("%sstep %d %v: ActiveConnections() = %d, want %d", mode, i, o, got, want)
		}
		for _, u := range modelUsers {
			if got, want := l.ActiveForUser(u), int64(m.users[u]); got != want {
				t.Fatalf("%sstep %d %v: ActiveForUser(%q) = %d, want %d", mode, i, o, u, got, want)
			}
		}
		if got, want := userEntries(l), len(m.users); got != want {
			t.Fatalf("%sstep %d %v: user entries = %d, want %d", mode, i, o, got, want)
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
			if rng.IntN(4) == 0 { // a cap of the admission's own
				ops[i].arg += len(modelUsers) * (1 + rng.IntN(len(modelCaps)-1))
			}
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
