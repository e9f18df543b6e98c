package sselimitredis_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/core/sselimittest"
	sselimitredis "github.com/sselimit/sselimit/redis"
	"github.com/sselimit/sselimit/redis/sselimitredistest"
)

// replicaEnv, set in the environment of this test binary, makes it run as
// a replica process instead of running tests: "ADDR NAME TTL_MS RENEW_MS
// TOTAL PERUSER".
const replicaEnv = "SSELIMITREDIS_TEST_REPLICA"

// runReplica serves GET /stream through a gate on a Redis limiter, prints
// its URL on stdout and serves until killed.
func runReplica() {
	var addr, name string
	var ttlMS, renewMS int64
	var maxTotal, maxPerUser int
	if _, err := fmt.Sscan(os.Getenv(replicaEnv), &addr, &name, &ttlMS, &renewMS, &maxTotal, &maxPerUser); err != nil {
		fmt.Fprintln(os.Stderr, "replica:", err)
		os.Exit(2)
	}
	ttl, renew := time.Duration(ttlMS)*time.Millisecond, time.Duration(renewMS)*time.Millisecond
	rc := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	lim, err := sselimitredis.New(rc, maxTotal, maxPerUser, sselimitredis.WithName(name),
		sselimitredis.WithLeaseTTL(ttl), sselimitredis.WithRenewEvery(renew))
	if err != nil {
		fmt.Fprintln(os.Stderr, "replica:", err)
		os.Exit(2)
	}
	g, err := sselimit.NewGate(lim)
	if err != nil {
		fmt.Fprintln(os.Stderr, "replica:", err)
		os.Exit(2)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /stream", sselimit.Middleware(g, sselimit.WithKeyFunc(func(r *http.Request) (string, error) {
		return r.Header.Get("X-User"), nil
	}))(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		sselimittest.Behave(sselimit.StreamFromContext(r.Context()), r.URL.RawQuery)
	})))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "replica:", err)
		os.Exit(2)
	}
	fmt.Printf("URL http://%s\n", ln.Addr())
	_ = http.Serve(ln, mux)
	os.Exit(1)
}

// startReplicaProcess runs this test binary as a replica and returns its
// URL and process, killed when the test ends.
func startReplicaProcess(t *testing.T, srv *sselimitredistest.Server, name string, ttl, renew time.Duration, maxTotal, maxPerUser int) (string, *exec.Cmd) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %s %d %d %d %d", replicaEnv, srv.Addr(), name, ttl.Milliseconds(), renew.Milliseconds(), maxTotal, maxPerUser))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting a replica: %v", err)
	}
	exited := make(chan struct{})
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "URL ")
	if err != nil || !ok {
		t.Fatalf("replica said %q, %v; want its URL", line, err)
	}
	return url, cmd
}

// redisNow is Redis's clock.
func redisNow(t *testing.T, rc *redis.Client) time.Time {
	t.Helper()
	now, err := rc.Time(context.Background()).Result()
	if err != nil {
		t.Fatal(err)
	}
	return now
}

// TestKilledReplicaFreesItsSlotsWithinTheTTL kills a replica holding the
// whole global cap with SIGKILL, so it cannot release anything: its slots
// must stay taken until its leases expire, and free within the TTL plus
// one renewal interval.
func TestKilledReplicaFreesItsSlotsWithinTheTTL(t *testing.T) {
	srv := sselimitredistest.Start(t)
	rc := srv.Client()
	const ttl, renew = time.Second, 250 * time.Millisecond
	url, cmd := startReplicaProcess(t, srv, "kill", ttl, renew, 3, 0)
	c := sselimittest.NewClient(t, url)
	for i := range 3 {
		c.MustStream("/stream", "user-"+strconv.Itoa(i))
	}
	survivor := newLimiter(t, rc, 3, 0, sselimitredis.WithName("kill"), sselimitredis.WithLeaseTTL(ttl), sselimitredis.WithRenewEvery(renew))
	// Let the replica renew at least once, so that what frees its slots
	// is expiry, not the admission's first lease.
	awaitRenewal(t, srv, "kill")
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := redisNow(t, rc)
	expiries := leaseExpiries(t, rc, "kill")
	if len(expiries) != 3 {
		t.Fatalf("leases after the kill: %d, want 3", len(expiries))
	}
	for {
		release, err := survivor.Acquire("newcomer")
		now := redisNow(t, rc)
		if err == nil {
			release()
			if now.Before(expiries[0]) {
				t.Errorf("admitted at %v, before the first lease expired at %v", now, expiries[0])
			}
			if limit := killed.Add(ttl + renew + 100*time.Millisecond); now.After(limit) {
				t.Errorf("first slot freed %v after the kill, want within the TTL %v plus one renewal interval %v", now.Sub(killed), ttl, renew)
			}
			t.Logf("first slot freed %v after the kill (TTL %v, renewal every %v)", now.Sub(killed), ttl, renew)
			return
		}
		if !errors.Is(err, sselimit.ErrTooManyConnections) {
			t.Fatalf("Acquire while the dead replica's leases live: %v, want ErrTooManyConnections", err)
		}
		if now.After(killed.Add(3 * ttl)) {
			t.Fatalf("slots still taken %v after the kill", now.Sub(killed))
		}
		time.Sleep(10 * time.Millisecond) // polls; the expiry sends no event
	}
}

// leaseExpiries returns the expiries of the live leases of the limiter
// named name, earliest first.
func leaseExpiries(t *testing.T, rc *redis.Client, name string) []time.Time {
	t.Helper()
	zs, err := rc.ZRangeWithScores(context.Background(), "{sselimit:"+name+"}:leases", 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	var out []time.Time
	for _, z := range zs {
		out = append(out, time.UnixMilli(int64(z.Score)))
	}
	return out
}
