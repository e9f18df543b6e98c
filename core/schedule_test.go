package sselimit

import (
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"
)

// TestSchedulerHeap sets and drops random deadlines and checks after each
// change that the heap is ordered and every stream knows its place.
func TestSchedulerHeap(t *testing.T) {
	var q scheduler
	streams := make([]*Stream, 200)
	for i := range streams {
		streams[i] = &Stream{}
	}
	deadline := func() int64 {
		if rand.N(4) == 0 {
			return 0
		}
		return 1 + rand.Int64N(1000)
	}
	for step := range 5000 {
		s := streams[rand.N(len(streams))]
		q.set(s, deadline(), deadline())
		for i, x := range q.heap {
			if int(x.slot) != i+1 {
				t.Fatalf("step %d: stream at %d has slot %d, want %d", step, i, x.slot, i+1)
			}
			if x.due() == 0 {
				t.Fatalf("step %d: stream at %d has no deadline", step, i)
			}
			if p := (i - 1) / 2; i > 0 && q.heap[p].due() > x.due() {
				t.Fatalf("step %d: parent due %d after child due %d", step, q.heap[p].due(), x.due())
			}
		}
	}
	for _, s := range streams {
		if (s.slot != 0) != (s.due() != 0) {
			t.Fatalf("stream with due %d has slot %d", s.due(), s.slot)
		}
		q.set(s, 0, 0)
	}
	if len(q.heap) != 0 {
		t.Errorf("after dropping every deadline: %d left in the heap", len(q.heap))
	}
}

// TestSchedulerRunsManyStreams holds streams with short heartbeats and
// lifetimes: each hears heartbeats, then ends with reason max_lifetime,
// and the scheduler's goroutine exits with the last (TestMain checks).
func TestSchedulerRunsManyStreams(t *testing.T) {
	t.Logf("a Stream is %d bytes", unsafe.Sizeof(Stream{}))
	const n = 300
	g := mustGate(t, NewSSELimiter(0, 0), WithHeartbeat(2*time.Millisecond), WithMaxLifetime(40*time.Millisecond, 20*time.Millisecond))
	var wg sync.WaitGroup
	for i := range n {
		s := mustAdmit(t, g, "user"+string(rune('a'+i%26)))
		m := newMemTransport()
		s.Start(m)
		wg.Go(func() {
			<-m.flushed // Start's own
			<-m.flushed // a heartbeat: they go on until End, even once the lifetime is over
			<-s.Context().Done()
			s.End()
			out := m.String()
			if !strings.HasPrefix(out, ": heartbeat\n") || !strings.Contains(out, `"reason":"max_lifetime"`) {
				t.Errorf("stream output %q: want heartbeats, then the max_lifetime close frame", out)
			}
		})
	}
	wg.Wait()
	if got := g.Stats().Ended[ReasonMaxLifetime]; got != n {
		t.Errorf("Stats().Ended[max_lifetime]: got %d, want %d", got, n)
	}
	g.sched.mu.Lock()
	defer g.sched.mu.Unlock()
	if len(g.sched.heap) != 0 {
		t.Errorf("after every stream ended: %d left in the scheduler", len(g.sched.heap))
	}
}

// TestHeartbeatFollowsTheLastFlush: an event moves the next heartbeat to
// one interval after it, not to the next tick of a fixed clock.
func TestHeartbeatFollowsTheLastFlush(t *testing.T) {
	const beat = 50 * time.Millisecond
	g := mustGate(t, NewSSELimiter(0, 0), WithHeartbeat(beat))
	s := mustAdmit(t, g, "alice")
	defer s.End()
	m := newMemTransport()
	s.Start(m)
	<-m.flushed // Start's own
	s.Send(Event{Data: "x"})
	<-m.flushed
	sent := time.Now()
	<-m.flushed
	if got := m.String(); got != "data: x\n\n: heartbeat\n" {
		t.Fatalf("stream: got %q, want the event, then one heartbeat", got)
	}
	if gap := time.Since(sent); gap < beat {
		t.Errorf("heartbeat %v after the event, want at least the interval %v", gap, beat)
	}
}
