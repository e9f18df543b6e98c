package sselimitredis_test

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"strconv"
	"testing"
	"time"

	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/core/sselimittest"
	sselimitredis "github.com/sselimit/sselimit/redis"
	"github.com/sselimit/sselimit/redis/sselimitredistest"
)

// TestSentinelCaps checks the caps, user first then global, through a
// go-redis failover client: a refusal writes nothing, a release frees.
func TestSentinelCaps(t *testing.T) {
	s := sselimitredistest.StartSentinel(t, 1)
	rc := s.Client()
	l := newLimiter(t, rc, 3, 2)
	a1 := mustAcquire(t, l, "alice", 0, nil)
	mustAcquire(t, l, "alice", 0, nil)
	mustAcquire(t, l, "bob", 0, nil)
	before := dump(t, rc)
	if _, err := l.AcquireLease(context.Background(), "alice", 0, nil); !errors.Is(err, sselimit.ErrTooManyConnectionsForUser) {
		t.Fatalf("alice at both caps: got %v, want ErrTooManyConnectionsForUser", err)
	}
	if _, err := l.AcquireLease(context.Background(), "carol", 0, nil); !errors.Is(err, sselimit.ErrTooManyConnections) {
		t.Fatalf("carol at the global cap: got %v, want ErrTooManyConnections", err)
	}
	if after := dump(t, rc); !maps.Equal(before, after) {
		t.Errorf("keys after refusals:\n%v\nwant\n%v", after, before)
	}
	a1()
	if n, users := counts(t, l); n != 2 || users["alice"] != 1 {
		t.Errorf("after one release: got %d %v, want 2 with alice 1", n, users)
	}
	mustAcquire(t, l, "carol", 0, nil)
}

// TestSentinelSuite runs the behaviour suite through a failover client.
func TestSentinelSuite(t *testing.T) {
	s := sselimitredistest.StartSentinel(t, 1)
	h := sselimittest.NetHTTP()
	h.Backend = sselimitredistest.Backend(s.Client(), sselimitredis.WithLeaseTTL(time.Second))
	sselimittest.Run(t, h)
}

// TestSentinelFailover has the sentinel fail the master over while
// streams are open: the failover client follows it, and the streams go on
// with their leases; the caps hold afterwards.
func TestSentinelFailover(t *testing.T) {
	s := sselimitredistest.StartSentinel(t, 1)
	sentinelFailover(t, s, func() {
		start := time.Now()
		s.Failover()
		t.Logf("SENTINEL FAILOVER: new master after %v", time.Since(start))
	})
}

// TestSentinelMasterKilled kills the master with SIGKILL while streams are
// open: two of three sentinels agree it is down and promote the replica, and every stream either goes on
// with its lease or ends with lease_lost; the caps hold afterwards.
func TestSentinelMasterKilled(t *testing.T) {
	s := sselimitredistest.StartSentinel(t, 3)
	sentinelFailover(t, s, func() {
		old, start := s.Master(), time.Now()
		old.Kill()
		s.AwaitNewMaster(old)
		t.Logf("master killed: new master after %v", time.Since(start))
	})
}

// sentinelFailover opens three streams at a global cap of three on two
// replicas, runs failover, and checks what the replicas hold matches what
// the new master counts, no more than the cap, and that admission resumes.
func sentinelFailover(t *testing.T, s *sselimitredistest.Sentinel, failover func()) {
	const name, maxTotal = "failover", 3 // holdThree fills the cap of 3
	// The TTL outlasts the failover, so the leases are kept, or put back.
	rs, b := holdThree(t, s.Client(), name, 10*time.Second)
	failover()
	start := time.Now()
	awaitRenewal(t, s.Master(), name)
	t.Logf("first renewal on the new master %v later", time.Since(start))
	n := awaitLeases(t, rs, func(int64) bool { return true })
	var active, lost int64
	for _, g := range rs.gates {
		st := g.Stats()
		active, lost = active+int64(st.Active), lost+int64(st.Ended[sselimit.ReasonLeaseLost])
	}
	t.Logf("after the failover: %d leases in Redis, %d streams open, %d ended with lease_lost", n, active, lost)
	if n != active || active+lost != maxTotal {
		t.Errorf("after the failover: %d leases, %d open, %d lost; want leases = open, open + lost = %d", n, active, lost, maxTotal)
	}
	// Admission resumes up to the cap, and no further.
	for i := range maxTotal - n {
		b.MustStream("/stream", "user-"+strconv.FormatInt(i, 10))
	}
	_, resp, _, err := b.Open("/stream", "dave")
	if err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("a stream past the global cap: %v %v, want 503", resp, err)
	}
	waitIdle(t, rs)
}
