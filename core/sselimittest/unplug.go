package sselimittest

import (
	"context"
	"net"
	"testing"
	"time"

	sselimit "github.com/sselimit/sselimit/core"
)

// The gate options of UnpluggedClient, and the time within which it wants
// an unplugged client's slot released: two heartbeat intervals plus the
// write timeout.
const (
	UnplugHeartbeat    = 500 * time.Millisecond
	UnplugWriteTimeout = time.Second
	UnplugBound        = 2*UnplugHeartbeat + UnplugWriteTimeout
)

// unplugSlack is what may come on top of UnplugBound: Linux drops the
// connection some hundreds of milliseconds after the bound (0.4 to 0.5 s
// here, on loopback), and the race detector on a busy machine delays the
// rest.
const unplugSlack = 1500 * time.Millisecond

// UnpluggedClient checks, in a network namespace of its own (see
// InPrivateNetwork), what becomes of a stream whose client vanishes (see
// Unplug). serve starts the adapter's GET /stream route, whose handler
// calls Behave, through its middleware on g, and returns the base URL.
// With release, the slot must be free within UnplugBound (plus slack);
// without, it must still be taken then: the control, showing that the
// check can fail.
func UnpluggedClient(t *testing.T, release bool, serve func(t *testing.T, g *sselimit.Gate) string) {
	t.Helper()
	unplugged(t, release, serve, func(t *testing.T, base string) net.Conn {
		return OpenRaw(t, base, "/stream", "")
	})
}

// UnpluggedHTTP2Client is UnpluggedClient for a client that reached the
// stream over HTTP/2 without TLS (see OpenHTTP2), where the connection
// outlives any one stream: the server serve starts must speak it (see
// HTTP1AndUnencryptedHTTP2).
func UnpluggedHTTP2Client(t *testing.T, release bool, serve func(t *testing.T, g *sselimit.Gate) string) {
	t.Helper()
	unplugged(t, release, serve, func(t *testing.T, base string) net.Conn {
		return OpenHTTP2(t, base, "/stream")
	})
}

// unplugged is UnpluggedClient for a client that open starts, returning
// the TCP connection under it.
func unplugged(t *testing.T, release bool, serve func(t *testing.T, g *sselimit.Gate) string, open func(t *testing.T, base string) net.Conn) {
	t.Helper()
	InPrivateNetwork(t, func(t *testing.T) {
		t.Helper()
		w := NewWatch(t, sselimit.NewSSELimiter(10, 1), sselimit.Hooks{},
			sselimit.WithHeartbeat(UnplugHeartbeat), sselimit.WithWriteTimeout(UnplugWriteTimeout))
		base := serve(t, w.Gate)
		t.Cleanup(func() {
			// Before the server stops: servers that wait for open streams
			// (Fiber's) would wait for good for a stream left held.
			ctx, cancel := context.WithTimeout(context.Background(), WaitLimit)
			defer cancel()
			if n, err := w.Gate.Drain(ctx); n != 0 || err != nil {
				t.Errorf("Drain: got (%d, %v), want (0, nil)", n, err)
			}
		})
		conn := open(t, base)
		w.Active(1)
		Unplug(t, conn)
		gone := time.Now()
		released := w.activeWithin(0, UnplugBound+unplugSlack)
		switch took := time.Since(gone); {
		case release && !released:
			t.Fatalf("an unplugged client still holds its slot after %v, want it released within %v", took.Round(time.Millisecond), UnplugBound)
		case !release && released:
			t.Fatalf("an unplugged client was released after %v, want it held: the check cannot tell", took.Round(time.Millisecond))
		case released:
			t.Logf("an unplugged client was released after %v", took.Round(time.Millisecond))
		}
	})
}

// activeWithin waits up to d for the gate and the limiter both to count n
// open streams, and reports whether they did.
func (w *Watch) activeWithin(n int, d time.Duration) bool {
	counts := func() bool { return w.Gate.Stats().Active == n && w.Lim.ActiveConnections() == int64(n) }
	limit := time.NewTimer(d)
	defer limit.Stop()
	for !counts() {
		select {
		case <-w.changed:
		case <-limit.C:
			return counts()
		}
	}
	return true
}
