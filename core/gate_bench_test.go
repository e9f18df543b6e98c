package sselimit

import (
	"context"
	"runtime"
	"strconv"
	"sync"
	"testing"
)

// BenchmarkAdmitRefused is the gate's share of a refused request: the
// identity checks, the limiter's read-only refusal and the Refusal.
func BenchmarkAdmitRefused(b *testing.B) {
	for _, bc := range []struct {
		name    string
		id      Identity
		userCap int // the limiter's: with one, a refusal looks the user up
	}{
		{"by=address", Identity{ByIP: true, IP: "192.0.2.10"}, 0},
		{"by=user", Identity{Key: "user-1234", IP: "192.0.2.10"}, 0},
		{"by=address/usercap=5", Identity{ByIP: true, IP: "192.0.2.10"}, 5},
		{"by=user/usercap=5", Identity{Key: "user-1234", IP: "192.0.2.10"}, 5},
	} {
		b.Run(bc.name, func(b *testing.B) {
			lim := NewSSELimiter(1, bc.userCap)
			g, _ := NewGate(lim)
			release, _ := lim.Acquire("holder")
			defer release()
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, r := g.Admit(ctx, bc.id); r == nil {
					b.Fatal("admitted past the cap")
				}
			}
		})
	}
}

// onEveryP runs work on GOMAXPROCS goroutines at once (the -cpu value),
// goroutine w doing its share n of b.N operations, and waits for them. It
// splits b.N itself rather than use b.RunParallel, whose per-goroutine
// state can share a cache line and add contention of its own to
// operations as cheap as a refusal.
func onEveryP(b *testing.B, work func(w, n int)) {
	procs := runtime.GOMAXPROCS(0)
	var workers sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	for w := range procs {
		n := b.N / procs
		if w < b.N%procs {
			n++
		}
		workers.Go(func() { work(w, n) })
	}
	workers.Wait()
}

// BenchmarkAdmitRefusedParallel is a flood of refused requests on every
// CPU at once (run it with -cpu 1,2,4), one goroutine per P, each
// refusing a user of its own:
//
//	cap=total  at the global cap of 1, held by another user
//	cap=user   at the user's cap of 1, which the user holds
func BenchmarkAdmitRefusedParallel(b *testing.B) {
	for _, bc := range []struct {
		name              string
		maxTotal, maxUser int
	}{
		{"cap=total", 1, 0},
		{"cap=user", 0, 1},
	} {
		b.Run(bc.name, func(b *testing.B) {
			lim := NewSSELimiter(bc.maxTotal, bc.maxUser)
			g, _ := NewGate(lim)
			for w := range runtime.GOMAXPROCS(0) {
				holder := "holder"
				if bc.maxUser > 0 {
					holder = "user-" + strconv.Itoa(w)
				}
				if release, err := lim.Acquire(holder); err == nil {
					defer release()
				}
			}
			ctx := context.Background()
			onEveryP(b, func(w, n int) {
				id := Identity{Key: "user-" + strconv.Itoa(w), IP: "192.0.2.10"}
				for range n {
					if s, r := g.Admit(ctx, id); r == nil {
						s.End()
						b.Error("admitted past the cap")
						return
					}
				}
			})
		})
	}
}

// BenchmarkAdmitEndParallel is a stream's whole life through the gate,
// admitted and ended at once, on every CPU (run it with -cpu 1,2,4): one
// goroutine per P, each cycling through 1,000 users of its own that hold
// nothing, under caps never reached.
func BenchmarkAdmitEndParallel(b *testing.B) {
	g, _ := NewGate(NewSSELimiter(1<<30, 1<<30))
	ctx := context.Background()
	onEveryP(b, func(w, n int) {
		ids := make([]Identity, 1000)
		for i := range ids {
			ids[i] = Identity{Key: "user-" + strconv.Itoa(w) + "-" + strconv.Itoa(i), IP: "192.0.2.10"}
		}
		for i := range n {
			s, r := g.Admit(ctx, ids[i%len(ids)])
			if r != nil {
				b.Errorf("Admit(%q) refused: %v", ids[i%len(ids)].Key, r.Err)
				return
			}
			s.End()
		}
	})
}
