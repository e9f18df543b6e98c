package bench

import (
	"testing"
	"time"

	"github.com/sselimit/sselimit/core/sselimittest"
	"github.com/sselimit/sselimit/echo/sselimitechotest"
	"github.com/sselimit/sselimit/fiber/sselimitfibertest"
	"github.com/sselimit/sselimit/gin/sselimitgintest"
	sselimitredis "github.com/sselimit/sselimit/redis"
	"github.com/sselimit/sselimit/redis/sselimitredistest"
)

// TestRedisSuiteBehindEachAdapter runs the behaviour suite behind every
// adapter with each case's limiter on one real Redis. It lives here, not
// in the adapters' modules, so that no adapter depends on Redis.
func TestRedisSuiteBehindEachAdapter(t *testing.T) {
	rc := sselimitredistest.Start(t).Client()
	for _, tc := range []struct {
		name string
		h    sselimittest.Harness
	}{
		{"nethttp", sselimittest.NetHTTP()},
		{"gin", sselimitgintest.Harness()},
		{"echo", sselimitechotest.Harness()},
		{"fiber", sselimitfibertest.Harness()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.h.Backend = sselimitredistest.Backend(rc, sselimitredis.WithLeaseTTL(time.Second))
			sselimittest.Run(t, tc.h)
		})
	}
}
