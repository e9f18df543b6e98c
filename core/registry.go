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
	byShard := g.registeredLocked()
	g.unlockRegistry()
	return byShard.oldestFirst()
}

// streamsByShard is every registered stream, shard after shard, each
// shard's in the order they registered; ends[i] is where shard i's end.
type streamsByShard struct {
	all  []*Stream
	ends [registryShards]int
}

// registeredLocked lists the registered streams; every shard's lock is
// held. It only walks the lists, so that the locks are held briefly.
func (g *Gate) registeredLocked() streamsByShard {
	n := 0
	for i := range g.registry {
		n += g.registry[i].n
	}
	byShard := streamsByShard{all: make([]*Stream, 0, n)}
	for i := range g.registry {
		for s := g.registry[i].head; s != nil; s = s.next {
			byShard.all = append(byShard.all, s)
		}
		byShard.ends[i] = len(byShard.all)
	}
	return byShard
}

// oldestFirst merges the shards' lists by the time their streams opened,
// keeping each list's own order: a key's streams stay in the order they
// registered.
func (b streamsByShard) oldestFirst() []*Stream {
	var next [registryShards]int // each shard's next stream in all
	for i := 1; i < registryShards; i++ {
		next[i] = b.ends[i-1]
	}
	open := make([]*Stream, 0, len(b.all))
	for {
		pick := -1
		for i := range next {
			if next[i] < b.ends[i] && (pick < 0 || b.all[next[i]].opened.Before(b.all[next[pick]].opened)) {
				pick = i
			}
		}
		if pick < 0 {
			return open
		}
		open = append(open, b.all[next[pick]])
		next[pick]++
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
