package sselimit

import (
	"hash/maphash"
	"slices"
	"sync"
)

// A gate keeps its open streams in registryShards shards, chosen by a hash
// of the stream's key, so that streams of different users admitted and
// ended on different CPUs seldom take the same lock or write the same
// cache lines. Every stream of a key is in one shard, in the order it was
// admitted: the evict-oldest policy finds a key's oldest stream there.
// Whatever must see every stream at one instant (the counts, Drain) takes
// every shard's lock, in shard order.
const registryShards = 16

type registryShard struct {
	mu         sync.Mutex
	head, tail *Stream            // the shard's streams, oldest first
	n          int                // registered streams: the active ones
	leaving    int                // streams unregistered, releasing their slot
	oldest     map[string]*Stream // evict-oldest only: each key's oldest stream
	// Shards are written by different CPUs: whatever the gate's alignment,
	// no two share a cache line.
	_ [80]byte
}

// registryOf is the shard of the key's streams.
func (g *Gate) registryOf(key string) *registryShard {
	return &g.registry[maphash.String(g.registrySeed, key)%registryShards]
}

// lockRegistry takes every shard's lock: the streams stay as they are
// until unlockRegistry.
func (g *Gate) lockRegistry() {
	for i := range g.registry {
		g.registry[i].mu.Lock()
	}
}

func (g *Gate) unlockRegistry() {
	for i := range g.registry {
		g.registry[i].mu.Unlock()
	}
}

// registered returns every registered stream at one instant, oldest
// first.
func (g *Gate) registered() []*Stream {
	var open []*Stream
	g.lockRegistry()
	for i := range g.registry {
		for s := g.registry[i].head; s != nil; s = s.next {
			open = append(open, s)
		}
	}
	g.unlockRegistry()
	slices.SortStableFunc(open, func(a, b *Stream) int { return a.opened.Compare(b.opened) })
	return open
}

// counts returns, at one instant, how many streams are registered (never
// more than the limiter holds slots for) and how many are registered or
// releasing their slot.
func (g *Gate) counts() (active, busy int) {
	g.lockRegistry()
	for i := range g.registry {
		r := &g.registry[i]
		active += r.n
		busy += r.n + r.leaving
	}
	g.unlockRegistry()
	return active, busy
}
