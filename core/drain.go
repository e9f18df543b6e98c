package sselimit

import (
	"context"
	"math/rand/v2"
	"time"
)

// Drain stops admitting (new requests get 503 with Retry-After), ends every
// open stream with a "shutdown" close frame whose retry delays are spread
// over the drain window, and returns once every slot is released. If ctx
// ends first it returns how many streams remain, with ctx's error.
//
// Call it before http.Server.Shutdown (or Fiber's ShutdownWithContext):
// Shutdown alone waits for idle connections, which streams never are, and
// does not cancel request contexts.
func (g *Gate) Drain(ctx context.Context) (remaining int, err error) {
	g.lockRegistry()
	g.draining.Store(true)
	if g.idle == nil {
		g.idle = make(chan struct{})
		g.closeIdleIfQuiet()
	}
	idle := g.idle
	byShard := g.registeredLocked() // no stream registers from here on
	g.unlockRegistry()
	open := byShard.oldestFirst()
	g.logDrainStart(len(open))
	defer g.logDrained(len(open), time.Now(), &remaining, &err)

	// Stratified delays: stream i gets a random delay in the i-th of
	// len(open) equal slices of the window, so reconnects are spread evenly.
	window := float64(g.cfg.drainWindow)
	for i, s := range open {
		slice := (float64(i) + rand.Float64()) / float64(len(open))
		s.stop(ReasonShutdown, time.Second+time.Duration(slice*window))
	}
	select {
	case <-idle:
		return 0, nil
	case <-ctx.Done():
		_, busy := g.counts()
		return busy, ctx.Err()
	}
}

// Draining reports whether Drain has been called.
func (g *Gate) Draining() bool { return g.draining.Load() }

// evictOldest ends key's oldest stream on this gate with reason "replaced"
// and waits until its slot is released. It reports whether that happened.
func (g *Gate) evictOldest(ctx context.Context, key string) bool {
	r := g.registryOf(key)
	r.mu.Lock()
	victim := r.oldest[key]
	for s := victim; s != nil; s = s.nextOfKey {
		if s.closing.Load() == nil {
			victim = s
			break
		}
	}
	if victim == nil {
		r.mu.Unlock()
		return false
	}
	if victim.released == nil {
		victim.released = make(chan struct{})
	}
	released := victim.released
	r.mu.Unlock()

	victim.stop(ReasonReplaced, g.retryAfter())
	wait := time.NewTimer(g.cfg.writeTimeout)
	defer wait.Stop()
	select {
	case <-released:
		return true
	case <-ctx.Done():
	case <-wait.C:
	}
	return false
}
