package sselimittest

import (
	"context"
	"net/http"
	"strings"
	"testing"

	sselimit "github.com/sselimit/sselimit/core"
)

var _ = register("StreamHeadersAndCounts", func(t *testing.T, h Harness) {
	e := start(t, h, h.limiter(t, 10, 2), nil, true)
	conn := e.c.MustStream("/stream", "alice")
	for k, want := range map[string]string{
		"Content-Type":      "text/event-stream",
		"Cache-Control":     "no-cache",
		"X-Accel-Buffering": "no",
	} {
		if got := conn.Resp.Header.Get(k); !strings.HasPrefix(got, want) {
			t.Errorf("header %s: got %q, want %q", k, got, want)
		}
	}
	if !conn.Resp.Close {
		t.Error("an HTTP/1.1 stream's response keeps its connection alive; want Connection: close, so the connection ends with the stream")
	}
	e.Active(1)
	if got := e.Lim.ActiveForUser("alice"); got != 1 {
		t.Errorf("ActiveForUser(alice): got %d, want 1", got)
	}
	if got := e.Gate.ActiveByKey()["alice"]; got != 1 {
		t.Errorf("ActiveByKey()[alice]: got %d, want 1", got)
	}
	snap := e.Gate.Snapshot(context.Background(), sselimit.SnapshotOptions{})
	if len(snap.Streams) != 1 || snap.Streams[0].Key != "alice" || snap.Streams[0].Route != "/stream" {
		t.Errorf("Snapshot().Streams: got %+v, want one stream of alice on route /stream", snap.Streams)
	}
})

var _ = register("UserCapRefuses429", func(t *testing.T, h Harness) {
	e := start(t, h, h.limiter(t, 10, 2), nil, true)
	e.c.MustStream("/stream", "alice")
	e.c.MustStream("/stream", "alice")
	e.refused("/stream", "alice", http.StatusTooManyRequests)
	e.c.MustStream("/stream", "bob")
	e.Active(3)
	if got := e.Lim.ActiveForUser("alice"); got != 2 {
		t.Errorf("ActiveForUser(alice): got %d, want 2", got)
	}
	if got := e.Gate.Stats().Refused[sselimit.RefusedUserLimit]; got != 1 {
		t.Errorf("Stats().Refused[user_limit]: got %d, want 1", got)
	}
})

var _ = register("GlobalCapRefuses503", func(t *testing.T, h Harness) {
	e := start(t, h, h.limiter(t, 2, 5), nil, true)
	e.c.MustStream("/stream", "alice")
	e.c.MustStream("/stream", "bob")
	e.refused("/stream", "carol", http.StatusServiceUnavailable)
	e.Active(2)
	if got := e.Gate.Stats().Refused[sselimit.RefusedGlobalLimit]; got != 1 {
		t.Errorf("Stats().Refused[global_limit]: got %d, want 1", got)
	}
})

var _ = register("ClientAddressIsTheDefaultIdentity", func(t *testing.T, h Harness) {
	e := start(t, h, h.limiter(t, 10, 1), nil, false)
	conn, _, _, err := e.c.Open("/stream", "alice")
	if err != nil || conn == nil {
		t.Fatalf("first stream: %v", err)
	}
	ev, err := conn.Next()
	if err != nil || ev.Data != "ip:127.0.0.1" {
		t.Fatalf("hello event: got %+v err %v, want key ip:127.0.0.1", ev, err)
	}
	// The X-User header is not an identity unless a key function says so.
	e.refused("/stream", "bob", http.StatusTooManyRequests)
	if got := e.Lim.ActiveForUser(sselimit.IPKey("127.0.0.1")); got != 1 {
		t.Errorf("ActiveForUser(IPKey(127.0.0.1)): got %d, want 1", got)
	}
	if got := e.Lim.ActiveForUser("127.0.0.1"); got != 0 {
		t.Errorf("ActiveForUser(127.0.0.1) in the user namespace: got %d, want 0", got)
	}
})

var _ = register("BadIdentitiesAreRefusedBeforeTheLimiter", func(t *testing.T, h Harness) {
	e := start(t, h, h.limiter(t, 10, 5), nil, true)
	for _, tc := range []struct {
		name, user string
		status     int
	}{
		{"missing", "", http.StatusUnauthorized},
		{"key function error", "!error", h.keyErrorStatus()},
		{"257 bytes", strings.Repeat("a", 257), http.StatusBadRequest},
		{"tab", "a\tb", http.StatusBadRequest},
		{"C1 control", "a\u0085b", http.StatusBadRequest},
		{"invalid UTF-8", "a\xffb", http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) { e.refused("/stream", tc.user, tc.status) })
	}
	st := e.Gate.Stats()
	if st.Admitted != 0 || st.Refused[sselimit.RefusedNoIdentity] != 2 || st.Refused[sselimit.RefusedBadIdentity] != 4 {
		t.Errorf("Stats(): got admitted %d, no_identity %d, bad_identity %d; want 0, 2, 4",
			st.Admitted, st.Refused[sselimit.RefusedNoIdentity], st.Refused[sselimit.RefusedBadIdentity])
	}
	e.c.MustStream("/stream", strings.Repeat("é", 128)) // exactly 256 bytes
	e.Active(1)
})

var _ = register("EmptyKeyFallsBackToClientAddress", func(t *testing.T, h Harness) {
	e := start(t, h, h.limiter(t, 10, 1), nil, true, sselimit.WithEmptyKey(sselimit.FallbackToIP))
	conn := e.c.MustStream("/stream", "")
	_ = conn
	e.Active(1)
	if got := e.Lim.ActiveForUser(sselimit.IPKey("127.0.0.1")); got != 1 {
		t.Errorf("ActiveForUser(IPKey(127.0.0.1)): got %d, want 1", got)
	}
	e.c.MustStream("/stream", "alice") // a named user is not limited by the address's slot
	e.refused("/stream", "", http.StatusTooManyRequests)
})
