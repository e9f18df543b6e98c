package sselimit

import (
	"math"
	"sync"
	"sync/atomic"
)

// globalSlots is the global count of an SSELimiter, kept as the number of
// free slots and split so that admissions and releases on different CPUs
// seldom write the same cache line, while the cap stays exact.
//
// Free slots are either in free, or held by one of the stripes: one per
// pool of tickets (pooled per CPU) and one per table shard, each admission
// taking from and each release giving back to the stripe of its ticket, or,
// for a user's first slot, which has no ticket, of the user's shard, whose
// cache line the admission writes anyway. A stripe that runs out takes a batch
// from free, one that holds too many gives a batch back. Near the cap the
// stripes take no more batches, and once free is empty they are closed,
// their slots moved into free: from then on every admission and release
// counts on free alone, one slot at a time, so a refusal at the cap is
// exact and reads only free and closed. The stripes open again once free
// has many slots.
//
// A stripe's word holds its free slots shifted left by one, above a lock
// bit that only a shard's stripe uses: it is the shard's lock (see
// shard.lock), so that an insertion locks the shard and takes its slot in
// one operation, and a removal gives its slot back as it unlocks.
type globalSlots struct {
	free   atomic.Int64 // slots in no stripe: the cap, less those taken or held by stripes
	_      [56]byte     // free is written often; keep what admissions only read off its cache line
	closed atomic.Bool  // every stripe is closed: free holds every free slot
	max    int64        // the cap, or noGlobalCap
	mu     sync.Mutex   // closes and opens the stripes
	_      [44]byte
	stripe [stripeCount]slotStripe // the tickets' stripes
	all    []*atomic.Int64         // every stripe: the tickets' and the shards'
}

type slotStripe struct {
	n atomic.Int64 // free slots held here, or stripeClosed, times stripeUnit
	_ [56]byte     // stripes are written by different CPUs: one cache line each
}

const (
	stripeCount  = 16                                                // the tickets' stripes
	stripeBatch  = 4                                                 // slots a stripe takes from free, or gives back, at once
	stripeKeep   = 2 * stripeBatch                                   // the most a stripe holds
	stripeClosed = -1                                                // a stripe's count while the stripes are closed
	stripeUnit   = 2                                                 // one slot in a stripe's word, above its lock bit
	refillAt     = (stripeCount+shardCount)*stripeKeep + stripeBatch // free needed for a stripe to take a batch
	openAt       = 4 * refillAt                                      // free needed to open the stripes again
	noGlobalCap  = math.MaxInt64 / 2                                 // max of a limiter without a global cap
)

// init sets the cap (<= 0: none) and the stripes: the tickets' and more.
func (g *globalSlots) init(maxTotal int64, more ...*atomic.Int64) {
	g.max = noGlobalCap
	if maxTotal > 0 {
		g.max = maxTotal
	}
	for i := range g.stripe {
		g.all = append(g.all, &g.stripe[i].n)
	}
	g.all = append(g.all, more...)
	g.free.Store(g.max)
	if g.max < openAt {
		g.close() // too small a cap to share out
	}
}

// full reports, reading only, whether every slot is taken for sure.
func (g *globalSlots) full() bool {
	return g.closed.Load() && g.free.Load() <= 0
}

// take takes a slot through the stripe st, unless the cap is reached.
func (g *globalSlots) take(st *atomic.Int64) bool {
	for {
		v := st.Load()
		n := v >> 1
		if n > 0 {
			if st.CompareAndSwap(v, v-stripeUnit) {
				return true
			}
			continue
		}
		if n == 0 {
			if f := g.free.Load(); f >= refillAt {
				if g.free.CompareAndSwap(f, f-stripeBatch) {
					if st.CompareAndSwap(v, v+(stripeBatch-1)*stripeUnit) {
						return true
					}
					g.free.Add(stripeBatch) // the stripe changed meanwhile
				}
				continue
			}
		}
		if g.takeFree() {
			return true
		}
		return g.takeAtCap()
	}
}

// takeAtCap is take once free had no slot for it: it closes the stripes,
// moving their slots into free, and takes from free. Closed by another
// goroutine meanwhile, or already, they hold no slot either: free holds
// every free slot, so a refusal is exact, unless the stripes opened again
// meanwhile, which it then tries once more.
func (g *globalSlots) takeAtCap() bool {
	for {
		g.close()
		if g.takeFree() {
			return true
		}
		if g.closed.Load() {
			return false
		}
	}
}

// takeFree takes one slot from free, if any.
func (g *globalSlots) takeFree() bool {
	for {
		f := g.free.Load()
		if f <= 0 {
			return false
		}
		if g.free.CompareAndSwap(f, f-1) {
			return true
		}
	}
}

// give gives a slot back through the stripe st.
func (g *globalSlots) give(st *atomic.Int64) {
	for {
		v := st.Load()
		switch n := v >> 1; {
		case n == stripeClosed:
			g.giveFree()
			return
		case n < stripeKeep:
			if st.CompareAndSwap(v, v+stripeUnit) {
				return
			}
		case st.CompareAndSwap(v, v+(1-stripeBatch)*stripeUnit):
			g.free.Add(stripeBatch)
			return
		}
	}
}

// giveFree gives a slot back to free, the stripes being closed.
func (g *globalSlots) giveFree() {
	if g.free.Add(1) >= openAt && g.closed.Load() {
		g.open()
	}
}

// close moves every stripe's slots into free and closes the stripes. It
// reports false if they were closed already.
func (g *globalSlots) close() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed.Load() {
		return false
	}
	for _, st := range g.all {
		for {
			v := st.Load()
			if st.CompareAndSwap(v, stripeClosed*stripeUnit|v&1) {
				if n := v >> 1; n > 0 {
					g.free.Add(n)
				}
				break
			}
		}
	}
	g.closed.Store(true)
	return true
}

// open opens the stripes again, empty, if free still has many slots.
func (g *globalSlots) open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.closed.Load() || g.free.Load() < openAt {
		return
	}
	g.closed.Store(false)
	for _, st := range g.all {
		for {
			if v := st.Load(); st.CompareAndSwap(v, v&1) {
				break
			}
		}
	}
}

// taken is the number of slots taken: exact when no admission or release
// runs meanwhile, and never above the cap.
func (g *globalSlots) taken() int64 {
	n := g.max - g.free.Load()
	for _, st := range g.all {
		if s := st.Load() >> 1; s > 0 {
			n -= s
		}
	}
	return min(max(n, 0), g.max)
}
