package sselimit

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestStreamConcurrentWritersKeepFraming sends from many goroutines while
// heartbeats fire and the gate drains: every event must arrive whole, and
// the close frame last.
func TestStreamConcurrentWritersKeepFraming(t *testing.T) {
	g := mustGate(t, NewSSELimiter(0, 0), WithHeartbeat(50*time.Microsecond))
	s := mustAdmit(t, g, "alice")
	m := newMemTransport()
	s.Start(m)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := 0; s.Send(Event{Name: "w" + strconv.Itoa(w), Data: "a\nb"}) == nil; i++ {
				if i == 200 {
					return
				}
			}
		})
	}
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		g.Drain(context.Background())
	}()
	wg.Wait()
	s.End()
	<-drained

	out := m.String()
	frames := strings.Split(strings.TrimSuffix(out, "\n\n"), "\n\n")
	last := frames[len(frames)-1]
	if !strings.HasPrefix(last, "event: close\ndata: {\"reason\":\"shutdown\"") {
		t.Fatalf("last frame: got %q, want the shutdown close frame", last)
	}
	for _, f := range frames[:len(frames)-1] {
		lines := strings.Split(f, "\n")
		var events []string
		for _, l := range lines {
			if l != ": heartbeat" {
				events = append(events, l)
			}
		}
		if len(events) == 0 {
			continue
		}
		if len(events) != 3 || !strings.HasPrefix(events[0], "event: w") || events[1] != "data: a" || events[2] != "data: b" {
			t.Fatalf("frame %q is not one whole event", f)
		}
	}
}

// TestGateStress admits, ends, evicts and drains from many goroutines over
// few users: the caps hold throughout and everything is released at the end.
func TestGateStress(t *testing.T) {
	const maxTotal, maxPerUser = 6, 2
	lim := NewSSELimiter(maxTotal, maxPerUser)
	g := mustGate(t, lim, WithEvictOldest(), WithWriteTimeout(time.Second))
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			user := "user" + strconv.Itoa(w%4)
			for range 300 {
				s, r := g.Admit(context.Background(), Identity{Key: user})
				if r != nil {
					continue
				}
				if n := lim.ActiveForUser(user); n > maxPerUser {
					t.Errorf("user %s holds %d slots, cap %d", user, n, maxPerUser)
				}
				if n := lim.ActiveConnections(); n > maxTotal {
					t.Errorf("%d slots held, cap %d", n, maxTotal)
				}
				s.Start(newMemTransport())
				s.Send(Event{Data: "x"})
				s.End()
			}
		})
	}
	wg.Wait()
	if n, err := g.Drain(context.Background()); n != 0 || err != nil {
		t.Errorf("Drain: got (%d, %v), want (0, nil)", n, err)
	}
	lists := 0
	for i := range g.registry {
		lists += len(g.registry[i].oldest)
	}
	if st := g.Stats(); st.Active != 0 || lim.ActiveConnections() != 0 || lists != 0 {
		t.Errorf("after the storm: gate active %d, limiter active %d, eviction lists %d; want all 0", st.Active, lim.ActiveConnections(), lists)
	}
}
