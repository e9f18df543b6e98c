package bench

import (
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	sselimit "github.com/sselimit/sselimit/core"
	"golang.org/x/sync/semaphore"
)

// Run with -cpu 1,2,4 and compare the implementations side by side:
//
//	go test -run '^$' -bench Limiter -benchmem -cpu 1,2,4 -count 8 > new.txt
//	benchstat -col /impl new.txt
//
// impl=sselimit is the core limiter, impl=mutexmap the limiter one would
// write by hand (mutexmap_test.go), and impl=semaphore a global-only
// golang.org/x/sync/semaphore (TryAcquire, Release): it counts no users, so
// it is the floor of any counting, not a replacement.

type limiter interface {
	Acquire(user string) (release func(), err error)
}

var impls = []struct {
	name string
	new  func(maxTotal, maxPerUser int) limiter
}{
	{"sselimit", func(t, u int) limiter { return sselimit.NewSSELimiter(t, u) }},
	{"mutexmap", func(t, u int) limiter { return newMutexMapLimiter(t, u) }},
}

const (
	manyUsers = 10_000
	neverCap  = 1 << 30 // caps are on but never reached
)

func userNames(n int) []string {
	users := make([]string, n)
	for i := range users {
		users[i] = "user-" + strconv.Itoa(i)
	}
	return users
}

// hold acquires one slot for each user, and fails the benchmark if refused.
func hold(b *testing.B, l limiter, users ...string) {
	for _, u := range users {
		if _, err := l.Acquire(u); err != nil {
			b.Fatalf("Acquire(%q) error = %v, want nil", u, err)
		}
	}
}

// runParallel runs op b.N times in all on the users, split over GOMAXPROCS
// goroutines (the -cpu value), each starting at its own place in users;
// op reports whether the outcome was the expected one. Besides sec/op it
// reports cpu-ns/op, the CPU time of the whole process (all threads,
// garbage collection included) per op: it leaves out the time spent
// waiting for a CPU, so it stays comparable on a busy machine.
//
// It does not use b.RunParallel: the *testing.PB of its goroutines, which
// every iteration writes, may be allocated next to each other on one cache
// line, and that false sharing added up to 15 ns to each operation of the
// cheapest cases, in some test binaries and not in others.
func runParallel(b *testing.B, users []string, op func(user string) bool) {
	b.ReportAllocs()
	procs := runtime.GOMAXPROCS(0)
	var workers sync.WaitGroup
	var failed atomic.Bool
	b.ResetTimer()
	cpu := processCPU(b)
	for w := range procs {
		n := b.N / procs
		if w < b.N%procs {
			n++
		}
		workers.Go(func() {
			i := (w + 1) * 7919
			for range n {
				i++
				if u := users[i%len(users)]; !op(u) {
					if failed.CompareAndSwap(false, true) {
						b.Errorf("unexpected outcome for user %q", u)
					}
					return
				}
			}
		})
	}
	workers.Wait()
	b.StopTimer()
	b.ReportMetric(float64(processCPU(b)-cpu)/float64(b.N), "cpu-ns/op")
}

// BenchmarkLimiterAcquireRelease measures one admission and its release, for:
//
//	users=many  users spread over 10,000 that each already hold a slot
//	users=hot   a single user, already holding a slot, for every goroutine
//	users=new   users spread over 10,000 that hold nothing: their state
//	            comes and goes with each admission
func BenchmarkLimiterAcquireRelease(b *testing.B) {
	cases := []struct {
		name    string
		users   int
		present bool
	}{
		{"many", manyUsers, true},
		{"hot", 1, true},
		{"new", manyUsers, false},
	}
	for _, c := range cases {
		users := userNames(c.users)
		for _, impl := range impls {
			b.Run("impl="+impl.name+"/users="+c.name, func(b *testing.B) {
				l := impl.new(neverCap, neverCap)
				if c.present {
					hold(b, l, users...)
				}
				runParallel(b, users, func(u string) bool {
					release, err := l.Acquire(u)
					if err != nil {
						return false
					}
					release()
					return true
				})
			})
		}
		b.Run("impl=semaphore/users="+c.name, func(b *testing.B) {
			sem := semaphore.NewWeighted(neverCap)
			runParallel(b, users, func(string) bool {
				if !sem.TryAcquire(1) {
					return false
				}
				sem.Release(1)
				return true
			})
		})
	}
}

// BenchmarkLimiterRefusal measures a refused Acquire, for:
//
//	cap=user   users spread over 10,000, each at its cap of 1
//	cap=total  users spread over 10,000 that hold nothing, the global
//	           cap of 1 being reached
func BenchmarkLimiterRefusal(b *testing.B) {
	users := userNames(manyUsers)
	cases := []struct {
		name                 string
		maxTotal, maxPerUser int
		held                 []string
		want                 error
	}{
		{"user", neverCap, 1, users, sselimit.ErrTooManyConnectionsForUser},
		{"total", 1, neverCap, []string{"holder"}, sselimit.ErrTooManyConnections},
	}
	for _, c := range cases {
		for _, impl := range impls {
			b.Run("impl="+impl.name+"/cap="+c.name, func(b *testing.B) {
				l := impl.new(c.maxTotal, c.maxPerUser)
				hold(b, l, c.held...)
				runParallel(b, users, func(u string) bool {
					_, err := l.Acquire(u)
					return err == c.want
				})
			})
		}
		b.Run("impl=semaphore/cap="+c.name, func(b *testing.B) {
			sem := semaphore.NewWeighted(1)
			sem.TryAcquire(1)
			runParallel(b, users, func(string) bool { return !sem.TryAcquire(1) })
		})
	}
}
