package sselimit

// register links s into its key's shard, unless the gate is draining.
func (g *Gate) register(s *Stream) bool {
	r := g.registryOf(s.key)
	r.mu.Lock()
	defer r.mu.Unlock()
	if g.draining.Load() {
		return false
	}
	s.registry = r
	s.prev = r.tail
	if r.tail != nil {
		r.tail.next = s
	} else {
		r.head = s
	}
	r.tail = s
	r.n++
	if r.oldest != nil {
		if first := r.oldest[s.key]; first == nil {
			r.oldest[s.key] = s
		} else {
			for first.nextOfKey != nil {
				first = first.nextOfKey
			}
			first.nextOfKey = s
		}
	}
	return true
}

// unregister unlinks s, which register linked, while s still holds its
// slot: from here on s no longer counts as active, so the counts never
// exceed what the limiter holds. settle follows once the slot is released.
func (g *Gate) unregister(s *Stream) {
	r := s.registry
	r.mu.Lock()
	defer r.mu.Unlock()
	if s.prev != nil {
		s.prev.next = s.next
	} else {
		r.head = s.next
	}
	if s.next != nil {
		s.next.prev = s.prev
	} else {
		r.tail = s.prev
	}
	s.prev, s.next = nil, nil
	r.n--
	r.leaving++
	if r.oldest != nil {
		r.unlinkKey(s)
	}
}

// settle follows the release of the slot of s, which unregister unlinked:
// it wakes s's evictor, and Drain if s was the last stream.
func (g *Gate) settle(s *Stream) {
	r := s.registry
	r.mu.Lock()
	r.leaving--
	if s.released != nil {
		close(s.released)
	}
	quiet := r.n == 0 && r.leaving == 0
	r.mu.Unlock()
	// A shard that still holds streams is settled again later; whoever
	// empties the last busy shard while the gate drains finds it idle.
	if quiet && g.draining.Load() {
		g.lockRegistry()
		g.closeIdleIfQuiet()
		g.unlockRegistry()
	}
}

// closeIdleIfQuiet closes the channel Drain waits on, once no stream is
// registered or releasing its slot. Every shard's lock is held.
func (g *Gate) closeIdleIfQuiet() {
	if g.idle == nil || g.idleClosed {
		return
	}
	for i := range g.registry {
		if r := &g.registry[i]; r.n != 0 || r.leaving != 0 {
			return
		}
	}
	close(g.idle)
	g.idleClosed = true
}

// unlinkKey removes s from its key's list; r.mu is held.
func (r *registryShard) unlinkKey(s *Stream) {
	if first := r.oldest[s.key]; first == s {
		if s.nextOfKey == nil {
			delete(r.oldest, s.key)
		} else {
			r.oldest[s.key] = s.nextOfKey
		}
	} else {
		for p := first; p != nil; p = p.nextOfKey {
			if p.nextOfKey == s {
				p.nextOfKey = s.nextOfKey
				break
			}
		}
	}
	s.nextOfKey = nil
}
