package sselimitredis_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/core/sselimittest"
	sselimitredis "github.com/sselimit/sselimit/redis"
	"github.com/sselimit/sselimit/redis/sselimitredistest"
)

// replicaSet is several gates, each on its own limiter and server, sharing
// one Redis under one name: replicas of one service.
type replicaSet struct {
	lims  []*sselimitredis.Limiter
	gates []*sselimit.Gate
	urls  []string
}

func startReplicas(t *testing.T, rc redis.UniversalClient, n, maxTotal, maxPerUser int, opts ...sselimitredis.Option) *replicaSet {
	rs := &replicaSet{}
	for range n {
		lim := newLimiter(t, rc, maxTotal, maxPerUser, opts...)
		g, err := sselimit.NewGate(lim)
		if err != nil {
			t.Fatal(err)
		}
		rs.lims, rs.gates = append(rs.lims, lim), append(rs.gates, g)
		rs.urls = append(rs.urls, serveGate(t, g))
	}
	return rs
}

// holdThree starts two replicas on rc under the limiter name, caps 3 in
// all and 2 per user, leases of ttl renewed every 200ms, and fills the
// global cap: alice's two streams on the first replica, bob's on the
// second. It returns the replicas and bob's client.
func holdThree(t *testing.T, rc redis.UniversalClient, name string, ttl time.Duration) (*replicaSet, *sselimittest.Client) {
	rs := startReplicas(t, rc, 2, 3, 2, sselimitredis.WithName(name),
		sselimitredis.WithLeaseTTL(ttl), sselimitredis.WithRenewEvery(200*time.Millisecond))
	a := sselimittest.NewClient(t, rs.urls[0])
	a.MustStream("/stream", "alice")
	a.MustStream("/stream", "alice")
	b := sselimittest.NewClient(t, rs.urls[1])
	b.MustStream("/stream", "bob")
	return rs, b
}

// flood opens and closes streams as users across the urls from many
// goroutines, counting the streams held from the clients' side, and fails
// the test if a count ever exceeds a cap.
func flood(t *testing.T, urls []string, users, workersPerUser, rounds, maxTotal, maxPerUser int) (admitted, refused int64) {
	var total atomic.Int64
	held := make([]atomic.Int64, users)
	var wg sync.WaitGroup
	for u := range users {
		for w := range workersPerUser {
			wg.Go(func() {
				user := fmt.Sprintf("user-%d", u)
				var open []*sselimittest.Conn
				closeOldest := func() {
					held[u].Add(-1)
					total.Add(-1)
					open[0].Close()
					open = open[1:]
				}
				defer func() {
					for len(open) > 0 {
						closeOldest()
					}
				}()
				for r := range rounds {
					c := sselimittest.NewClient(t, urls[(u+w+r)%len(urls)])
					conn, resp, body, err := c.Open("/stream", user)
					if err != nil {
						t.Errorf("GET as %s: %v", user, err)
						return
					}
					if conn == nil {
						if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable {
							t.Errorf("GET as %s: status %d body %q, want 200, 429 or 503", user, resp.StatusCode, body)
							return
						}
						atomic.AddInt64(&refused, 1)
						if len(open) > 0 {
							closeOldest()
						}
						continue
					}
					if ev, err := conn.Next(); err != nil || ev.Name != "hello" {
						t.Errorf("first event as %s: %+v %v", user, ev, err)
						conn.Close()
						return
					}
					atomic.AddInt64(&admitted, 1)
					open = append(open, conn)
					if n := held[u].Add(1); maxPerUser > 0 && n > int64(maxPerUser) {
						t.Errorf("%s holds %d streams, over the cap of %d", user, n, maxPerUser)
					}
					if n := total.Add(1); maxTotal > 0 && n > int64(maxTotal) {
						t.Errorf("clients hold %d streams, over the cap of %d", n, maxTotal)
					}
					if len(open) > 2 {
						closeOldest()
					}
				}
			})
		}
	}
	wg.Wait()
	return admitted, refused
}

// TestCapsHoldAcrossReplicas floods three replicas sharing one Redis.
func TestCapsHoldAcrossReplicas(t *testing.T) {
	rc := sselimitredistest.Start(t).Client()
	const maxTotal, maxPerUser = 12, 3
	rs := startReplicas(t, rc, 3, maxTotal, maxPerUser)
	admitted, refused := flood(t, rs.urls, 8, 6, 25, maxTotal, maxPerUser)
	if admitted == 0 || refused == 0 {
		t.Errorf("admitted %d, refused %d: want both, or the flood did not reach the caps", admitted, refused)
	}
	waitIdle(t, rs)
}

// waitIdle waits until every gate has released every stream, then checks
// Redis counts none.
func waitIdle(t *testing.T, rs *replicaSet) {
	t.Helper()
	for _, g := range rs.gates {
		ctx, cancel := context.WithTimeout(context.Background(), sselimittest.WaitLimit)
		n, err := g.Drain(ctx)
		cancel()
		if err != nil || n != 0 {
			t.Fatalf("Drain: %d remain, %v", n, err)
		}
	}
	if n, err := rs.lims[0].ActiveConnections(context.Background()); err != nil || n != 0 {
		t.Errorf("ActiveConnections after every stream ended: %d %v, want 0", n, err)
	}
}
