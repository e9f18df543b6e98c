package sselimit

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// LogInterval is how often, at most, a gate with a logger writes each kind
// of summary line: refusals, limiter failures, lost leases.
const LogInterval = 10 * time.Second

type logConfig struct {
	logger   *slog.Logger
	interval time.Duration // LogInterval, unless a test shortens it
}

// WithLogger makes the gate log what an operator needs to know to l:
//   - Warn "sselimit: streams refused", with counts by reason;
//   - Warn "sselimit: limiter failing", with the number of failed
//     admissions (refused, or admitted without a slot under WithFailOpen)
//     and the last error;
//   - Warn "sselimit: leases lost", with the number of streams ended
//     because the limiter took their slot back;
//   - Info "sselimit: draining" when Drain starts, and Info
//     "sselimit: drained" (Warn "sselimit: drain incomplete" if its
//     context ended first) when it returns.
//
// The Warn lines are summaries: each is written at most once per
// LogInterval, counting what happened since the previous one, so a flood
// of refusals writes a few lines, not one per request. The first after a
// quiet spell is written at once. Admitted and released streams are not
// logged. Without this option the gate logs nothing.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.log = logConfig{logger: l, interval: LogInterval} }
}

// logState schedules the summary lines: at most one timer is armed, and
// each summary compares the gate's counters with the previous one's.
type logState struct {
	armed   atomic.Bool
	next    atomic.Int64 // Unix nanoseconds before which no summary is due
	failure atomic.Pointer[failure]

	mu   sync.Mutex // held while a summary is taken
	prev logCounts
}

type failure struct{ err error }

type logCounts struct {
	refused                         [len(refusalReasons)]uint64
	unavailable, failedOpen, leases uint64
}

func (g *Gate) logCounts() logCounts {
	var c logCounts
	for i := range c.refused {
		c.refused[i] = g.stats.refusals.load(i)
		if refusalReasons[i] == RefusedUnavailable {
			c.unavailable = c.refused[i]
		}
	}
	c.failedOpen = g.stats.failedOpen.Load()
	for i, r := range closeReasons {
		if r == ReasonLeaseLost {
			c.leases = g.stats.closes[i].Load()
		}
	}
	return c
}

// noteFailure keeps the limiter's last error for the next summary.
func (g *Gate) noteFailure(err error) {
	if err != nil && g.cfg.log.logger != nil {
		g.stats.log.failure.Store(&failure{err})
	}
}

// logSoon arranges a summary: now if the last one is an interval old,
// otherwise when it will be.
func (g *Gate) logSoon() {
	st := &g.stats.log
	if st.armed.Load() || !st.armed.CompareAndSwap(false, true) {
		return
	}
	delay := time.Duration(st.next.Load() - time.Now().UnixNano())
	time.AfterFunc(max(delay, 0), g.logSummary)
}

func (g *Gate) logSummary() {
	st := &g.stats.log
	st.mu.Lock()
	cur := g.logCounts()
	prev := st.prev
	st.prev = cur
	st.next.Store(time.Now().Add(g.cfg.log.interval).UnixNano())
	st.armed.Store(false)
	st.mu.Unlock()

	l := g.cfg.log.logger
	var refused uint64
	attrs := []any{}
	for i, r := range refusalReasons {
		if n := cur.refused[i] - prev.refused[i]; n > 0 {
			refused += n
			attrs = append(attrs, slog.Uint64(string(r), n))
		}
	}
	if refused > 0 {
		l.Warn("sselimit: streams refused", append([]any{slog.Uint64("refused", refused)}, attrs...)...)
	}
	failed := cur.unavailable - prev.unavailable + cur.failedOpen - prev.failedOpen
	if failed > 0 {
		attrs := []any{slog.Uint64("failures", failed), slog.Uint64("failed_open", cur.failedOpen-prev.failedOpen)}
		if f := st.failure.Load(); f != nil {
			attrs = append(attrs, slog.String("error", f.err.Error()))
		}
		l.Warn("sselimit: limiter failing", attrs...)
	}
	if n := cur.leases - prev.leases; n > 0 {
		l.Warn("sselimit: leases lost", slog.Uint64("streams", n))
	}
	// What happened while the summary was taken is in no line yet.
	if g.logCounts() != cur {
		g.logSoon()
	}
}

func (g *Gate) logDrainStart(open int) {
	if l := g.cfg.log.logger; l != nil {
		l.Info("sselimit: draining", slog.Int("streams", open))
	}
}

// logDrained reports the end of a Drain that began at start with open
// streams; remaining and err are its results.
func (g *Gate) logDrained(open int, start time.Time, remaining *int, err *error) {
	l := g.cfg.log.logger
	if l == nil {
		return
	}
	took := slog.Duration("took", time.Since(start))
	if *err != nil {
		l.Warn("sselimit: drain incomplete", slog.Int("streams", open), slog.Int("remaining", *remaining), took, slog.String("error", (*err).Error()))
		return
	}
	l.Info("sselimit: drained", slog.Int("streams", open), took)
}
