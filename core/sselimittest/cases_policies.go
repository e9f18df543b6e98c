package sselimittest

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	sselimit "github.com/sselimit/sselimit/core"
)

var _ = register("EvictOldestReplacesTheUsersOldestStream", func(t *testing.T, h Harness) {
	e := start(t, h, h.limiter(t, 10, 1), nil, true, sselimit.WithEvictOldest())
	old := e.c.MustStream("/stream", "alice")
	e.c.MustStream("/stream", "alice")
	closeFrame(t, old, sselimit.ReasonReplaced)
	if _, err := old.Next(); err != io.EOF {
		t.Errorf("replaced stream after its close frame: got %v, want EOF", err)
	}
	e.Active(1)
	if got := e.Gate.Stats().Ended[sselimit.ReasonReplaced]; got != 1 {
		t.Errorf("Stats().Ended[replaced]: got %d, want 1", got)
	}
	e.c.MustStream("/stream", "bob")
	e.Active(2)
})

var _ = register("SoftRefusalLetsEventSourceRetry", func(t *testing.T, h Harness) {
	e := start(t, h, h.limiter(t, 10, 1), nil, true, sselimit.WithSoftRefusal())
	e.c.MustStream("/stream", "alice")
	conn, resp, body, err := e.c.Open("/stream", "alice")
	if err != nil || conn == nil {
		t.Fatalf("soft refusal: got %v body %q err %v, want 200 text/event-stream", status(resp), body, err)
	}
	checkRetryAfter(t, resp.Header.Get("Retry-After"))
	retry := closeFrame(t, conn, sselimit.ReasonLimit)
	if retry < 1000 {
		t.Errorf("soft refusal retry_ms %d, want at least a second", retry)
	}
	if _, err := conn.Next(); err != io.EOF {
		t.Errorf("after a soft refusal: got %v, want EOF", err)
	}
	e.Active(1)
	if got := e.Lim.ActiveForUser("alice"); got != 1 {
		t.Errorf("ActiveForUser(alice): got %d, want 1", got)
	}
})

var _ = register("MaxLifetimeEndsStreams", func(t *testing.T, h Harness) {
	e := start(t, h, h.limiter(t, 10, 1), nil, true, sselimit.WithMaxLifetime(200*time.Millisecond, 100*time.Millisecond))
	conn := e.c.MustStream("/stream", "alice")
	closeFrame(t, conn, sselimit.ReasonMaxLifetime)
	if _, err := conn.Next(); err != io.EOF {
		t.Errorf("after max lifetime: got %v, want EOF", err)
	}
	e.Active(0)
	if got := e.Gate.Stats().Ended[sselimit.ReasonMaxLifetime]; got != 1 {
		t.Errorf("Stats().Ended[max_lifetime]: got %d, want 1", got)
	}
})

var _ = register("DryRunAdmitsAndCounts", func(t *testing.T, h Harness) {
	e := start(t, h, h.limiter(t, 10, 1), nil, true, sselimit.WithDryRun())
	for range 3 {
		e.c.MustStream("/stream", "alice")
	}
	e.Await("three streams open", func() bool { return e.Gate.Stats().Active == 3 })
	if got := e.Lim.ActiveForUser("alice"); got != 1 {
		t.Errorf("ActiveForUser(alice): got %d, want 1 (dry run holds real slots only within the cap)", got)
	}
	if got := e.Gate.Stats().WouldRefuse; got != 2 {
		t.Errorf("Stats().WouldRefuse: got %d, want 2", got)
	}
})

var _ = register("LeaseLostEndsTheStream", func(t *testing.T, h Harness) {
	inner := sselimit.NewSSELimiter(10, 2)
	lim := &leaseLimiter{SSELimiter: inner, lost: map[string][]func(){}}
	e := start(t, h, inner, lim, true)
	conn := e.c.MustStream("/stream", "alice")
	e.Active(1)
	if n := lim.revoke("alice"); n != 1 {
		t.Fatalf("revoked %d leases, want 1", n)
	}
	closeFrame(t, conn, sselimit.ReasonLeaseLost)
	e.Active(0)
})

var _ = register("LimiterFailureFailsClosed", func(t *testing.T, h Harness) {
	e := start(t, h, sselimit.NewSSELimiter(10, 1), failingLimiter{}, true)
	e.refused("/stream", "alice", http.StatusServiceUnavailable)
	_, _, body, _ := e.c.Open("/stream", "alice")
	if strings.Contains(body, "10.0.0.1") || strings.Contains(body, "refused") {
		t.Errorf("refusal body %q names the backend's error", body)
	}
	if got := e.Gate.Stats().Refused[sselimit.RefusedUnavailable]; got != 2 {
		t.Errorf("Stats().Refused[unavailable]: got %d, want 2", got)
	}
})

var _ = register("LimiterFailureFailsOpen", func(t *testing.T, h Harness) {
	e := start(t, h, sselimit.NewSSELimiter(10, 1), failingLimiter{}, true, sselimit.WithFailOpen())
	e.c.MustStream("/stream", "alice")
	e.Await("one stream open", func() bool { return e.Gate.Stats().Active == 1 })
	if got := e.Gate.Stats().FailedOpen; got != 1 {
		t.Errorf("Stats().FailedOpen: got %d, want 1", got)
	}
})
