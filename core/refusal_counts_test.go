package sselimit

import (
	"context"
	"sync"
	"testing"
	"unsafe"
)

// Refusals on many goroutines at once are all counted, whatever stripe
// each lands on, and a reader running meanwhile never sees a count go
// down.
func TestRefusalCountsUnderContention(t *testing.T) {
	lim := NewSSELimiter(1, 0)
	g := mustGate(t, lim)
	release, err := lim.Acquire("holder")
	if err != nil {
		t.Fatalf("Acquire(holder) error = %v, want nil", err)
	}
	defer release()

	const workers, each = 8, 2000
	started := make(chan struct{})
	stop := make(chan struct{})
	var reader sync.WaitGroup
	reader.Go(func() {
		var last uint64
		for first := true; ; first = false {
			n := g.Stats().Refused[RefusedGlobalLimit]
			if n < last {
				t.Errorf("Refused[%s] went down from %d to %d", RefusedGlobalLimit, last, n)
			}
			if first {
				close(started)
			}
			last = n
			select {
			case <-stop:
				return
			default:
			}
		}
	})
	<-started // the refusals begin once the reader reads
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			id := Identity{Key: "user-" + string(rune('a'+w)), IP: "192.0.2.10"}
			for range each {
				if s, r := g.Admit(context.Background(), id); r == nil {
					s.End()
					t.Errorf("Admit(%q) admitted past the global cap", id.Key)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	reader.Wait()
	if got, want := g.Stats().Refused[RefusedGlobalLimit], uint64(workers*each); got != want {
		t.Errorf("Stats().Refused[%s] = %d, want %d", RefusedGlobalLimit, got, want)
	}
	if got := g.Stats().Refused[RefusedUserLimit]; got != 0 {
		t.Errorf("Stats().Refused[%s] = %d, want 0", RefusedUserLimit, got)
	}
}

// Each stripe of the refusal counts has a cache line of its own: the
// stripes are a whole number of lines, and the counts start on one.
func TestRefusalCountsCacheLines(t *testing.T) {
	if got := unsafe.Sizeof(refusalStripe{}); got != 64 {
		t.Errorf("refusalStripe takes %d bytes, want 64", got)
	}
	lim := NewSSELimiter(1, 0)
	for range 100 {
		g := mustGate(t, lim)
		if at := uintptr(unsafe.Pointer(g.stats.refusals)); at%64 != 0 {
			t.Fatalf("a gate's refusal counts are at %#x, want a multiple of 64", at)
		}
	}
}
