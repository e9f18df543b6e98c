package sselimit

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// memTransport is a client that keeps what it receives.
type memTransport struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	fail    error
	flushed chan struct{}
}

func newMemTransport() *memTransport { return &memTransport{flushed: make(chan struct{}, 1)} }

func (m *memTransport) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return 0, m.fail
	}
	return m.buf.Write(p)
}

func (m *memTransport) Flush() error {
	m.mu.Lock()
	err := m.fail
	m.mu.Unlock()
	select {
	case m.flushed <- struct{}{}:
	default:
	}
	return err
}

func (m *memTransport) SetWriteDeadline(time.Time) error { return nil }

func (m *memTransport) String() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.buf.String()
}

func mustGate(t *testing.T, lim Limiter, opts ...Option) *Gate {
	t.Helper()
	g, err := NewGate(lim, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func mustAdmit(t *testing.T, g *Gate, key string) *Stream {
	t.Helper()
	s, r := g.Admit(context.Background(), Identity{Key: key})
	if r != nil {
		t.Fatalf("Admit(%q): refused %v", key, r)
	}
	return s
}

func TestStreamSendEndReleases(t *testing.T) {
	lim := NewSSELimiter(2, 1)
	g := mustGate(t, lim)
	s := mustAdmit(t, g, "alice")
	m := newMemTransport()
	s.Start(m)
	if err := s.Send(Event{Name: "tick", Data: "1"}); err != nil {
		t.Fatal(err)
	}
	if _, r := g.Admit(context.Background(), Identity{Key: "alice"}); r == nil || r.Status != 429 || !errors.Is(r, ErrTooManyConnectionsForUser) {
		t.Errorf("second stream for alice: got %v, want a 429 wrapping ErrTooManyConnectionsForUser", r)
	}
	s.End()
	s.End()
	if got := m.String(); got != "event: tick\ndata: 1\n\n" {
		t.Errorf("stream output: got %q", got)
	}
	if got := lim.ActiveConnections(); got != 0 {
		t.Errorf("ActiveConnections after End: got %d, want 0", got)
	}
	if err := s.Send(Event{Data: "late"}); err != ErrClosed {
		t.Errorf("Send after End: got %v, want ErrClosed", err)
	}
	if err := context.Cause(s.Context()); err == nil {
		t.Error("context after End: not done")
	}
	if st := g.Stats(); st.Active != 0 || st.Admitted != 1 || st.Refused[RefusedUserLimit] != 1 {
		t.Errorf("Stats: got %+v", st)
	}
}

func TestCloseFrameNeverJoinsAPartialEvent(t *testing.T) {
	for _, tc := range []struct{ written, sep string }{
		{"data: partial", "\n\n"},
		{"data: line\n", "\n"},
		{"data: whole\n\n", ""},
	} {
		g := mustGate(t, NewSSELimiter(0, 0))
		s := mustAdmit(t, g, "alice")
		m := newMemTransport()
		s.Start(m)
		s.Write([]byte(tc.written))
		s.stop(ReasonReplaced, 3*time.Second)
		s.End()
		want := tc.written + tc.sep + string(CloseFrame(ReasonReplaced, 3*time.Second))
		if got := m.String(); got != want {
			t.Errorf("after %q: got %q, want %q", tc.written, got, want)
		}
	}
}

func TestHeartbeatOnlyAtLineBoundaries(t *testing.T) {
	g := mustGate(t, NewSSELimiter(0, 0), WithHeartbeat(time.Millisecond))
	s := mustAdmit(t, g, "alice")
	defer s.End()
	m := newMemTransport()
	s.Start(m)
	<-m.flushed // Start's own flush
	<-m.flushed // a heartbeat
	s.Write([]byte("data: half"))
	// Several intervals pass; none may write inside the half line.
	for range 3 {
		s.mu.Lock()
		s.lastFlush.Store(monoNow() - int64(time.Hour))
		s.mu.Unlock()
		s.heartbeat()
	}
	if got := m.String(); !strings.HasPrefix(got, ": heartbeat\n") || !strings.HasSuffix(got, "data: half") {
		t.Errorf("stream: got %q, want heartbeats only before the half line", got)
	}
}

func TestWriteErrorEndsContext(t *testing.T) {
	lim := NewSSELimiter(0, 0)
	g := mustGate(t, lim)
	s := mustAdmit(t, g, "alice")
	m := newMemTransport()
	s.Start(m)
	gone := errors.New("broken pipe")
	m.mu.Lock()
	m.fail = gone
	m.mu.Unlock()
	if err := s.Send(Event{Data: "x"}); !errors.Is(err, gone) {
		t.Fatalf("Send to a gone client: got %v, want %v", err, gone)
	}
	<-s.Context().Done()
	if cause := context.Cause(s.Context()); !errors.Is(cause, errClientGone) || !errors.Is(cause, gone) {
		t.Errorf("cause: got %v, want client gone and %v", cause, gone)
	}
	if err := s.Send(Event{Data: "y"}); err != ErrClosed {
		t.Errorf("Send after failure: got %v, want ErrClosed", err)
	}
	s.End()
	if got := lim.ActiveConnections(); got != 0 {
		t.Errorf("ActiveConnections: got %d, want 0", got)
	}
}

func TestStopCause(t *testing.T) {
	g := mustGate(t, NewSSELimiter(0, 0))
	s := mustAdmit(t, g, "alice")
	s.stop(ReasonMaxLifetime, time.Second)
	s.stop(ReasonShutdown, time.Second) // the first reason stands
	var ended *EndedError
	if !errors.As(context.Cause(s.Context()), &ended) || ended.Reason != ReasonMaxLifetime {
		t.Errorf("cause: got %v, want EndedError{max_lifetime}", context.Cause(s.Context()))
	}
	if StreamFromContext(s.Context()) != s {
		t.Error("StreamFromContext: did not find the stream")
	}
	s.End()
	if got := g.Stats().Ended; got[ReasonMaxLifetime] != 1 || got[ReasonShutdown] != 0 {
		t.Errorf("Stats().Ended: got %v", got)
	}
}

func TestDrainIdleGateAndAfter(t *testing.T) {
	g := mustGate(t, NewSSELimiter(0, 0))
	if n, err := g.Drain(context.Background()); n != 0 || err != nil {
		t.Errorf("Drain of an idle gate: got (%d, %v), want (0, nil)", n, err)
	}
	if n, err := g.Drain(context.Background()); n != 0 || err != nil {
		t.Errorf("second Drain: got (%d, %v), want (0, nil)", n, err)
	}
	_, r := g.Admit(context.Background(), Identity{Key: "alice"})
	if r == nil || r.Status != 503 || r.Reason != RefusedDraining || r.RetryAfter < time.Second {
		t.Errorf("Admit while draining: got %+v, want 503 draining with Retry-After", r)
	}
}

func TestHooks(t *testing.T) {
	var mu sync.Mutex
	var got []string
	record := func(s string) {
		mu.Lock()
		got = append(got, s)
		mu.Unlock()
	}
	g := mustGate(t, NewSSELimiter(1, 1), WithHooks(Hooks{
		OnAdmit:   func(k string) { record("admit " + k) },
		OnRefuse:  func(k string, r Reason) { record("refuse " + k + " " + string(r)) },
		OnRelease: func(k string, open time.Duration) { record("release " + k) },
	}))
	s, _ := g.Admit(context.Background(), Identity{ByIP: true, IP: "::1"})
	g.Admit(context.Background(), Identity{Key: "bob"})
	s.End()
	want := []string{"admit ip:::1", "refuse bob global_limit", "release ip:::1"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("hooks: got %q, want %q", got, want)
	}
}

func TestStopAfterEndIsNotCounted(t *testing.T) {
	g := mustGate(t, NewSSELimiter(0, 0))
	s := mustAdmit(t, g, "alice")
	s.Start(newMemTransport())
	s.End()
	s.stop(ReasonShutdown, time.Second)
	if got := g.Stats().Ended[ReasonShutdown]; got != 0 {
		t.Errorf("Stats().Ended[shutdown] after a stop that came too late: got %d, want 0", got)
	}
}

func TestPanickingAdmitHookLosesNoSlot(t *testing.T) {
	lim := NewSSELimiter(0, 0)
	g := mustGate(t, lim, WithHooks(Hooks{OnAdmit: func(string) { panic("hook bug") }}))
	func() {
		defer func() {
			if v := recover(); v != "hook bug" {
				t.Errorf("recovered %v, want the hook's panic", v)
			}
		}()
		g.Admit(context.Background(), Identity{Key: "alice"})
	}()
	if n, active := lim.ActiveConnections(), g.Stats().Active; n != 0 || active != 0 {
		t.Errorf("after the hook panicked: limiter %d, gate %d; want 0, 0", n, active)
	}
}

func TestLargeFrameBufferIsNotPooled(t *testing.T) {
	if !putFrame(getFrame(), make([]byte, 100, 512)) {
		t.Error("a 512-byte framing buffer: not kept, want it pooled")
	}
	if putFrame(getFrame(), make([]byte, 64<<10)) {
		t.Errorf("a 64 KiB framing buffer: kept, want at most %d bytes pooled", maxPooledFrame)
	}
}
