package sselimit

import "sync/atomic"

// refusalCounts counts a gate's refusals by reason. A flood of refused
// requests runs on every CPU at once: had each reason one counter, its
// cache line would move between the CPUs at every refusal, and refusals,
// which the limiter answers without writing shared memory, would slow each
// other down. So each count is spread over stripes of one cache line each:
// a refusal adds to a stripe picked at random, and a read adds the stripes
// up. Every stripe only grows, so successive reads never go down.
type refusalCounts struct {
	stripes [refusalStripes]refusalStripe
}

const refusalStripes = 16

type refusalStripe struct {
	n [len(refusalReasons)]atomic.Uint64
	_ [64 - 8*len(refusalReasons)]byte
}

// newRefusalCounts allocates the counts on their own: 1,024 bytes without
// pointers, which Go's allocator places on a cache line, so no stripe
// shares its line (TestRefusalCountsCacheLines checks it).
func newRefusalCounts() *refusalCounts { return new(refusalCounts) }

// add counts a refusal for the reason of index i in refusalReasons, on
// the stripe the random number draw picks with its lowest bits.
func (c *refusalCounts) add(i int, draw uint64) {
	c.stripes[draw%refusalStripes].n[i].Add(1)
}

// load is the count for the reason of index i in refusalReasons.
func (c *refusalCounts) load(i int) uint64 {
	var n uint64
	for s := range c.stripes {
		n += c.stripes[s].n[i].Load()
	}
	return n
}
