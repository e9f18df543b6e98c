package bench

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	sselimitredis "github.com/sselimit/sselimit/redis"
	"github.com/sselimit/sselimit/redis/sselimitredistest"
)

// The Redis limiter against one local redis-server (started by the
// benchmark, no persistence). Run them with:
//
//	go test -run '^$' -bench '^BenchmarkRedis' -benchtime 3x -count 1 . (renewal)
//
// see README.md, "Redis limiter", for the commands and figures.

// BenchmarkRedisAdmit measures one admission, sequentially, against a PING
// on the same client in the same run: both are one round trip, so their
// ratio is what the script adds. round-trips/op counts what the limiter
// sends, through a client hook.
func BenchmarkRedisAdmit(b *testing.B) {
	srv := sselimitredistest.Start(b)
	rc := srv.Client()
	rt := &roundTrips{}
	rc.AddHook(rt)
	ctx := context.Background()
	lim, err := sselimitredis.New(rc, 0, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { lim.Close() })
	if _, err := lim.Acquire("warm-up"); err != nil { // loads the script
		b.Fatal(err)
	}
	report := func(b *testing.B, n int, before int64) {
		b.ReportMetric(float64(rt.n.Load()-before)/float64(n), "round-trips/op")
	}
	b.Run("op=ping", func(b *testing.B) {
		b.ReportAllocs()
		before, n := rt.n.Load(), 0
		for b.Loop() {
			if err := rc.Ping(ctx).Err(); err != nil {
				b.Fatal(err)
			}
			n++
		}
		report(b, n, before)
	})
	b.Run("op=admit", func(b *testing.B) {
		// Releases go outside the timer, a thousand at a time, so that the
		// held leases (and their renewal) stay few.
		b.ReportAllocs()
		releases := make([]func(), 0, 1000)
		var sent int64
		n := 0
		for b.Loop() {
			before := rt.n.Load()
			release, err := lim.AcquireLease(ctx, "user-"+strconv.Itoa(n%1000), 0, nil)
			if err != nil {
				b.Fatal(err)
			}
			sent += rt.n.Load() - before
			releases = append(releases, release)
			n++
			if len(releases) == cap(releases) {
				b.StopTimer()
				for _, r := range releases {
					r()
				}
				releases = releases[:0]
				b.StartTimer()
			}
		}
		b.ReportMetric(float64(sent)/float64(n), "round-trips/op")
		for _, r := range releases {
			r()
		}
	})
	b.Run("op=admit+release", func(b *testing.B) {
		b.ReportAllocs()
		before, n := rt.n.Load(), 0
		for b.Loop() {
			release, err := lim.AcquireLease(ctx, "user-"+strconv.Itoa(n%1000), 0, nil)
			if err != nil {
				b.Fatal(err)
			}
			release()
			n++
		}
		report(b, n, before)
	})
}

// BenchmarkRedisAdmitParallel is the highest admission rate one limiter
// sustains on one Redis node: admissions and their releases from many
// goroutines, users spread over 10,000, caps on but never reached.
// admissions/s counts admissions, each with its release.
func BenchmarkRedisAdmitParallel(b *testing.B) {
	srv := sselimitredistest.Start(b)
	rc := srv.Client()
	lim, err := sselimitredis.New(rc, 1_000_000, 100)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { lim.Close() })
	var next atomic.Int64
	ctx := context.Background()
	b.ReportAllocs()
	b.SetParallelism(16)
	cpu0 := redisCPU(b, rc)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			release, err := lim.AcquireLease(ctx, "user-"+strconv.FormatInt(next.Add(1)%10_000, 10), 0, nil)
			if err != nil {
				b.Error(err)
				return
			}
			release()
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "admissions/s")
	b.ReportMetric(float64(redisCPU(b, rc)-cpu0)/float64(b.N), "redis-cpu-ns/op")
}

// BenchmarkRedisRenewal holds many leases on one limiter and measures each
// renewal interval (one op): the round trips the limiter sends in it, how
// long its renewal pipeline takes, and the CPU redis-server spends in it
// (INFO cpu, read at the end of each round); and the slowest of the
// admissions another limiter makes in turn meanwhile.
func BenchmarkRedisRenewal(b *testing.B) {
	for _, probe := range []bool{false, true} {
		for _, held := range []int{10_000, 100_000} {
			name := "held=" + strconv.Itoa(held)
			if probe {
				name += "/probe=admit"
			}
			b.Run(name, func(b *testing.B) { benchRenewal(b, held, probe) })
		}
	}
}

