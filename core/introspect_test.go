package sselimit

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestClosedWriteFailed(t *testing.T) {
	g := mustGate(t, NewSSELimiter(1, 1))
	s := mustAdmit(t, g, "alice")
	m := newMemTransport()
	s.Start(m)
	m.mu.Lock()
	m.fail = errors.New("connection reset")
	m.mu.Unlock()
	if err := s.Send(Event{Data: "x"}); err == nil {
		t.Fatal("Send to a failing client: got no error")
	}
	s.End()
	if got := g.Stats().Closed[ReasonWriteFailed]; got != 1 {
		t.Errorf("Stats().Closed[write_failed]: got %d, want 1", got)
	}
}

func TestDurationHistogramBuckets(t *testing.T) {
	var h durationHistogram
	for _, d := range []time.Duration{500 * time.Millisecond, time.Second, 5*time.Second + 1, 30000 * time.Second} {
		h.observe(d)
	}
	got := h.snapshot()
	want := []uint64{2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3} // cumulative, per bound
	if len(got.Bounds) != len(want) || got.Bounds[0] != 1 || got.Bounds[len(want)-1] != 21600 {
		t.Fatalf("Bounds: got %v, want 11 bounds from 1 to 21600", got.Bounds)
	}
	for i := range want {
		if got.Counts[i] != want[i] {
			t.Errorf("Counts[%d] (le %v): got %d, want %d", i, got.Bounds[i], got.Counts[i], want[i])
		}
	}
	if got.Count != 4 {
		t.Errorf("Count: got %d, want 4", got.Count)
	}
	if wantSum := 30006.5; got.Sum < wantSum-1e-3 || got.Sum > wantSum+1e-3 {
		t.Errorf("Sum: got %v, want %v", got.Sum, wantSum)
	}
}

func TestSnapshotDescribesStreams(t *testing.T) {
	g := mustGate(t, NewSSELimiter(10, 5))
	admit := func(key, route string, userCap int) (*Stream, *memTransport) {
		s, r := g.Admit(context.Background(), Identity{Key: key, IP: "192.0.2.7", Route: route, UserCap: userCap})
		if r != nil {
			t.Fatalf("Admit(%q): refused %v", key, r)
		}
		m := newMemTransport()
		s.Start(m)
		return s, m
	}
	a, am := admit("alice", "/events", 0)
	defer a.End()
	for range 2 {
		if err := a.Send(Event{Name: "tick", Data: "1"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, userCap := range []int{2, 3} { // bob's plan grew between his streams
		s, _ := admit("bob", "/feed", userCap)
		defer s.End()
	}

	snap := g.Snapshot(context.Background(), SnapshotOptions{TopUsers: 1})
	if snap.Open != 3 || len(snap.Streams) != 3 {
		t.Fatalf("Open, len(Streams): got %d, %d; want 3, 3", snap.Open, len(snap.Streams))
	}
	first := snap.Streams[0]
	if first.Key != "alice" || first.Route != "/events" || first.RemoteAddr != "192.0.2.7" || first.UserCap != 0 {
		t.Errorf("oldest stream: got %+v, want alice on /events from 192.0.2.7 under the limiter's cap", first)
	}
	if last := snap.Streams[2]; last.Key != "bob" || last.UserCap != 3 {
		t.Errorf("newest stream: got %+v, want bob's, admitted under a cap of 3", last)
	}
	if want := uint64(len(am.String())); first.Bytes != want || first.Events != 2 {
		t.Errorf("alice's bytes, events: got %d, %d; want %d, 2", first.Bytes, first.Events, want)
	}
	if want := []UserStreams{{Key: "bob", Streams: 2, Cap: 3}}; len(snap.TopUsers) != 1 || snap.TopUsers[0] != want[0] || snap.UsersScope != "gate" {
		t.Errorf("TopUsers, UsersScope: got %v, %q; want %v, gate", snap.TopUsers, snap.UsersScope, want)
	}
	if limited := g.Snapshot(context.Background(), SnapshotOptions{MaxStreams: 1}); len(limited.Streams) != 1 || limited.Open != 3 {
		t.Errorf("MaxStreams 1: got %d streams of %d open, want 1 of 3", len(limited.Streams), limited.Open)
	}
}

// clusterLimiter is a limiter that also reports cluster-wide user counts,
// as a network backend would.
type clusterLimiter struct {
	*SSELimiter
	users map[string]int64
	err   error
}

func (c clusterLimiter) Users(context.Context) (map[string]int64, error) { return c.users, c.err }

func TestSnapshotUsesClusterCounts(t *testing.T) {
	lim := clusterLimiter{SSELimiter: NewSSELimiter(10, 5), users: map[string]int64{"carol": 4, IPKey("10.0.0.1"): 7}}
	g := mustGate(t, lim)
	s := mustAdmit(t, g, "alice")
	defer s.End()
	snap := g.Snapshot(context.Background(), SnapshotOptions{})
	want := []UserStreams{{Key: "ip:10.0.0.1", Streams: 7}, {Key: "carol", Streams: 4}}
	if snap.UsersScope != "cluster" || len(snap.TopUsers) != 2 || snap.TopUsers[0] != want[0] || snap.TopUsers[1] != want[1] {
		t.Errorf("TopUsers, UsersScope: got %v, %q; want %v, cluster", snap.TopUsers, snap.UsersScope, want)
	}

	lim.err = errors.New("backend down")
	g = mustGate(t, lim)
	s2 := mustAdmit(t, g, "alice")
	defer s2.End()
	snap = g.Snapshot(context.Background(), SnapshotOptions{})
	if snap.UsersScope != "gate" || snap.UsersError != "backend down" || len(snap.TopUsers) != 1 {
		t.Errorf("on failure: got scope %q, error %q, users %v; want gate, backend down, alice's", snap.UsersScope, snap.UsersError, snap.TopUsers)
	}
}

func TestDebugHandler(t *testing.T) {
	g := mustGate(t, NewSSELimiter(10, 5))
	s, _ := g.Admit(context.Background(), Identity{Key: "alice", Route: "/events"})
	defer s.End()
	srv := httptest.NewServer(DebugHandler(g))
	defer srv.Close()

	res, err := http.Get(srv.URL + "?streams=5&top=3")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var snap Snapshot
	if err := json.NewDecoder(res.Body).Decode(&snap); err != nil {
		t.Fatal(err)
	}
	if ct := res.Header.Get("Content-Type"); res.StatusCode != 200 || ct != "application/json" {
		t.Errorf("status, Content-Type: got %d, %q; want 200, application/json", res.StatusCode, ct)
	}
	if len(snap.Streams) != 1 || snap.Streams[0].Key != "alice" || snap.Streams[0].Route != "/events" {
		t.Errorf("streams: got %+v, want alice's on /events", snap.Streams)
	}

	for _, q := range []string{"?streams=0", "?top=x", "?top=10001"} {
		res, err := http.Get(srv.URL + q)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %s: got %d, want 400", q, res.StatusCode)
		}
	}
	res, err = http.Post(srv.URL, "text/plain", strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: got %d, want 405", res.StatusCode)
	}
}
