package sselimit

import (
	"context"
	"errors"
	"hash/maphash"
	"sync/atomic"
)

// A Gate admits streams through a Limiter, runs them, and drains them. One
// gate serves any number of routes and adapters; Drain ends them all.
type Gate struct {
	lim   Limiter
	lease LeaseLimiter // lim, when it can take slots back
	caps  CapLimiter   // lim, when it takes a per-user cap with each admission
	cfg   config
	// retryLo and retryHi bound the delays refusals and close frames
	// advise, in whole seconds.
	retryLo, retryHi int64
	stats            counters
	sched            scheduler

	draining atomic.Bool

	registry     [registryShards]registryShard // the open streams, by key
	registrySeed maphash.Seed
	// Made by Drain, closed once no stream is registered or releasing its
	// slot; both written with every shard's lock held.
	idle       chan struct{}
	idleClosed bool
}

// NewGate returns a gate admitting streams through lim. It reports bad
// options as an error and changes nothing.
func NewGate(lim Limiter, opts ...Option) (*Gate, error) {
	if lim == nil {
		return nil, errors.New("sselimit: NewGate needs a limiter, got nil")
	}
	g := &Gate{lim: lim, cfg: defaultConfig()}
	g.stats.refusals = newRefusalCounts()
	for _, o := range opts {
		o(&g.cfg)
	}
	if err := g.cfg.validate(); err != nil {
		return nil, err
	}
	g.setRetryBounds()
	g.lease, _ = lim.(LeaseLimiter)
	g.caps, _ = lim.(CapLimiter)
	g.registrySeed = maphash.MakeSeed()
	if g.cfg.evict {
		for i := range g.registry {
			g.registry[i].oldest = make(map[string]*Stream)
		}
	}
	return g, nil
}

// Admit decides on a request. On admission it returns a Stream holding a
// slot, whose context derives from ctx; the caller must call its End
// exactly when the response ends. Otherwise it returns the Refusal to answer.
func (g *Gate) Admit(ctx context.Context, id Identity) (*Stream, *Refusal) {
	if g.draining.Load() {
		return nil, g.refuse("", RefusedDraining, ErrDraining)
	}
	prefix, name, why, err := g.limiterKey(id)
	if why != "" {
		return nil, g.refuse("", why, err)
	}
	if r := g.refuseEarly(prefix, name, id.UserCap); r != nil {
		return nil, r
	}
	key := prefix + name
	var s *Stream
	if g.lease != nil {
		s = g.newStream(ctx, key) // the backend may take the slot back at once
	}
	release, why, err := g.acquire(ctx, key, id.UserCap, s)
	if why != "" {
		if s != nil {
			s.cancel(nil)
		}
		return nil, g.refuse(key, why, err)
	}
	if s == nil {
		s = g.newStream(ctx, key)
	}
	s.release = release
	s.describe(id)
	if !g.register(s) {
		s.cancel(nil)
		s.release()
		return nil, g.refuse(key, RefusedDraining, ErrDraining)
	}
	g.stats.admitted.Add(1)
	g.onAdmit(s)
	return s, nil
}

// ErrUserCapUnsupported is the cause of the refusal of a request with a
// per-user cap of its own by a gate whose limiter takes none (neither a
// CapLimiter nor a LeaseLimiter): answered as a limiter failure.
var ErrUserCapUnsupported = errors.New("sselimit: the limiter takes no per-user cap with an admission")

// acquire takes a slot for key, ending the key's oldest stream first when
// the evict-oldest policy applies. In dry run, and on a limiter failure
// with fail-open, it admits without a slot what it would have refused. s
// is the stream to be, needed by lease limiters only.
func (g *Gate) acquire(ctx context.Context, key string, userCap int, s *Stream) (func(), Reason, error) {
	for attempt := 0; ; attempt++ {
		var release func()
		var err error
		switch {
		case g.lease != nil:
			release, err = g.lease.AcquireLease(ctx, key, userCap, s.leaseLost)
		case userCap == 0:
			release, err = g.lim.Acquire(key)
		case g.caps != nil:
			release, err = g.caps.AcquireCap(key, userCap)
		default:
			err = ErrUserCapUnsupported
		}
		if err == nil {
			return release, "", nil
		}
		why := refusalReason(err)
		switch {
		case g.cfg.dryRun && why != RefusedUnavailable:
			g.stats.wouldRefuse.Add(1)
			return noSlot, "", nil
		case why == RefusedUnavailable && g.cfg.failOpen:
			g.failedOpen(err)
			return noSlot, "", nil
		case why == RefusedUserLimit && g.cfg.evict && attempt < 3 && g.evictOldest(ctx, key):
			continue
		}
		return nil, why, err
	}
}

// noSlot is the release of a stream admitted without a slot.
func noSlot() {}

// onAdmit runs the OnAdmit hook; if it panics, the stream is ended first,
// so its slot is not lost.
func (g *Gate) onAdmit(s *Stream) {
	if !g.admitHooked() {
		return
	}
	ran := false
	defer func() {
		if !ran {
			s.End()
		}
	}()
	g.notifyAdmit(s.Key())
	ran = true
}
