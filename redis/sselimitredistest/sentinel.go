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

// SentinelMaster is the name under which the sentinels of StartSentinel
// monitor their master.
const SentinelMaster = "sselimit"

// A Sentinel is a master, its replica and the Redis Sentinels watching
// them, which fail the master over to the replica when a majority of them
// has not heard from it for half a second.
type Sentinel struct {
	t         testing.TB
	Nodes     []*Server // the master then the replica, as started
	Sentinels []*Server

	sc      *redis.SentinelClient // of the first sentinel
	clients map[*Server]*redis.Client
}

// StartSentinel starts a master, a replica of it and n sentinels, and
// waits until the replica is in sync and every sentinel knows the replica
// and the other sentinels.
func StartSentinel(t testing.TB, n int) *Sentinel {
	t.Helper()
	if n < 1 {
		t.Fatalf("StartSentinel: %d sentinels, want at least 1", n)
	}
	// Sync at once, whichever of the two is the master.
	master := Start(t, "--repl-diskless-sync-delay", "0")
	replica := Start(t, "--repl-diskless-sync-delay", "0", "--replicaof", "127.0.0.1", strconv.Itoa(master.port))
	s := &Sentinel{t: t, Nodes: []*Server{master, replica},
		clients: map[*Server]*redis.Client{master: master.Client(), replica: replica.Client()}}
	// Sentinels start once the replica is in sync, so that their first
	// look at the master finds it: the next would be ten seconds later.
	s.await("the replica in sync", func(ctx context.Context) bool {
		info, err := s.clients[replica].Info(ctx, "replication").Result()
		return err == nil && strings.Contains(info, "master_link_status:up")
	})
	awaitReplicas(t, s.clients[master], 1)
	m, quorum := SentinelMaster, n/2+1
	var scs []*redis.SentinelClient
	for range n {
		dir := t.TempDir()
		conf := filepath.Join(dir, "sentinel.conf") // the sentinel rewrites it
		text := fmt.Sprintf("sentinel monitor %s 127.0.0.1 %d %d\nsentinel down-after-milliseconds %s 500\n"+
			"sentinel failover-timeout %s 3000\n", m, master.port, quorum, m, m)
		if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		sn := start(t, &Server{t: t, port: freePort(t), dir: dir, conf: conf,
			args: []string{"--sentinel"}, ready: "Sentinel ID is"})
		s.Sentinels = append(s.Sentinels, sn)
		sc := redis.NewSentinelClient(&redis.Options{Addr: sn.Addr(), MaxRetries: -1})
		t.Cleanup(func() { sc.Close() })
		scs = append(scs, sc)
	}
	s.sc = scs[0]
	for _, sc := range scs {
		s.await("every sentinel to know the replica and the other sentinels", func(ctx context.Context) bool {
			reps, err := sc.Replicas(ctx, m).Result()
			if err != nil || len(reps) != 1 || reps[0]["flags"] != "slave" || reps[0]["master-link-status"] != "ok" {
				return false
			}
			others, err := sc.Sentinels(ctx, m).Result()
			return err == nil && len(others) == n-1
		})
	}
	return s
}

// Client returns a go-redis failover client of the master, through the
// sentinels, that applies its contexts' deadlines, closed when the test
// ends.
func (s *Sentinel) Client() *redis.Client {
	var addrs []string
	for _, sn := range s.Sentinels {
		addrs = append(addrs, sn.Addr())
	}
	rc := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: SentinelMaster,
		SentinelAddrs: addrs, ContextTimeoutEnabled: true, MaxRetries: -1})
	s.t.Cleanup(func() { rc.Close() })
	return rc
}

// Master returns the server the first sentinel names as the master.
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

// Failover asks the first sentinel to fail the master over to the
// replica, and returns once it names the new master and the new master
// takes writes.
func (s *Sentinel) Failover() {
	s.t.Helper()
	old := s.Master()
	if err := s.sc.Failover(context.Background(), SentinelMaster).Err(); err != nil {
		s.t.Fatalf("SENTINEL FAILOVER: %v", err)
	}
	s.AwaitNewMaster(old)
}

// AwaitNewMaster returns once the first sentinel names a master other
// than old and that master takes writes.
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

// await polls ready for up to thirty seconds.
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
		time.Sleep(50 * time.Millisecond) // polls; the servers send no event
	}
}
