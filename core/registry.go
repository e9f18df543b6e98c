package sselimit

import (
	"hash/maphash"
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
	g.lockRegistry()
	defer g.unlockRegistry()
	return g.registeredLocked()
}

// registeredLocked is registered with every shard's lock held. It merges
// the shards' lists by the time their streams opened, keeping each list's
// own order: a key's streams stay in the order they registered.
func (g *Gate) registeredLocked() []*Stream {
	var heads [registryShards]*Stream
	n := 0
	for i := range g.registry {
		heads[i] = g.registry[i].head
		n += g.registry[i].n
	}
	open := make([]*Stream, 0, n)
	for {
		next := -1
		for i, s := range heads {
			if s != nil && (next < 0 || s.opened.Before(heads[next].opened)) {
				next = i
			}
		}
		if next < 0 {
			return open
		}
		open = append(open, heads[next])
		heads[next] = heads[next].next
	}
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
