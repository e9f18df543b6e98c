package sselimitredistest

import (
	"context"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// A Cluster is a Redis Cluster of three masters, with or without a
// replica each.
type Cluster struct {
	t     testing.TB
	Nodes []*Server // masters and replicas
}

// StartCluster starts three cluster-enabled servers, joins them with
// redis-cli --cluster create and waits until every node reports the
// cluster ok and every replica has acknowledged a write of its master.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	return startCluster(t, 0)
}

// StartClusterWithReplicas is StartCluster with a replica for each master,
// six servers in all; a replica takes over a master that fails for a
// second.
func StartClusterWithReplicas(t testing.TB) *Cluster {
	t.Helper()
	return startCluster(t, 1)
}

func startCluster(t testing.TB, replicas int) *Cluster {
	t.Helper()
	c := &Cluster{t: t}
	var addrs []string
	for range 3 * (1 + replicas) {
		s := newServer(t, []string{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", "1000", "--repl-diskless-sync-delay", "0"})
		s.bus = freePort(t) // a free port too, not the default port+10000
		start(t, s)
		c.Nodes = append(c.Nodes, s)
		addrs = append(addrs, s.Addr())
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Fatalf("redis-cli is not installed: %v", err)
	}
	args := append(append([]string{"--cluster", "create"}, addrs...), "--cluster-replicas", strconv.Itoa(replicas), "--cluster-yes")
	out, err := exec.Command(cli, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	ctx := context.Background()
	for _, s := range c.Nodes {
		rc := s.Client()
		for {
			info, err := rc.ClusterInfo(ctx).Result()
			repl, err2 := rc.Info(ctx, "replication").Result()
			synced := !strings.Contains(repl, "role:slave") || strings.Contains(repl, "master_link_status:up")
			if err == nil && err2 == nil && strings.Contains(info, "cluster_state:ok") && synced {
				if replicas > 0 && !strings.Contains(repl, "role:slave") {
					awaitReplicas(t, rc, replicas)
				}
				break
			}
			time.Sleep(50 * time.Millisecond) // polls; the cluster's state change sends no event
		}
	}
	return c
}

// Client returns a cluster client that applies its contexts' deadlines,
// closed when the test ends.
func (c *Cluster) Client() *redis.ClusterClient {
	var addrs []string
	for _, s := range c.Nodes {
		addrs = append(addrs, s.Addr())
	}
	rc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, ContextTimeoutEnabled: true, MaxRetries: -1})
	c.t.Cleanup(func() { rc.Close() })
	return rc
}

// NodeOf returns the master serving key's hash slot.
func (c *Cluster) NodeOf(key string) *Server {
	c.t.Helper()
	ctx := context.Background()
	rc := c.Nodes[0].Client()
	slot, err := rc.ClusterKeySlot(ctx, key).Result()
	if err != nil {
		c.t.Fatal(err)
	}
	//lint:ignore SA1019 CLUSTER SLOTS still answers on Redis 7; older servers lack CLUSTER SHARDS
	slots, err := rc.ClusterSlots(ctx).Result()
	if err != nil {
		c.t.Fatal(err)
	}
	for _, r := range slots {
		if int64(r.Start) <= slot && slot <= int64(r.End) {
			for _, s := range c.Nodes {
				if s.Addr() == r.Nodes[0].Addr {
					return s
				}
			}
		}
	}
	c.t.Fatalf("no node serves slot %d of %q", slot, key)
	return nil
}

// awaitReplicas returns once the master rc streams its writes to n
// replicas. A replica reports its link up once it has loaded the master's
// snapshot, but the master sends it the writes since only after the
// replica's first acknowledgement, up to a second later: a write
// acknowledged in between is lost if the master dies then. A write every
// replica acknowledges, the flush of a master still empty, proves the
// stream flows.
func awaitReplicas(t testing.TB, rc *redis.Client, n int) {
	t.Helper()
	ctx := context.Background()
	if err := rc.FlushAll(ctx).Err(); err != nil {
		t.Fatalf("FLUSHALL on a new master: %v", err)
	}
	if got, err := rc.Wait(ctx, n, 10*time.Second).Result(); err != nil || got != int64(n) {
		t.Fatalf("WAIT %d: %d replicas acknowledged a write (%v)", n, got, err)
	}
}
