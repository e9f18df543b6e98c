package sselimit

import (
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
)

// A global cap large enough for the stripes to share out its slots is
// still exact: the stripes close as it fills and open again as it empties.
func TestLargeGlobalCapIsExact(t *testing.T) {
	const maxTotal = 3 * openAt
	l := NewSSELimiter(maxTotal, 0)
	if l.slots.closed.Load() {
		t.Fatalf("stripes of a fresh limiter with a cap of %d: closed, want open", maxTotal)
	}
	for round := range 3 {
		releases := make([]func(), 0, maxTotal)
		for i := range maxTotal {
			releases = append(releases, mustAcquire(t, l, "user-"+strconv.Itoa(i%100)))
		}
		if _, err := l.Acquire("one-more"); err != ErrTooManyConnections {
			t.Fatalf("round %d: Acquire past the cap error = %v, want %v", round, err, ErrTooManyConnections)
		}
		if got := l.ActiveConnections(); got != maxTotal {
			t.Fatalf("round %d: ActiveConnections() at the cap = %d, want %d", round, got, maxTotal)
		}
		if !l.slots.closed.Load() {
			t.Fatalf("round %d: stripes at the cap: open, want closed", round)
		}
		for _, r := range releases {
			r()
		}
		checkCounts(t, l, 0, nil)
		if l.slots.closed.Load() {
			t.Fatalf("round %d: stripes with no slot taken: closed, want open", round)
		}
	}
}

// A global cap too small to share out keeps every slot in one count.
func TestSmallGlobalCapKeepsStripesClosed(t *testing.T) {
	l := NewSSELimiter(openAt-1, 0)
	for range 2 * openAt {
		mustAcquire(t, l, "a")()
	}
	if !l.slots.closed.Load() {
		t.Errorf("stripes with a cap of %d: open, want closed", openAt-1)
	}
	checkCounts(t, l, 0, map[string]int64{"a": 0})
}

// TestStressLargeGlobalCap has goroutines take and give back batches of
// slots around a cap large enough for the stripes to open, fill it, and
// empty it again and again: what they hold together never goes above the
// cap, nor does the count the limiter reports.
func TestStressLargeGlobalCap(t *testing.T) {
	const maxTotal = openAt + 100
	rounds := 200
	if limiterRace {
		rounds = 30
	}
	l := NewSSELimiter(maxTotal, 0)
	var held atomic.Int64
	var refused atomic.Int64
	fail := failOnce(t)
	var workers sync.WaitGroup
	for w := range 4 {
		workers.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 2))
			var mine []func()
			for range rounds {
				for range rng.IntN(maxTotal) + maxTotal/4 { // a quarter of the rounds could fill the cap alone
					r, err := l.Acquire("user-" + strconv.Itoa(rng.IntN(50)))
					if err == ErrTooManyConnections {
						refused.Add(1)
						break
					}
					if err != nil {
						fail("Acquire error = %v, want nil or %v", err, ErrTooManyConnections)
						return
					}
					if n := held.Add(1); n > maxTotal {
						fail("%d slots held, cap %d", n, maxTotal)
					}
					mine = append(mine, r)
				}
				if n := l.ActiveConnections(); n < 0 || n > maxTotal {
					fail("ActiveConnections() = %d, want 0..%d", n, maxTotal)
				}
				for _, r := range mine {
					held.Add(-1)
					r()
				}
				mine = mine[:0]
			}
		})
	}
	workers.Wait()
	if refused.Load() == 0 {
		t.Errorf("no Acquire reached the cap: the test did not fill it")
	}
	checkCounts(t, l, 0, nil)
}

// A take that found free empty, while another goroutine closed the stripes
// and moved their slots into free before it could, takes one of those.
func TestTakeAfterStripesClosedByAnother(t *testing.T) {
	var g globalSlots
	g.init(10000) // a cap large enough to open the stripes
	g.free.Store(0)
	for _, st := range g.all {
		st.Store(0)
	}
	g.stripe[1].n.Store(8 * stripeUnit) // the only free slots, in another stripe
	// The other goroutine's close, between this take's look at free and
	// its own attempt to close:
	if !g.close() {
		t.Fatal("close of open stripes = false, want true")
	}
	if got := g.free.Load(); got != 8 {
		t.Fatalf("free after the close = %d, want 8", got)
	}
	if !g.takeAtCap() {
		t.Errorf("take at the cap refused with %d slots free", g.free.Load())
	}
	if got, want := g.taken(), int64(10000-7); got != want {
		t.Errorf("taken() = %d, want %d", got, want)
	}
}
