package sselimittest

import (
	"strconv"
	"testing"
	"time"

	sselimit "github.com/sselimit/sselimit/core"
)

// WaitLimit bounds how long a Watch waits for the server to do something:
// a safety net that fails the test, never a synchronisation.
const WaitLimit = 30 * time.Second

// Watch is a gate whose admissions, refusals and releases a test can wait
// for, instead of sleeping.
type Watch struct {
	Lim     Limiter
	Gate    *sselimit.Gate
	t       testing.TB
	changed chan struct{}
}

// NewWatch makes a gate over lim with opts. Its hooks call those in hooks,
// then wake the Watch. Its cleanup, registered now and so run after the
// test's servers have stopped, fails the test if any slot is left.
func NewWatch(t testing.TB, lim Limiter, hooks sselimit.Hooks, opts ...sselimit.Option) *Watch {
	return newWatch(t, lim, lim, hooks, opts...)
}

// newWatch is NewWatch with the gate over base, a limiter wrapping lim or
// standing in for it.
func newWatch(t testing.TB, lim Limiter, base sselimit.Limiter, hooks sselimit.Hooks, opts ...sselimit.Option) *Watch {
	w := &Watch{Lim: lim, t: t, changed: make(chan struct{}, 1)}
	notify := func() {
		select {
		case w.changed <- struct{}{}:
		default:
		}
	}
	opts = append(opts, sselimit.WithHooks(sselimit.Hooks{
		OnAdmit: func(key string) {
			if hooks.OnAdmit != nil {
				hooks.OnAdmit(key)
			}
			notify()
		},
		OnRefuse: func(key string, why sselimit.Reason) {
			if hooks.OnRefuse != nil {
				hooks.OnRefuse(key, why)
			}
			notify()
		},
		OnRelease: func(key string, open time.Duration) {
			if hooks.OnRelease != nil {
				hooks.OnRelease(key, open)
			}
			notify()
		},
	}))
	g, err := sselimit.NewGate(base, opts...)
	if err != nil {
		t.Fatalf("NewGate: %v", err)
	}
	w.Gate = g
	t.Cleanup(func() {
		w.Await("every slot released after the server stopped", func() bool {
			return g.Stats().Active == 0 && lim.ActiveConnections() == 0
		})
	})
	return w
}

// Wake makes a waiting Await check its condition again, for changes the
// gate's hooks do not see.
func (w *Watch) Wake() {
	select {
	case w.changed <- struct{}{}:
	default:
	}
}

// Await returns once cond holds, checking it whenever the gate admits,
// refuses or releases; it fails the test after WaitLimit.
func (w *Watch) Await(what string, cond func() bool) {
	w.t.Helper()
	limit := time.NewTimer(WaitLimit)
	defer limit.Stop()
	for !cond() {
		select {
		case <-w.changed:
		case <-limit.C:
			w.t.Fatalf("timed out waiting for %s (gate stats %+v, limiter active %d)", what, w.Gate.Stats(), w.Lim.ActiveConnections())
		}
	}
}

// Active waits until the gate and the limiter both count n open streams.
func (w *Watch) Active(n int) {
	w.t.Helper()
	w.Await(strconv.Itoa(n)+" open streams", func() bool {
		return w.Gate.Stats().Active == n && w.Lim.ActiveConnections() == int64(n)
	})
}
