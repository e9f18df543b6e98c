package sselimitredis_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/core/sselimittest"
	sselimitredis "github.com/sselimit/sselimit/redis"
	"github.com/sselimit/sselimit/redis/sselimitredistest"
)

// closeReason reads conn up to its close frame and returns its reason.
func closeReason(t *testing.T, conn *sselimittest.Conn) sselimit.Reason {
	t.Helper()
	for {
		ev, err := conn.Next()
		if err != nil {
			t.Fatalf("reading up to the close frame: %v", err)
		}
		if ev.Name == "close" {
			var data struct{ Reason sselimit.Reason }
			if err := json.Unmarshal([]byte(ev.Data), &data); err != nil {
				t.Fatalf("close frame data %q: %v", ev.Data, err)
			}
			return data.Reason
		}
	}
}

// awaitRenewal returns once the limiter named name has renewed its leases;
// it fails the test after sselimittest.WaitLimit.
func awaitRenewal(t *testing.T, srv *sselimitredistest.Server, name string) {
	t.Helper()
	rc := srv.Client()
	first := leaseExpiries(t, rc, name)
	if len(first) == 0 {
		t.Fatalf("awaiting the renewal of %s: no lease", name)
	}
	pollUntil(t, "the renewal of "+name+"'s leases", func() bool {
		now := leaseExpiries(t, rc, name)
		return len(now) > 0 && !now[0].Equal(first[0])
	})
}

// pollUntil calls done every 20 ms until it reports true, for a change
// that sends no event; it fails the test, naming what it waited for,
// after sselimittest.WaitLimit.
func pollUntil(t *testing.T, what string, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(sselimittest.WaitLimit)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: still waiting for %s", sselimittest.WaitLimit, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// awaitLeases returns the count of live leases once every replica's
// limiter reaches Redis again after a fault and counts a number ok
// accepts; it fails the test after sselimittest.WaitLimit. Until its
// breaker closes, a limiter refuses admissions and defers its releases.
func awaitLeases(t *testing.T, rs *replicaSet, ok func(n int64) bool) int64 {
	t.Helper()
	deadline := time.Now().Add(sselimittest.WaitLimit)
	for {
		n, err := countEverywhere(rs, ok)
		if err == nil {
			return n
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %v", sselimittest.WaitLimit, err)
		}
		time.Sleep(20 * time.Millisecond) // polls; a breaker's cooldown and a put-back send no event
	}
}

// countEverywhere returns the count of live leases if every replica's
// limiter counts a number ok accepts, or else what the first one that
// does not says.
func countEverywhere(rs *replicaSet, ok func(n int64) bool) (n int64, err error) {
	for i, lim := range rs.lims {
		if n, err = lim.ActiveConnections(context.Background()); err != nil {
			return 0, fmt.Errorf("replica %d counts the leases: %w", i, err)
		}
		if !ok(n) {
			return 0, fmt.Errorf("replica %d counts %d leases, not the count awaited", i, n)
		}
	}
	return n, nil
}

// TestRestartEmptyPutsLeasesBack restarts Redis without its data while a
// stream is open: renewal puts the lease back, and the stream goes on.
func TestRestartEmptyPutsLeasesBack(t *testing.T) {
	srv := sselimitredistest.Start(t)
	rs := startReplicas(t, srv.Client(), 1, 10, 2, sselimitredis.WithName("restart"),
		sselimitredis.WithLeaseTTL(time.Second), sselimitredis.WithRenewEvery(200*time.Millisecond))
	c := sselimittest.NewClient(t, rs.urls[0])
	conn := c.MustStream("/stream", "alice")
	srv.Kill()
	srv.Restart()
	lim := rs.lims[0]
	pollUntil(t, "alice's lease put back", func() bool {
		n, err := lim.ActiveForUser(context.Background(), "alice")
		return err == nil && n == 1
	})
	if st := rs.gates[0].Stats(); st.Active != 1 || st.Ended[sselimit.ReasonLeaseLost] != 0 {
		t.Errorf("after the put-back: active %d, lease_lost %d; want 1, 0", st.Active, st.Ended[sselimit.ReasonLeaseLost])
	}
	conn.Close()
	waitIdle(t, rs)
}

// TestRestartEmptyWithTheCapTakenLosesTheLease restarts Redis without its
// data; another replica fills the user's cap before the first renews: the
// first's streams end with lease_lost, and the cap holds.
func TestRestartEmptyWithTheCapTakenLosesTheLease(t *testing.T) {
	srv := sselimitredistest.Start(t)
	opts := []sselimitredis.Option{sselimitredis.WithName("taken"),
		sselimitredis.WithLeaseTTL(3 * time.Second), sselimitredis.WithRenewEvery(2 * time.Second)}
	rs := startReplicas(t, srv.Client(), 2, 10, 2, opts...)
	a, b := sselimittest.NewClient(t, rs.urls[0]), sselimittest.NewClient(t, rs.urls[1])
	old := []*sselimittest.Conn{a.MustStream("/stream", "alice"), a.MustStream("/stream", "alice")}
	// Right after a renewal, the next is two seconds away: time enough to
	// restart Redis and fill the cap from the other replica.
	awaitRenewal(t, srv, "taken")
	srv.Kill()
	srv.Restart()
	b.MustStream("/stream", "alice")
	b.MustStream("/stream", "alice")
	for _, conn := range old {
		if got := closeReason(t, conn); got != sselimit.ReasonLeaseLost {
			t.Errorf("old stream's close reason: got %q, want lease_lost", got)
		}
	}
	if n, err := rs.lims[1].ActiveForUser(context.Background(), "alice"); err != nil || n != 2 {
		t.Errorf("ActiveForUser(alice): got %d %v, want 2", n, err)
	}
	if st := rs.gates[1].Stats(); st.Active != 2 {
		t.Errorf("the replica admitted after the restart holds %d streams, want 2", st.Active)
	}
	_, resp, _, err := b.Open("/stream", "alice")
	if err != nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("third stream for alice: %v %v, want 429", resp, err)
	}
	waitIdle(t, rs)
}

