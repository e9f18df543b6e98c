package sselimitredistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// SentinelMaster is the name under which the sentinel of StartSentinel
// monitors its master.
const SentinelMaster = "sselimit"

// A Sentinel is a master, its replica and a Redis Sentinel watching them,
// which fails the master over to the replica when the master has not
// answered for half a second.
type Sentinel struct {
	t        testing.TB
	Nodes    []*Server // the master then the replica, as started
	Sentinel *Server

	sc      *redis.SentinelClient
	clients map[*Server]*redis.Client // of Nodes
}

// StartSentinel starts a master, a replica of it and a sentinel, and waits
// until the replica is in sync and the sentinel knows both.
func StartSentinel(t testing.TB) *Sentinel {
	t.Helper()
	// Sync at once, whichever of the two is the master.
	master := Start(t, "--repl-diskless-sync-delay", "0")
	replica := Start(t, "--repl-diskless-sync-delay", "0", "--replicaof", "127.0.0.1", strconv.Itoa(master.port))
	s := &Sentinel{t: t, Nodes: []*Server{master, replica},
		clients: map[*Server]*redis.Client{master: master.Client(), replica: replica.Client()}}
	// Started once the replica is in sync, so that the sentinel's first
	// look at the master finds it: the next would be ten seconds later.
	s.await("the replica in sync", func(ctx context.Context) bool {
		info, err := s.clients[replica].Info(ctx, "replication").Result()
		return err == nil && strings.Contains(info, "master_link_status:up")
	})
	dir := t.TempDir()
	conf := filepath.Join(dir, "sentinel.conf") // the sentinel rewrites it
	m := SentinelMaster
	text := fmt.Sprintf("sentinel monitor %s 127.0.0.1 %d 1\nsentinel down-after-milliseconds %s 500\n"+
		"sentinel failover-timeout %s 3000\nsentinel parallel-syncs %s 1\n", m, master.port, m, m, m)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	s.Sentinel = start(t, &Server{t: t, port: freePort(t), dir: dir, conf: conf,
		args: []string{"--sentinel"}, ready: "Sentinel ID is"})
	s.sc = redis.NewSentinelClient(&redis.Options{Addr: s.Sentinel.Addr(), MaxRetries: -1})
	t.Cleanup(func() { s.sc.Close() })
	s.await("the sentinel to know the replica", func(ctx context.Context) bool {
		reps, err := s.sc.Replicas(ctx, m).Result()
		return err == nil && len(reps) == 1 && reps[0]["flags"] == "slave" && reps[0]["master-link-status"] == "ok"
	})
	return s
}

// Client returns a go-redis failover client of the master, through the
// sentinel, that applies its contexts' deadlines, closed when the test ends.
func (s *Sentinel) Client() *redis.Client {
	rc := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: SentinelMaster,
		SentinelAddrs: []string{s.Sentinel.Addr()}, ContextTimeoutEnabled: true, MaxRetries: -1})
	s.t.Cleanup(func() { rc.Close() })
	return rc
}

// Master returns the server the sentinel names as the master.
func (s *Sentinel) Master() *Server {
	s.t.Helper()
	addr, err := s.sc.GetMasterAddrByName(context.Background(), SentinelMaster).Result()
	if err != nil {
		s.t.Fatalf("SENTINEL GET-MASTER-ADDR-BY-NAME: %v", err)
	}
	for _, n := range s.Nodes {
		if n.Addr() == net.JoinHostPort(addr[0], addr[1]) {
			return n
		}
	}
	s.t.Fatalf("the sentinel names %v as the master, not a server of the test", addr)
	return nil
}

// Failover asks the sentinel to fail the master over to the replica, and
// returns once the sentinel names the new master and the new master takes
// writes.
func (s *Sentinel) Failover() {
	s.t.Helper()
	old := s.Master()
	if err := s.sc.Failover(context.Background(), SentinelMaster).Err(); err != nil {
		s.t.Fatalf("SENTINEL FAILOVER: %v", err)
	}
	s.AwaitNewMaster(old)
}

// AwaitNewMaster returns once the sentinel names a master other than old
// and that master takes writes.
func (s *Sentinel) AwaitNewMaster(old *Server) {
	s.t.Helper()
	s.await("a new master", func(ctx context.Context) bool {
		addr, err := s.sc.GetMasterAddrByName(ctx, SentinelMaster).Result()
		if err != nil || net.JoinHostPort(addr[0], addr[1]) == old.Addr() {
			return false
		}
		info, err := s.clients[s.Master()].Info(ctx, "replication").Result()
		return err == nil && strings.Contains(info, "role:master")
	})
}

// await polls ready, which the servers announce by no event, for up to
// thirty seconds.
func (s *Sentinel) await(what string, ready func(context.Context) bool) {
	s.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		ok := ready(ctx)
		cancel()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("waiting for %s: not after 30s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
