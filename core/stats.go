package sselimit

import "sync/atomic"

// Stats is a snapshot of a gate's counters.
type Stats struct {
	Active      int               // streams open through this gate
	Admitted    uint64            // streams admitted
	Refused     map[Reason]uint64 // refusals, by Refused* reason
	Ended       map[Reason]uint64 // streams the server ended, by close-frame reason, counted when it ends them
	WouldRefuse uint64            // dry-run admissions a cap would have refused
	FailedOpen  uint64            // admissions without a slot after a limiter failure

	// Closed counts the streams whose slot was released, by why they
	// ended: the close-frame reasons of Ended, and ReasonClientGone,
	// ReasonHandlerReturned and ReasonWriteFailed. Every admitted stream
	// is counted once, when it is released: Admitted minus the sum of
	// Closed is the number of streams not released yet. Soft refusals (reason
	// "limit") are refusals, counted in Refused.
	Closed map[Reason]uint64
	// Durations is the distribution of how long the released streams
	// were open.
	Durations DurationHistogram
}

var (
	refusalReasons = [...]Reason{RefusedUserLimit, RefusedGlobalLimit, RefusedDraining, RefusedNoIdentity, RefusedBadIdentity, RefusedUnavailable}
	endReasons     = [...]Reason{ReasonShutdown, ReasonReplaced, ReasonMaxLifetime, ReasonLeaseLost}
)

type counters struct {
	admitted, wouldRefuse, failedOpen atomic.Uint64
	refusals                          *refusalCounts
	ends                              [len(endReasons)]atomic.Uint64
	closes                            [len(closeReasons)]atomic.Uint64
	durations                         durationHistogram
	observers                         observers
	log                               logState
}

func (c *counters) ended(r Reason) {
	for i, x := range endReasons {
		if x == r {
			c.ends[i].Add(1)
		}
	}
}

func (c *counters) closed(r Reason) {
	for i, x := range closeReasons {
		if x == r {
			c.closes[i].Add(1)
		}
	}
}

// Stats returns a snapshot of the gate's counters.
func (g *Gate) Stats() Stats {
	active, _ := g.counts()
	s := Stats{
		Active:      active,
		Admitted:    g.stats.admitted.Load(),
		Refused:     make(map[Reason]uint64, len(refusalReasons)),
		Ended:       make(map[Reason]uint64, len(endReasons)),
		WouldRefuse: g.stats.wouldRefuse.Load(),
		FailedOpen:  g.stats.failedOpen.Load(),
	}
	for i, r := range refusalReasons {
		s.Refused[r] = g.stats.refusals.load(i)
	}
	for i, r := range endReasons {
		s.Ended[r] = g.stats.ends[i].Load()
	}
	s.Closed = make(map[Reason]uint64, len(closeReasons))
	for i, r := range closeReasons {
		s.Closed[r] = g.stats.closes[i].Load()
	}
	s.Durations = g.stats.durations.snapshot()
	return s
}

// ActiveByKey returns how many streams each key has open through this
// gate, keys in DisplayKey form.
func (g *Gate) ActiveByKey() map[string]int {
	g.lockRegistry()
	byShard := g.registeredLocked()
	g.unlockRegistry()
	m := make(map[string]int)
	for _, s := range byShard.all {
		m[DisplayKey(s.key)]++
	}
	return m
}
