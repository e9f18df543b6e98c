package sselimitredis_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	sselimitredis "github.com/sselimit/sselimit/redis"
	"github.com/sselimit/sselimit/redis/sselimitredistest"
)

// sentArgs records the arguments of every command a client sends.
type sentArgs struct {
	mu   sync.Mutex
	args []any
	cmds int
}

func (s *sentArgs) DialHook(next redis.DialHook) redis.DialHook { return next }

func (s *sentArgs) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		s.add(cmd)
		return next(ctx, cmd)
	}
}

func (s *sentArgs) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, c := range cmds {
			s.add(c)
		}
		return next(ctx, cmds)
	}
}

func (s *sentArgs) add(cmd redis.Cmder) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.args = append(s.args, cmd.Args()...)
	s.cmds++
}

func (s *sentArgs) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmds
}

// TestReplicaClockNeverReachesRedis checks that no replica's clock takes
// part in a lease's life: no command the limiter sends, to admit, renew or
// release, carries a time, and each lease's expiry is Redis's own TIME plus
// the TTL. Replicas whose clocks disagree therefore agree on every lease.
func TestReplicaClockNeverReachesRedis(t *testing.T) {
	srv := sselimitredistest.Start(t)
	rc := srv.Client()
	sent := &sentArgs{}
	rc.AddHook(sent)
	const ttl, renew = time.Second, 100 * time.Millisecond
	lim := newLimiter(t, rc, 10, 2, sselimitredis.WithName("clock"), sselimitredis.WithLeaseTTL(ttl), sselimitredis.WithRenewEvery(renew))
	plain := srv.Client()

	before := redisNow(t, plain)
	release := mustAcquire(t, lim, "alice", 0, nil)
	after := redisNow(t, plain)
	exp := leaseExpiries(t, plain, "clock")[0]
	if exp.Before(before.Add(ttl).Truncate(time.Millisecond)) || exp.After(after.Add(ttl)) {
		t.Errorf("lease expiry %v, want Redis's TIME plus %v: between %v and %v", exp, ttl, before.Add(ttl), after.Add(ttl))
	}
	awaitRenewal(t, srv, "clock")
	release()

	local := time.Now()
	sent.mu.Lock()
	defer sent.mu.Unlock()
	for _, a := range sent.args {
		n, ok := asInt(a)
		if !ok {
			continue
		}
		for _, unit := range []time.Duration{time.Second, time.Millisecond, time.Microsecond, time.Nanosecond} {
			if d := local.Sub(time.Unix(0, n*int64(unit))); d.Abs() < 24*time.Hour {
				t.Errorf("the limiter sent %v, a time %v from this replica's clock (unit %v)", a, d, unit)
			}
		}
	}
}

func asInt(a any) (int64, bool) {
	switch v := a.(type) {
	case int64:
		return v, true
	case int:
		return int64(v), true
	case string:
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil
	default:
		n, err := strconv.ParseInt(fmt.Sprint(v), 10, 64)
		return n, err == nil
	}
}
