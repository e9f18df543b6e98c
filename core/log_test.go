package sselimit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"
)

// recorder is a slog handler that hands every record to a channel, as
// "LEVEL message key=value ...", attributes sorted.
type recorder chan string

func (r recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r recorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r recorder) WithGroup(string) slog.Handler            { return r }

func (r recorder) Handle(_ context.Context, rec slog.Record) error {
	var attrs []string
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key != "took" {
			attrs = append(attrs, a.Key+"="+a.Value.String())
		}
		return true
	})
	sort.Strings(attrs)
	r <- strings.TrimSpace(rec.Level.String() + " " + rec.Message + " " + strings.Join(attrs, " "))
	return nil
}

func loggedGate(t *testing.T, lim Limiter, opts ...Option) (*Gate, recorder) {
	t.Helper()
	rec := make(recorder, 100)
	g := mustGate(t, lim, append(opts, WithLogger(slog.New(rec)))...)
	g.cfg.log.interval = 50 * time.Millisecond
	return g, rec
}

func TestLogSummarisesRefusalFlood(t *testing.T) {
	g, rec := loggedGate(t, NewSSELimiter(1, 1))
	s := mustAdmit(t, g, "alice")
	defer s.End()
	refuse := func(n int) {
		for range n {
			g.Admit(context.Background(), Identity{Key: "alice"})
		}
	}
	refuse(1)
	if got, want := <-rec, "WARN sselimit: streams refused refused=1 user_limit=1"; got != want {
		t.Errorf("first line:\ngot  %s\nwant %s", got, want)
	}
	refuse(500)
	g.Admit(context.Background(), Identity{})
	if got, want := <-rec, "WARN sselimit: streams refused no_identity=1 refused=501 user_limit=500"; got != want {
		t.Errorf("summary line:\ngot  %s\nwant %s", got, want)
	}
	select {
	case line := <-rec:
		t.Errorf("a line beyond the summary: %s", line)
	default:
	}
}

// failingLimiter is a backend that is down.
type failingLimiter struct{}

func (failingLimiter) Acquire(string) (func(), error) {
	return nil, errors.New("dial tcp: connection refused")
}

func TestLogLimiterFailures(t *testing.T) {
	g, rec := loggedGate(t, failingLimiter{})
	g.Admit(context.Background(), Identity{Key: "alice"})
	if got, want := <-rec, "WARN sselimit: streams refused refused=1 unavailable=1"; got != want {
		t.Errorf("refusal line:\ngot  %s\nwant %s", got, want)
	}
	if got, want := <-rec, "WARN sselimit: limiter failing error=dial tcp: connection refused failed_open=0 failures=1"; got != want {
		t.Errorf("failure line:\ngot  %s\nwant %s", got, want)
	}

	g, rec = loggedGate(t, failingLimiter{}, WithFailOpen())
	s := mustAdmit(t, g, "alice")
	s.End()
	if got, want := <-rec, "WARN sselimit: limiter failing error=dial tcp: connection refused failed_open=1 failures=1"; got != want {
		t.Errorf("fail-open line:\ngot  %s\nwant %s", got, want)
	}
}

func TestLogLeaseLossAndDrain(t *testing.T) {
	g, rec := loggedGate(t, NewSSELimiter(10, 10))
	var streams []*Stream
	for i := range 3 {
		s := mustAdmit(t, g, fmt.Sprint("user", i))
		s.Start(newMemTransport())
		streams = append(streams, s)
	}
	streams[0].leaseLost()
	streams[0].End()
	if got, want := <-rec, "WARN sselimit: leases lost streams=1"; got != want {
		t.Errorf("lease line:\ngot  %s\nwant %s", got, want)
	}

	done := make(chan struct{})
	go func() {
		defer close(done)
		<-streams[1].Context().Done()
		streams[1].End()
		streams[2].End()
	}()
	if _, err := g.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-done
	for _, want := range []string{"INFO sselimit: draining streams=2", "INFO sselimit: drained streams=2"} {
		if got := <-rec; got != want {
			t.Errorf("drain line:\ngot  %s\nwant %s", got, want)
		}
	}
}

func TestLogDrainIncomplete(t *testing.T) {
	g, rec := loggedGate(t, NewSSELimiter(10, 10))
	s := mustAdmit(t, g, "alice")
	defer s.End()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	g.Drain(ctx)
	<-rec
	if got, want := <-rec, "WARN sselimit: drain incomplete error=context canceled remaining=1 streams=1"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestLogNothingPerStream(t *testing.T) {
	g, rec := loggedGate(t, NewSSELimiter(10, 10))
	for range 20 {
		s := mustAdmit(t, g, "alice")
		s.Start(newMemTransport())
		s.Send(Event{Data: "x"})
		s.End()
	}
	if len(rec) != 0 {
		t.Errorf("lines for admitted streams: got %d, want none, first %q", len(rec), <-rec)
	}
}
