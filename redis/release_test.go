package sselimitredis_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	sselimitredis "github.com/sselimit/sselimit/redis"
	"github.com/sselimit/sselimit/redis/sselimitredistest"
)

// TestReleaseRetriedInTheBackground pauses Redis so that a release times
// out: the limiter, which holds no other lease and so has nothing else to
// send, retries it in the background, and the slot frees long before the
// lease would have expired.
func TestReleaseRetriedInTheBackground(t *testing.T) {
	srv := sselimitredistest.Start(t)
	const ttl = 20 * time.Second
	rc := srv.Client()
	sent := &sentArgs{}
	rc.AddHook(sent)
	lim := newLimiter(t, rc, 10, 2, sselimitredis.WithName("retry"), sselimitredis.WithLeaseTTL(ttl),
		sselimitredis.WithRenewEvery(200*time.Millisecond), sselimitredis.WithTimeout(200*time.Millisecond))
	release := mustAcquire(t, lim, "alice", 0, nil)
	admin := srv.Client()
	ctx := context.Background()
	if err := admin.Do(ctx, "CLIENT", "PAUSE", "1000", "ALL").Err(); err != nil {
		t.Fatal(err)
	}
	release()
	released, sentBefore := time.Now(), sent.count()
	for leaseCount(t, srv, "retry") != 0 || sent.count() == sentBefore {
		if time.Since(released) > ttl/2 {
			t.Fatalf("lease still in Redis %v after its release", time.Since(released))
		}
		time.Sleep(50 * time.Millisecond) // polls Redis for the retried release
	}
	release() // idempotent: nothing more to do
}

// leaseCount reads the number of leases of the limiter named name straight
// from Redis, expired or not.
func leaseCount(t *testing.T, srv *sselimitredistest.Server, name string) int64 {
	t.Helper()
	n, err := srv.Client().ZCard(context.Background(), "{sselimit:"+name+"}:leases").Result()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCloseReleasesAtOnce checks Close gives every lease back in one go and
// tells each stream's gate its lease is lost.
func TestCloseReleasesAtOnce(t *testing.T) {
	srv := sselimitredistest.Start(t)
	lim, err := sselimitredis.New(srv.Client(), 0, 0, sselimitredis.WithName("close"))
	if err != nil {
		t.Fatal(err)
	}
	var lost atomic.Int64
	for i := range 1200 { // more than two batches
		_ = mustAcquire(t, lim, "user-"+string(rune('a'+i%26)), 0, func() { lost.Add(1) })
	}
	if err := lim.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if n := leaseCount(t, srv, "close"); n != 0 {
		t.Errorf("after Close: %d leases in Redis, want 0", n)
	}
	if got := lost.Load(); got != 1200 {
		t.Errorf("lost called %d times, want 1200", got)
	}
	if _, err := lim.Acquire("late"); err == nil {
		t.Error("Acquire after Close: admitted, want ErrClosed")
	}
	if err := lim.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
