package sselimitredistest

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/sselimit/sselimit/core/sselimittest"
	sselimitredis "github.com/sselimit/sselimit/redis"
)

// Limiter is an sselimitredis.Limiter as the behaviour suite reads its
// counts: a count Redis cannot give reads -1, which no expectation matches.
type Limiter struct{ *sselimitredis.Limiter }

// ActiveConnections is the limiter's cluster-wide count.
func (l Limiter) ActiveConnections() int64 {
	n, err := l.Limiter.ActiveConnections(context.Background())
	if err != nil {
		return -1
	}
	return n
}

// ActiveForUser is key's cluster-wide count.
func (l Limiter) ActiveForUser(key string) int64 {
	n, err := l.Limiter.ActiveForUser(context.Background(), key)
	if err != nil {
		return -1
	}
	return n
}

var names atomic.Int64

// Backend returns a behaviour-suite backend that gives each case a fresh
// limiter on the Redis rc reaches, under a name of its own, with opts;
// each is closed when its case ends. Set it as a Harness's Backend.
func Backend(rc redis.UniversalClient, opts ...sselimitredis.Option) sselimittest.Backend {
	return func(t *testing.T, maxTotal, maxPerUser int) sselimittest.Limiter {
		name := sselimitredis.WithName("suite-" + strconv.FormatInt(names.Add(1), 10))
		l, err := sselimitredis.New(rc, maxTotal, maxPerUser, append([]sselimitredis.Option{name}, opts...)...)
		if err != nil {
			t.Fatalf("sselimitredis.New: %v", err)
		}
		t.Cleanup(func() { l.Close() })
		return Limiter{l}
	}
}