// TestRenewalFailingPastTheTTLLosesTheLease stops Redis for good while a
// stream is open: the stream ends with lease_lost before its lease could
// have expired in Redis.
func TestRenewalFailingPastTheTTLLosesTheLease(t *testing.T) {
	srv := sselimitredistest.Start(t)
	rs := startReplicas(t, srv.Client(), 1, 10, 2, sselimitredis.WithLeaseTTL(time.Second), sselimitredis.WithRenewEvery(200*time.Millisecond))
	conn := sselimittest.NewClient(t, rs.urls[0]).MustStream("/stream", "alice")
	srv.Kill()
	if got := closeReason(t, conn); got != sselimit.ReasonLeaseLost {
		t.Errorf("close reason: got %q, want lease_lost", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), sselimittest.WaitLimit)
	defer cancel()
	if n, err := rs.gates[0].Drain(ctx); err != nil || n != 0 {
		t.Fatalf("Drain: %d remain, %v", n, err)
	}
}

// TestRedisDownFailsClosedThenRecovers stops Redis: admissions are
// refused with 503 within the timeout; once Redis is back, admission
// resumes.
func TestRedisDownFailsClosedThenRecovers(t *testing.T) {
	srv := sselimitredistest.Start(t)
	const timeout = 300 * time.Millisecond
	rs := startReplicas(t, srv.Client(), 1, 10, 2, sselimitredis.WithTimeout(timeout), sselimitredis.WithBreaker(2, 200*time.Millisecond))
	c := sselimittest.NewClient(t, rs.urls[0])
	srv.Kill()
	for i := range 4 { // past the breaker's threshold
		start := time.Now()
		_, resp, _, err := c.Open("/stream", "alice")
		if err != nil || resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("request %d with Redis down: %v %v, want 503 with Retry-After", i, resp, err)
		}
		if took := time.Since(start); took > timeout+time.Second {
			t.Errorf("request %d with Redis down took %v, want about the timeout %v at most", i, took, timeout)
		}
	}
	if got := rs.gates[0].Stats().Refused[sselimit.RefusedUnavailable]; got != 4 {
		t.Errorf("refused as unavailable: got %d, want 4", got)
	}
	srv.Restart()
	pollUntil(t, "the breaker's probe to find Redis back", func() bool {
		conn, _, _, err := c.Open("/stream", "alice")
		if err != nil {
			t.Fatal(err)
		}
		if conn != nil {
			conn.Close()
		}
		return conn != nil
	})
	waitIdle(t, rs)
}

// TestFallbackAdmitsWhileRedisIsDown checks a fallback limiter takes over
// admission while Redis is unreachable, with its own caps.
func TestFallbackAdmitsWhileRedisIsDown(t *testing.T) {
	srv := sselimitredistest.Start(t)
	fallback := sselimit.NewSSELimiter(2, 1)
	lim := newLimiter(t, srv.Client(), 10, 5, sselimitredis.WithFallback(fallback))
	srv.Kill()
	release, err := lim.Acquire("alice")
	if err != nil {
		t.Fatalf("Acquire with Redis down and a fallback: %v", err)
	}
	if _, err := lim.Acquire("alice"); !errors.Is(err, sselimit.ErrTooManyConnectionsForUser) {
		t.Errorf("second Acquire on the fallback: got %v, want its user cap", err)
	}
	if n := fallback.ActiveConnections(); n != 1 {
		t.Errorf("fallback holds %d, want 1", n)
	}
	release()
	if n := fallback.ActiveConnections(); n != 0 {
		t.Errorf("fallback holds %d after release, want 0", n)
	}
	lim2 := newLimiter(t, srv.Client(), 10, 5)
	if _, err := lim2.Acquire("alice"); !errors.Is(err, sselimitredis.ErrUnavailable) {
		t.Errorf("Acquire with Redis down and no fallback: got %v, want ErrUnavailable", err)
	}
}

// TestRedisDownFailsOpenWithTheGatesPolicy checks a gate built with
// sselimit.WithFailOpen admits, without a slot, while Redis is down.
func TestRedisDownFailsOpenWithTheGatesPolicy(t *testing.T) {
	srv := sselimitredistest.Start(t)
	lim := newLimiter(t, srv.Client(), 10, 1, sselimitredis.WithTimeout(200*time.Millisecond))
	g, err := sselimit.NewGate(lim, sselimit.WithFailOpen())
	if err != nil {
		t.Fatal(err)
	}
	c := sselimittest.NewClient(t, serveGate(t, g))
	srv.Kill()
	conn := c.MustStream("/stream", "alice")
	if st := g.Stats(); st.FailedOpen != 1 || st.Active != 1 {
		t.Errorf("with Redis down: failed open %d, active %d; want 1, 1", st.FailedOpen, st.Active)
	}
	conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), sselimittest.WaitLimit)
	defer cancel()
	if n, err := g.Drain(ctx); err != nil || n != 0 {
		t.Fatalf("Drain: %d remain, %v", n, err)
	}
}
