package examples_test

import (
	"maps"
	"net"
	"net/http"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// TestTwoReplicasOneRedis runs the README's "Two replicas on one Redis":
// a Gin and a Fiber replica share one redis-server and its caps.
func TestTwoReplicasOneRedis(t *testing.T) {
	url := runRedisServer(t)
	gin := startApp(t, buildApp(t, "gin"), "-addr", "127.0.0.1:0", "-redis", url, "-max-per-user", "2")
	fiber := startApp(t, buildApp(t, "fiber"), "-addr", "127.0.0.1:0", "-redis", url, "-max-per-user", "2")

	for _, c := range []struct {
		replica *app
		want    int
	}{{gin, http.StatusOK}, {fiber, http.StatusOK}, {fiber, http.StatusTooManyRequests}, {gin, http.StatusTooManyRequests}} {
		if res := openEvents(t, c.replica.url+"/events?user=alice", "127.0.0.1"); res.StatusCode != c.want {
			t.Errorf("GET %s/events?user=alice: %s, want %d", c.replica.url, res.Status, c.want)
		}
	}
	for _, replica := range []*app{gin, fiber} {
		st := replica.stats(t)
		if want := map[string]int{"alice": 2}; st.Active != 2 || st.Scope != "cluster" || !maps.Equal(st.Users, want) {
			t.Errorf("%s/stats: active %d, scope %q, users %v; want 2, cluster, %v", replica.url, st.Active, st.Scope, st.Users, want)
		}
	}
}

// runRedisServer starts a redis-server on a free loopback port, without
// persistence, and returns its redis:// URL; it is stopped at the end of
// the test.
func runRedisServer(t *testing.T) string {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server is needed and missing (%v): install Debian's redis-server package, as `make test` does", err)
	}
	addr := freeAddr(t)
	host, port, _ := net.SplitHostPort(addr)
	out := &readyWriter{want: "Ready to accept connections", ready: make(chan struct{})}
	cmd := exec.Command(bin, "--bind", host, "--port", port, "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting redis-server: %v", err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(exitWait):
			cmd.Process.Kill()
			<-exited
		}
	})
	select {
	case <-out.ready:
	case <-exited:
		t.Fatalf("redis-server exited at start: %v\n%s", waitErr, out.String())
	case <-time.After(pageWait):
		t.Fatalf("redis-server was not ready within %v:\n%s", pageWait, out.String())
	}
	return "redis://" + addr + "/0"
}
