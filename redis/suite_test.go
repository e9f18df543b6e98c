package sselimitredis_test

import (
	"testing"
	"time"

	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/core/sselimittest"
	sselimitredis "github.com/sselimit/sselimit/redis"
	"github.com/sselimit/sselimit/redis/sselimitredistest"
)

// TestSuite runs the behaviour suite with every case's limiter on Redis,
// with leases short enough to be renewed during the cases.
func TestSuite(t *testing.T) {
	rc := sselimitredistest.Start(t).Client()
	h := sselimittest.NetHTTP()
	h.Backend = sselimitredistest.Backend(rc, sselimitredis.WithLeaseTTL(time.Second))
	sselimittest.Run(t, h)
}

// serveGate serves GET /stream through g with the X-User header as the
// identity, the suite's Behave as the handler, until t ends.
func serveGate(t *testing.T, g *sselimit.Gate) string {
	return sselimittest.NetHTTP().Start(t, sselimittest.Config{Gate: g, UserKey: true, Recovered: func(any) {}})
}
