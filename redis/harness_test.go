package sselimitredis_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"
	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/core/sselimittest"
	sselimitredis "github.com/sselimit/sselimit/redis"
)

// suiteLimiter is a Limiter as the behaviour suite reads its counts: a
// count Redis cannot give is -1, which no expectation matches.
type suiteLimiter struct{ *sselimitredis.Limiter }

func (s suiteLimiter) ActiveConnections() int64 {
	n, err := s.Limiter.ActiveConnections(context.Background())
	if err != nil {
		return -1
	}
	return n
}

func (s suiteLimiter) ActiveForUser(key string) int64 {
	n, err := s.Limiter.ActiveForUser(context.Background(), key)
	if err != nil {
		return -1
	}
	return n
}

var names atomic.Int64

// backend returns a suite Backend making each case a limiter of its own
// name on the Redis that rc reaches.
func backend(rc redis.UniversalClient, opts ...sselimitredis.Option) sselimittest.Backend {
	return func(t *testing.T, maxTotal, maxPerUser int) sselimittest.Limiter {
		name := sselimitredis.WithName("suite-" + strconv.FormatInt(names.Add(1), 10))
		return suiteLimiter{newLimiter(t, rc, maxTotal, maxPerUser, append([]sselimitredis.Option{name}, opts...)...)}
	}
}

// serveGate serves GET /stream through g with the X-User header as the
// identity, the suite's Behave as the handler, until t ends.
func serveGate(t *testing.T, g *sselimit.Gate) string {
	return sselimittest.NetHTTP().Start(t, sselimittest.Config{Gate: g, UserKey: true, Recovered: func(any) {}})
}
