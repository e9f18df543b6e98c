package sselimitredis_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/core/sselimittest"
	sselimitredis "github.com/sselimit/sselimit/redis"
	"github.com/sselimit/sselimit/redis/sselimitredistest"
)

// namesOnTwoNodes returns two limiter names whose keys live on different
// nodes of c.
func namesOnTwoNodes(t *testing.T, c *sselimitredistest.Cluster) (string, string) {
	t.Helper()
	first := "route-0"
	node := c.NodeOf("{sselimit:" + first + "}")
	for i := 1; i < 100; i++ {
		name := "route-" + strconv.Itoa(i)
		if c.NodeOf("{sselimit:"+name+"}") != node {
			return first, name
		}
	}
	t.Fatal("no two names on different nodes")
	return "", ""
}

// TestClusterCapsHold floods two limiters whose keys live on different
// nodes of a three-master Redis Cluster, three replicas each.
func TestClusterCapsHold(t *testing.T) {
	c := sselimitredistest.StartCluster(t)
	rc := c.Client()
	a, b := namesOnTwoNodes(t, c)
	const maxTotal, maxPerUser = 12, 3
	var wg sync.WaitGroup
	for _, name := range []string{a, b} {
		rs := startReplicas(t, rc, 3, maxTotal, maxPerUser, sselimitredis.WithName(name))
		wg.Go(func() {
			admitted, refused := flood(t, rs.urls, 6, 4, 20, maxTotal, maxPerUser)
			if admitted == 0 || refused == 0 {
				t.Errorf("limiter %s: admitted %d, refused %d; want both", name, admitted, refused)
			}
			waitIdle(t, rs)
		})
	}
	wg.Wait()
	for _, name := range []string{a, b} {
		key := "{sselimit:" + name + "}:leases"
		if _, err := c.NodeOf(key).Client().Exists(context.Background(), key).Result(); err != nil {
			t.Errorf("EXISTS %s on its node: %v", key, err)
		}
	}
}

// TestClusterSuite runs the behaviour suite on a Redis Cluster.
func TestClusterSuite(t *testing.T) {
	c := sselimitredistest.StartCluster(t)
	h := sselimittest.NetHTTP()
	h.Backend = sselimitredistest.Backend(c.Client(), sselimitredis.WithLeaseTTL(time.Second))
	sselimittest.Run(t, h)
}

// TestClusterMasterRestart restarts, empty, the master holding a limiter's
// keys while streams are open: as on a single node, renewal puts the
// leases back, and the caps hold afterwards.
func TestClusterMasterRestart(t *testing.T) {
	c := sselimitredistest.StartCluster(t)
	rc := c.Client()
	const name = "restart"
	// The cluster answers CLUSTERDOWN for a moment after the master comes
	// back: the TTL outlasts that, or the leases would be lost instead.
	rs, b := holdThree(t, rc, name, 8*time.Second)
	master := c.NodeOf("{sselimit:" + name + "}")
	master.Kill()
	master.Restart()
	awaitLeases(t, rs, func(n int64) bool { return n == 3 })
	keptTheLeases(t, rs, b)
}

// TestClusterFailover kills the master holding a limiter's keys for good:
// its replica takes over, and the streams go on with their leases; the
// caps hold afterwards.
func TestClusterFailover(t *testing.T) {
	c := sselimitredistest.StartClusterWithReplicas(t)
	rc := c.Client()
	const name = "failover"
	// The TTL outlasts the failover, so the leases are kept, or put back.
	rs, b := holdThree(t, rc, name, 10*time.Second)
	master := c.NodeOf("{sselimit:" + name + "}")
	master.Kill()
	pollUntil(t, "a replica to take over from the killed master", func() bool {
		return c.NodeOf("{sselimit:"+name+"}") != master
	})
	// The replica holds the leases, unless the master died before it sent
	// them: then renewal puts them back.
	awaitLeases(t, rs, func(n int64) bool { return n == 3 })
	awaitRenewal(t, c.NodeOf("{sselimit:"+name+"}"), name)
	keptTheLeases(t, rs, b)
}

// keptTheLeases checks, after a fault, that no replica lost a lease of the
// three streams holdThree opened, and that the global cap still refuses
// a fourth through b; then it waits for the replicas to go idle.
func keptTheLeases(t *testing.T, rs *replicaSet, b *sselimittest.Client) {
	t.Helper()
	for i, g := range rs.gates {
		if st := g.Stats(); st.Ended[sselimit.ReasonLeaseLost] != 0 {
			t.Errorf("replica %d lost %d leases, want none", i, st.Ended[sselimit.ReasonLeaseLost])
		}
	}
	_, resp, _, err := b.Open("/stream", "carol")
	if err != nil || resp.StatusCode != 503 {
		t.Errorf("a fourth stream: %v %v, want 503 at the global cap", resp, err)
	}
	waitIdle(t, rs)
}
