package examples_test

import (
	"maps"
	"net/http"
	"testing"

	"github.com/sselimit/sselimit/redis/sselimitredistest"
)

// TestTwoReplicasOneRedis runs the README's "Two replicas on one Redis":
// a Gin and a Fiber replica share one redis-server and its caps.
func TestTwoReplicasOneRedis(t *testing.T) {
	url := sselimitredistest.Start(t).URL()
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
