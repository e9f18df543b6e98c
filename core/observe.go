package sselimit

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Why a stream ended without the server ending it. Stats.Closed counts
// these beside the close-frame reasons.
const (
	// ReasonClientGone: the request's context ended before the handler
	// returned, usually because the client disconnected.
	ReasonClientGone Reason = "client_gone"
	// ReasonHandlerReturned: the handler returned while the stream was
	// healthy.
	ReasonHandlerReturned Reason = "handler_returned"
	// ReasonWriteFailed: a write or flush to the client failed or timed
	// out; the client may be gone too.
	ReasonWriteFailed Reason = "write_failed"
)

// closeReasons are the reasons Stats.Closed counts. A soft refusal's
// "limit" is not among them: it is counted as a refusal, since no stream
// was admitted.
var closeReasons = [...]Reason{
	ReasonShutdown, ReasonReplaced, ReasonMaxLifetime, ReasonLeaseLost,
	ReasonClientGone, ReasonHandlerReturned, ReasonWriteFailed,
}

// observers are the hooks added with Gate.Observe, replaced as a whole on
// every change so that events read them with one atomic load.
type observers struct {
	mu   sync.Mutex // serialises changes
	list atomic.Pointer[[]*Hooks]
}

// Observe adds hooks to the gate, after the WithHooks ones, for code that
// gets a gate already built (a metrics exporter, say). The hooks run as
// WithHooks' do, on the request's or stream's goroutine, and must be
// quick; a hook that panics in OnAdmit ends the new stream. stop removes
// them; events already under way may still call them once.
func (g *Gate) Observe(h Hooks) (stop func()) {
	o := &g.stats.observers
	p := &h
	o.mu.Lock()
	defer o.mu.Unlock()
	var next []*Hooks
	if l := o.list.Load(); l != nil {
		next = slices.Clone(*l)
	}
	next = append(next, p)
	o.list.Store(&next)
	return func() {
		o.mu.Lock()
		defer o.mu.Unlock()
		l := o.list.Load()
		if l == nil || !slices.Contains(*l, p) {
			return
		}
		next := slices.DeleteFunc(slices.Clone(*l), func(x *Hooks) bool { return x == p })
		o.list.Store(&next)
	}
}

func (g *Gate) observed() []*Hooks {
	if l := g.stats.observers.list.Load(); l != nil {
		return *l
	}
	return nil
}

// admitHooked reports whether any hook watches admissions.
func (g *Gate) admitHooked() bool {
	if g.cfg.hooks.OnAdmit != nil {
		return true
	}
	for _, h := range g.observed() {
		if h.OnAdmit != nil {
			return true
		}
	}
	return false
}

func (g *Gate) notifyAdmit(key string) {
	if h := g.cfg.hooks.OnAdmit; h != nil {
		h(key)
	}
	for _, h := range g.observed() {
		if h.OnAdmit != nil {
			h.OnAdmit(key)
		}
	}
}

// observeRefusal counts a refusal of key (a limiter key, or "") for the
// reason of index i in refusalReasons, and tells the hooks and the log;
// draw is a random number.
func (g *Gate) observeRefusal(key string, i int, err error, draw uint64) {
	g.stats.refusals.add(i, draw)
	why := refusalReasons[i]
	if why == RefusedUnavailable {
		g.noteFailure(err)
	}
	if g.cfg.log.logger != nil {
		g.logSoon()
	}
	h := g.cfg.hooks.OnRefuse
	obs := g.observed()
	if h == nil && len(obs) == 0 {
		return
	}
	display := DisplayKey(key)
	if h != nil {
		h(display, why)
	}
	for _, o := range obs {
		if o.OnRefuse != nil {
			o.OnRefuse(display, why)
		}
	}
}

// failedOpen counts an admission without a slot after the limiter failed
// with err.
func (g *Gate) failedOpen(err error) {
	g.stats.failedOpen.Add(1)
	g.noteFailure(err)
	if g.cfg.log.logger != nil {
		g.logSoon()
	}
}

// released records the end of s, whose slot is back: why it ended, how
// long it lasted, and the hooks. End calls it once.
func (g *Gate) released(s *Stream, why Reason) {
	open := time.Since(s.opened)
	g.stats.closed(why)
	g.stats.durations.observe(open)
	if why == ReasonLeaseLost && g.cfg.log.logger != nil {
		g.logSoon()
	}
	if h := g.cfg.hooks.OnRelease; h != nil {
		h(s.Key(), open)
	}
	for _, o := range g.observed() {
		if o.OnRelease != nil {
			o.OnRelease(s.Key(), open)
		}
	}
}

// closeReason says why s ends. End calls it once s is marked ended, before
// it cancels the context: the server's reason if it stopped the stream,
// then a context that ended early, by a failed write or otherwise.
func (s *Stream) closeReason() Reason {
	if c := s.closing.Load(); c != nil && c != notStopped {
		return c.reason
	}
	switch {
	case s.ctx.Err() == nil:
		return ReasonHandlerReturned
	case s.broken: // no longer written: the stream is ended
		return ReasonWriteFailed
	}
	return ReasonClientGone
}

// streamObs is what introspection reads of a stream: set before the stream
// is registered, or counted atomically as it writes.
type streamObs struct {
	remoteAddr, route string
	userCap           int // the admission's Identity.UserCap
	bytes, events     atomic.Uint64
}

// countWrite counts n bytes written to the client; s.mu is held and s.tail
// is up to date. A write that leaves the stream between events completed
// one.
func (s *Stream) countWrite(n int) {
	if n <= 0 {
		return
	}
	s.obs.bytes.Add(uint64(n))
	if s.tail == atEvent {
		s.obs.events.Add(1)
	}
}

// describe records what introspection shows of a stream admitted for id.
func (s *Stream) describe(id Identity) {
	s.obs.remoteAddr, s.obs.route, s.obs.userCap = id.IP, id.Route, id.UserCap
}
