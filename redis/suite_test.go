package sselimitredis_test

import (
	"testing"
	"time"

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
