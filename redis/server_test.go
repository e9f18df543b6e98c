package sselimitredis_test

import (
	"bufio"
	"context"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// server is a redis-server process the test started on a free port.
type server struct {
	t    testing.TB
	port int
	dir  string
	args []string
	cmd  *exec.Cmd
	exit chan struct{}
}

// startRedis starts a redis-server without persistence on a free port of
// 127.0.0.1, stopped when the test ends. It fails the test if the server
// is missing or does not start.
func startRedis(t testing.TB, extra ...string) *server {
	t.Helper()
	s := &server{t: t, port: freePort(t), dir: t.TempDir(), args: extra}
	s.start()
	t.Cleanup(func() { s.kill() })
	return s
}

func (s *server) addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// start runs the server (again, after kill) on its port and waits until it
// answers PING.
func (s *server) start() {
	s.t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		s.t.Fatalf("redis-server is not installed (make test installs it): %v", err)
	}
	args := append([]string{"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir}, s.args...)
	s.cmd = exec.Command(path, args...)
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		s.t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("starting redis-server: %v", err)
	}
	s.exit = make(chan struct{})
	ready := make(chan struct{})
	go func() {
		defer close(s.exit)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "Ready to accept connections") {
				close(ready)
			}
		}
		_ = s.cmd.Wait()
	}()
	select {
	case <-ready:
	case <-s.exit:
		s.t.Fatalf("redis-server on port %d exited before it was ready", s.port)
	case <-time.After(30 * time.Second):
		s.t.Fatalf("redis-server on port %d not ready after 30s", s.port)
	}
}

// kill ends the server with SIGKILL and waits for it to go.
func (s *server) kill() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.exit
	s.cmd = nil
}

// client returns a client of the server, closed when the test ends.
func (s *server) client() *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.addr(), ContextTimeoutEnabled: true, MaxRetries: -1})
	s.t.Cleanup(func() { c.Close() })
	return c
}

// cluster is a three-master Redis Cluster on local ports.
type cluster struct {
	nodes []*server
}

// startCluster starts three cluster-enabled servers and joins them with
// redis-cli --cluster create.
func startCluster(t testing.TB) *cluster {
	t.Helper()
	c := &cluster{}
	var addrs []string
	for range 3 {
		s := startRedis(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000")
		c.nodes = append(c.nodes, s)
		addrs = append(addrs, s.addr())
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Fatalf("redis-cli is not installed (make test installs it): %v", err)
	}
	out, err := exec.Command(cli, append(append([]string{"--cluster", "create"}, addrs...), "--cluster-yes")...).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	ctx := context.Background()
	for _, s := range c.nodes {
		rc := s.client()
		for {
			info, err := rc.ClusterInfo(ctx).Result()
			if err == nil && strings.Contains(info, "cluster_state:ok") {
				break
			}
			time.Sleep(50 * time.Millisecond) // polls the cluster's state; there is no event to wait on
		}
	}
	return c
}

// client returns a cluster client, closed when the test ends.
func (c *cluster) client(t testing.TB) *redis.ClusterClient {
	var addrs []string
	for _, s := range c.nodes {
		addrs = append(addrs, s.addr())
	}
	rc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, ContextTimeoutEnabled: true, MaxRetries: -1})
	t.Cleanup(func() { rc.Close() })
	return rc
}

// nodeOf returns the node serving key's slot.
func (c *cluster) nodeOf(t testing.TB, key string) *server {
	t.Helper()
	ctx := context.Background()
	rc := c.nodes[0].client()
	slot, err := rc.ClusterKeySlot(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1019 CLUSTER SLOTS still answers on Redis 7; older servers lack CLUSTER SHARDS
	slots, err := rc.ClusterSlots(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range slots {
		if int64(r.Start) <= slot && slot <= int64(r.End) {
			for _, s := range c.nodes {
				if s.addr() == r.Nodes[0].Addr {
					return s
				}
			}
		}
	}
	t.Fatalf("no node serves slot %d of %q", slot, key)
	return nil
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
