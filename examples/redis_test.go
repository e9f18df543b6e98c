package examples_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sselimit/sselimit/redis/sselimitredistest"
)

// TestReplicasOfEveryFrameworkHoldTheCapsTogether floods a Gin, an Echo and
// a Fiber replica sharing one Redis, counting the streams held from the
// clients' side: never more than either cap, whichever replicas admitted
// them. Then it kills one replica with SIGKILL: its slots free once its
// leases expire, within the lease TTL and a renewal interval.
func TestReplicasOfEveryFrameworkHoldTheCapsTogether(t *testing.T) {
	srv := sselimitredistest.Start(t)
	const maxTotal, maxPerUser, ttl = 8, 2, 2 * time.Second
	var replicas []*app
	for _, name := range []string{"gin", "echo", "fiber"} {
		replicas = append(replicas, startApp(t, buildApp(t, name), "-addr", "127.0.0.1:0", "-redis", srv.URL(),
			"-max-total", fmt.Sprint(maxTotal), "-max-per-user", fmt.Sprint(maxPerUser), "-lease-ttl", ttl.String()))
	}

	var total, admitted, refused atomic.Int64
	const users, workers, rounds = 6, 3, 12
	held := make([]atomic.Int64, users)
	var wg sync.WaitGroup
	for u := range users {
		for w := range workers {
			wg.Go(func() {
				var open []*http.Response
				closeOldest := func() {
					held[u].Add(-1)
					total.Add(-1)
					open[0].Body.Close()
					open = open[1:]
				}
				defer func() {
					for len(open) > 0 {
						closeOldest()
					}
				}()
				for r := range rounds {
					replica := replicas[(u+w+r)%len(replicas)]
					res, err := openStream(replica.url + fmt.Sprintf("/events?user=user-%d", u))
					if err != nil {
						t.Errorf("GET %s: %v", replica.url, err)
						return
					}
					if res.StatusCode != http.StatusOK {
						io.Copy(io.Discard, res.Body)
						res.Body.Close()
						if res.StatusCode != http.StatusTooManyRequests && res.StatusCode != http.StatusServiceUnavailable {
							t.Errorf("GET %s as user-%d: %s, want 200, 429 or 503", replica.url, u, res.Status)
							return
						}
						refused.Add(1)
						if len(open) > 0 {
							closeOldest()
						}
						continue
					}
					admitted.Add(1)
					open = append(open, res)
					if n := held[u].Add(1); n > maxPerUser {
						t.Errorf("user-%d holds %d streams across the replicas, over the cap of %d", u, n, maxPerUser)
					}
					if n := total.Add(1); n > maxTotal {
						t.Errorf("clients hold %d streams across the replicas, over the cap of %d", n, maxTotal)
					}
					if len(open) > 1 {
						closeOldest()
					}
				}
			})
		}
	}
	wg.Wait()
	if admitted.Load() == 0 || refused.Load() == 0 {
		t.Errorf("admitted %d, refused %d: want both, or the flood did not reach the caps", admitted.Load(), refused.Load())
	}
	awaitStats(t, replicas[0], func(st statsJSON) bool { return st.Active == 0 })

	// Alice fills her cap on the Gin replica, which is then killed: it
	// cannot give her slots back, so they stay taken until they expire.
	gin, echo := replicas[0], replicas[1]
	for range maxPerUser {
		if res := openEvents(t, gin.url+"/events?user=alice", "127.0.0.1"); res.StatusCode != http.StatusOK {
			t.Fatalf("alice on gin: %s, want 200", res.Status)
		}
	}
	// Echo holds none of them, yet reports them: its counts are the cluster's.
	metrics, _ := get(t, echo.url+"/metrics")
	if want := fmt.Sprintf("sselimit_cluster_streams_active %d\n", maxPerUser); !strings.Contains(string(metrics), want) {
		t.Errorf("echo's /metrics lacks %q:\n%s", want, metrics)
	}
	body, _ := get(t, echo.url+"/debug/streams")
	var snap struct {
		Open     int    `json:"open"`
		Scope    string `json:"users_scope"`
		TopUsers []struct {
			Key     string `json:"key"`
			Streams int64  `json:"streams"`
		} `json:"top_users"`
	}
	if err := json.Unmarshal(body, &snap); err != nil {
		t.Fatalf("echo's /debug/streams: %v\n%s", err, body)
	}
	if snap.Open != 0 || snap.Scope != "cluster" || len(snap.TopUsers) != 1 || snap.TopUsers[0].Key != "alice" || snap.TopUsers[0].Streams != maxPerUser {
		t.Errorf("echo's /debug/streams: got %+v, want no stream of its own and alice's %d in the cluster scope", snap, maxPerUser)
	}
	if err := gin.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	<-gin.exited
	for {
		res, err := openStream(echo.url + "/events?user=alice")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode == http.StatusOK {
			break
		}
		if res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("alice on echo after the kill: %s, want 429 until her leases expire", res.Status)
		}
		if time.Since(killed) > 3*ttl {
			t.Fatalf("alice's slots still taken %v after the replica holding them was killed (lease TTL %v)", time.Since(killed), ttl)
		}
		time.Sleep(50 * time.Millisecond) // polls; expiry sends no event
	}
	// The TTL bounds how long the slots stay taken; the renewal interval,
	// a third of it, and the poll add to that.
	if took := time.Since(killed); took > ttl+ttl/3+time.Second {
		t.Errorf("alice's slots freed %v after the kill, want within the TTL %v and a renewal interval", took, ttl)
	}
}

// openStream opens url from 127.0.0.1 and returns once the response head arrived.
func openStream(url string) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), pageWait)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		cancel()
		return nil, err
	}
	res, err := clientFrom("127.0.0.1").Do(req)
	if err != nil {
		cancel()
		return nil, errors.Join(err, ctx.Err())
	}
	res.Body = cancelOnClose{res.Body, cancel}
	return res, nil
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// awaitStats polls a's /stats until cond holds.
func awaitStats(t *testing.T, a *app, cond func(statsJSON) bool) {
	t.Helper()
	deadline := time.Now().Add(pageWait)
	for st := a.stats(t); !cond(st); st = a.stats(t) {
		if time.Now().After(deadline) {
			t.Fatalf("%s/stats still %+v after %v", a.url, st, pageWait)
		}
		time.Sleep(20 * time.Millisecond) // polls; the apps send no event
	}
}
