package sselimitredis_test

import (
	"testing"
	"time"

	"github.com/sselimit/sselimit/core/sselimittest"
	sselimitredis "github.com/sselimit/sselimit/redis"
)

// TestSuite runs the behaviour suite with every case's limiter on Redis,
// with leases short enough to be renewed during the cases.
func TestSuite(t *testing.T) {
	rc := startRedis(t).client()
	h := sselimittest.NetHTTP()
	h.Backend = backend(rc, sselimitredis.WithLeaseTTL(time.Second))
	sselimittest.Run(t, h)
}
