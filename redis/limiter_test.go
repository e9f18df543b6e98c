package sselimitredis_test

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	sselimit "github.com/sselimit/sselimit/core"
	sselimitredis "github.com/sselimit/sselimit/redis"
	"github.com/sselimit/sselimit/redis/sselimitredistest"
)

// newLimiter returns a limiter on rc, closed when the test ends.
func newLimiter(t testing.TB, rc redis.UniversalClient, maxTotal, maxPerUser int, opts ...sselimitredis.Option) *sselimitredis.Limiter {
	t.Helper()
	l, err := sselimitredis.New(rc, maxTotal, maxPerUser, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func mustAcquire(t testing.TB, l *sselimitredis.Limiter, key string, userCap int, lost func()) func() {
	t.Helper()
	release, err := l.AcquireLease(context.Background(), key, userCap, lost)
	if err != nil {
		t.Fatalf("AcquireLease(%q, %d): %v", key, userCap, err)
	}
	return release
}

func counts(t testing.TB, l *sselimitredis.Limiter) (int64, map[string]int64) {
	t.Helper()
	ctx := context.Background()
	n, err := l.ActiveConnections(ctx)
	if err != nil {
		t.Fatalf("ActiveConnections: %v", err)
	}
	users, err := l.Users(ctx)
	if err != nil {
		t.Fatalf("Users: %v", err)
	}
	return n, users
}

func TestCapsUserFirstThenGlobal(t *testing.T) {
	rc := sselimitredistest.Start(t).Client()
	l := newLimiter(t, rc, 3, 2)
	a1 := mustAcquire(t, l, "alice", 0, nil)
	mustAcquire(t, l, "alice", 0, nil)
	if _, err := l.AcquireLease(context.Background(), "alice", 0, nil); !errors.Is(err, sselimit.ErrTooManyConnectionsForUser) {
		t.Fatalf("third for alice: got %v, want ErrTooManyConnectionsForUser", err)
	}
	mustAcquire(t, l, "bob", 0, nil)
	// Both caps are full: the user's cap is checked first.
	if _, err := l.AcquireLease(context.Background(), "alice", 0, nil); !errors.Is(err, sselimit.ErrTooManyConnectionsForUser) {
		t.Fatalf("alice at both caps: got %v, want ErrTooManyConnectionsForUser", err)
	}
	if _, err := l.AcquireLease(context.Background(), "carol", 0, nil); !errors.Is(err, sselimit.ErrTooManyConnections) {
		t.Fatalf("carol at the global cap: got %v, want ErrTooManyConnections", err)
	}
	n, users := counts(t, l)
	if want := map[string]int64{"alice": 2, "bob": 1}; n != 3 || !maps.Equal(users, want) {
		t.Fatalf("counts: got %d %v, want 3 %v", n, users, want)
	}
	a1()
	a1() // idempotent
	if got, _ := l.ActiveForUser(context.Background(), "alice"); got != 1 {
		t.Fatalf("ActiveForUser(alice) after one release twice: got %d, want 1", got)
	}
	mustAcquire(t, l, "carol", 0, nil)
}

func TestPerAdmissionUserCap(t *testing.T) {
	rc := sselimitredistest.Start(t).Client()
	l := newLimiter(t, rc, 0, 1)
	mustAcquire(t, l, "gold", 3, nil)
	mustAcquire(t, l, "gold", 3, nil)
	mustAcquire(t, l, "gold", 3, nil)
	if _, err := l.AcquireLease(context.Background(), "gold", 3, nil); !errors.Is(err, sselimit.ErrTooManyConnectionsForUser) {
		t.Fatalf("fourth at cap 3: got %v, want ErrTooManyConnectionsForUser", err)
	}
	for range 5 {
		mustAcquire(t, l, "admin", sselimit.NoUserCap, nil)
	}
	mustAcquire(t, l, "plain", 0, nil)
	if _, err := l.Acquire("plain"); !errors.Is(err, sselimit.ErrTooManyConnectionsForUser) {
		t.Fatalf("second at the limiter's cap 1: got %v, want ErrTooManyConnectionsForUser", err)
	}
}

// TestRefusalWritesNothing checks a refused admission changes no key.
func TestRefusalWritesNothing(t *testing.T) {
	srv := sselimitredistest.Start(t)
	rc := srv.Client()
	l := newLimiter(t, rc, 1, 1)
	mustAcquire(t, l, "alice", 0, nil)
	ctx := context.Background()
	before := dump(t, rc)
	dirty := func() int64 {
		info, err := rc.Info(ctx, "persistence").Result()
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.Lines(info) {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "rdb_changes_since_last_save:"); ok {
				var n int64
				for _, c := range v {
					n = n*10 + int64(c-'0')
				}
				return n
			}
		}
		t.Fatal("no rdb_changes_since_last_save in INFO")
		return 0
	}
	d0 := dirty()
	for _, key := range []string{"alice", "bob"} {
		if _, err := l.Acquire(key); err == nil {
			t.Fatalf("Acquire(%q): admitted, want a refusal", key)
		}
	}
	if d1 := dirty(); d1 != d0 {
		t.Errorf("refusals changed %d keys, want none", d1-d0)
	}
	if after := dump(t, rc); !maps.Equal(before, after) {
		t.Errorf("keys after refusals:\n%v\nwant\n%v", after, before)
	}
}

// dump returns every key of rc with its sorted set's members and scores.
func dump(t testing.TB, rc *redis.Client) map[string]string {
	t.Helper()
	ctx := context.Background()
	keys, err := rc.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	m := make(map[string]string)
	for _, k := range keys {
		zs, err := rc.ZRangeWithScores(ctx, k, 0, -1).Result()
		if err != nil {
			t.Fatalf("ZRANGE %q: %v", k, err)
		}
		var b strings.Builder
		for _, z := range zs {
			b.WriteString(z.Member.(string) + "@" + time.UnixMilli(int64(z.Score)).UTC().Format(time.RFC3339Nano) + " ")
		}
		m[k] = b.String()
	}
	return m
}

// TestKeysCannotCollide checks user keys holding the limiter's own key
// names, hash tags and arbitrary bytes stay apart from each other, from
// the global count and from other limiters.
func TestKeysCannotCollide(t *testing.T) {
	rc := sselimitredistest.Start(t).Client()
	a := newLimiter(t, rc, 100, 1, sselimitredis.WithName("a"))
	b := newLimiter(t, rc, 100, 1, sselimitredis.WithName("b"))
	keys := []string{"", "leases", ":leases", "}:leases", "{sselimit:b}:leases", "{sselimit:b}:user:", "user:", "\x00", "\xff\xfe", "é", strings.Repeat("z", 256)}
	for _, k := range keys {
		mustAcquire(t, a, k, 0, nil)
	}
	for _, k := range keys {
		mustAcquire(t, b, k, 0, nil)
	}
	for _, l := range []*sselimitredis.Limiter{a, b} {
		n, users := counts(t, l)
		if n != int64(len(keys)) || len(users) != len(keys) {
			t.Errorf("counts: got %d over %d users, want %d over %d", n, len(users), len(keys), len(keys))
		}
		for _, k := range keys {
			if users[k] != 1 {
				t.Errorf("Users()[%q]: got %d, want 1", k, users[k])
			}
		}
	}
	for k := range dump(t, rc) {
		if !strings.HasPrefix(k, "{sselimit:a}:") && !strings.HasPrefix(k, "{sselimit:b}:") {
			t.Errorf("key %q outside the limiters' hash tags", k)
		}
	}
}

func TestBadOptions(t *testing.T) {
	rc := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer rc.Close()
	for name, opt := range map[string]sselimitredis.Option{
		"empty name":        sselimitredis.WithName(""),
		"brace in name":     sselimitredis.WithName("a}b"),
		"tiny TTL":          sselimitredis.WithLeaseTTL(time.Millisecond),
		"renewal after TTL": sselimitredis.WithRenewEvery(time.Minute),
		"zero timeout":      sselimitredis.WithTimeout(0),
		"zero batch":        sselimitredis.WithBatch(0),
		"breaker":           sselimitredis.WithBreaker(0, time.Second),
	} {
		if l, err := sselimitredis.New(rc, 1, 1, opt); err == nil || !strings.HasPrefix(err.Error(), "sselimitredis: ") {
			if l != nil {
				l.Close()
			}
			t.Errorf("%s: got %v, want an sselimitredis error", name, err)
		}
	}
	if _, err := sselimitredis.New(nil, 1, 1); err == nil {
		t.Error("nil client: got no error")
	}
}