// benchRenewal holds held leases; with probe, a second limiter on its own
// client admits in turn meanwhile, to see how long an admission waits
// behind a renewal (its calls add to Redis's CPU, not to the round trips).
func benchRenewal(b *testing.B, held int, probe bool) {
	const renew = 5 * time.Second
	srv := sselimitredistest.Start(b)
	rc := srv.Client()
	info := srv.Client()
	rounds := make(chan time.Duration, 1)
	rt := &roundTrips{pipelines: rounds}
	rc.AddHook(rt)
	lim, err := sselimitredis.New(rc, 0, 0, sselimitredis.WithLeaseTTL(3*renew), sselimitredis.WithRenewEvery(renew))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { lim.Close() })
	ctx := context.Background()
	var wg sync.WaitGroup
	var next atomic.Int64
	for range 64 {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(held); i = next.Add(1) {
				if _, err := lim.AcquireLease(ctx, "user-"+strconv.FormatInt(i%10_000, 10), 0, nil); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n, err := lim.ActiveConnections(ctx); err != nil || n != int64(held) {
		b.Fatalf("holding %d leases (%v), want %d", n, err, held)
	}
	// Start measuring at the end of the second of two rounds that each
	// came a whole interval after the one before: the first round also
	// loads the script, in a second pipeline.
	for last, quiet := time.Now(), 0; quiet < 2; {
		select {
		case <-rounds:
		case <-time.After(3 * renew):
			b.Fatalf("no renewal round for %v", 3*renew)
		}
		if time.Since(last) > renew/2 {
			quiet++
		} else {
			quiet = 0
		}
		last = time.Now()
	}
	stop, probed := make(chan struct{}), make(chan time.Duration, 1)
	if !probe {
		probed <- 0
	} else {
		go admitInTurn(b, srv.Client(), stop, probed)
	}
	before, cpu := rt.n.Load(), redisCPU(b, info)

	var pipeline time.Duration
	n := 0
	start := time.Now()
	b.ResetTimer()
	for b.Loop() {
		select {
		case d := <-rounds:
			pipeline += d
		case <-time.After(3 * renew):
			b.Fatalf("no renewal round for %v", 3*renew)
		}
		n++
	}
	b.StopTimer()
	close(stop)
	if worst := <-probed; probe {
		b.ReportMetric(float64(worst)/1e6, "admit-max-ms")
	}
	b.ReportMetric(time.Since(start).Seconds()/float64(n), "s/interval")
	b.ReportMetric(float64(rt.n.Load()-before)/float64(n), "round-trips/interval")
	b.ReportMetric(float64(redisCPU(b, info)-cpu)/float64(n)/1e6, "redis-cpu-ms/interval")
	b.ReportMetric(float64(pipeline)/float64(n)/1e6, "renewal-ms/interval")
	if got, err := lim.ActiveConnections(ctx); err != nil || got != int64(held) {
		b.Errorf("after the renewals: %d leases (%v), want %d", got, err, held)
	}
}

// admitInTurn admits and releases on a limiter of its own, one at a time,
// until stop, then sends the slowest admission's time on worst.
func admitInTurn(b *testing.B, rc *redis.Client, stop <-chan struct{}, worstc chan<- time.Duration) {
	var worst time.Duration
	defer func() { worstc <- worst }()
	lim, err := sselimitredis.New(rc, 0, 0, sselimitredis.WithName("probe"))
	if err != nil {
		b.Error(err)
		return
	}
	defer lim.Close()
	ctx := context.Background()
	for {
		select {
		case <-stop:
			return
		default:
		}
		start := time.Now()
		release, err := lim.AcquireLease(ctx, "probe", 0, nil)
		worst = max(worst, time.Since(start))
		if err != nil {
			b.Errorf("admitting during renewal, after %v: %v", time.Since(start), err)
			return
		}
		release()
	}
}
