package sselimit

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestCountsNeverExceedTheCaps churns streams from many goroutines while
// others read Stats().Active and ActiveByKey: no reading may exceed a cap,
// even while a stream gives its slot back and another takes it.
func TestCountsNeverExceedTheCaps(t *testing.T) {
	for _, tc := range []struct {
		maxTotal, maxUser, users int
		evict                    bool
	}{
		{1, 1, 2, false},
		{4, 2, 3, false},
		{4, 1, 4, true},
		{3, 2, 2, true},
	} {
		name := fmt.Sprintf("caps %d/%d, %d users", tc.maxTotal, tc.maxUser, tc.users)
		opts := []Option{WithWriteTimeout(time.Second)}
		if tc.evict {
			name += ", evict oldest"
			opts = append(opts, WithEvictOldest())
		}
		t.Run(name, func(t *testing.T) {
			g := mustGate(t, NewSSELimiter(tc.maxTotal, tc.maxUser), opts...)
			var done atomic.Bool
			var readings atomic.Int64
			var mu sync.Mutex
			over := map[string]int{} // what read above a cap: its highest reading
			note := func(what string, n int) {
				mu.Lock()
				over[what] = max(over[what], n)
				mu.Unlock()
			}
			var readers sync.WaitGroup
			for range 2 {
				readers.Go(func() {
					for !done.Load() {
						if n := g.Stats().Active; n > tc.maxTotal {
							note("Stats().Active", n)
						}
						total := 0
						for key, n := range g.ActiveByKey() {
							total += n
							if n > tc.maxUser {
								note("ActiveByKey()["+key+"]", n)
							}
						}
						if total > tc.maxTotal {
							note("the sum of ActiveByKey()", total)
						}
						readings.Add(1)
					}
				})
			}
			var streams sync.WaitGroup
			for w := range 8 {
				streams.Go(func() {
					user := "user" + strconv.Itoa(w%tc.users)
					for range 1000 {
						s, r := g.Admit(context.Background(), Identity{Key: user})
						if r != nil {
							continue
						}
						if !tc.evict {
							s.Start(newMemTransport())
							s.Send(Event{Data: "x"})
							s.End()
							continue
						}
						// An evicted stream ends on its own goroutine, as a
						// handler does once its context says so.
						go func() {
							s.Start(newMemTransport())
							<-s.Context().Done()
							s.End()
						}()
					}
				})
			}
			streams.Wait()
			if n, err := g.Drain(context.Background()); n != 0 || err != nil {
				t.Errorf("Drain: got (%d, %v), want (0, nil)", n, err)
			}
			done.Store(true)
			readers.Wait()
			for what, n := range over {
				t.Errorf("%s: read %d, caps %d/%d", what, n, tc.maxTotal, tc.maxUser)
			}
			t.Logf("%d readings, %d admitted", readings.Load(), g.Stats().Admitted)
		})
	}
}

// TestWakersFindTheSlotFree: Drain returns, and an evicting admission
// proceeds, only once the ended streams' slots are back in the limiter.
func TestWakersFindTheSlotFree(t *testing.T) {
	lim := NewSSELimiter(0, 1)
	g := mustGate(t, lim, WithEvictOldest(), WithWriteTimeout(time.Minute))
	var handlers sync.WaitGroup
	run := func(s *Stream) {
		s.Start(newMemTransport())
		handlers.Go(func() {
			<-s.Context().Done()
			s.End()
		})
	}
	for i := range 200 {
		run(mustAdmit(t, g, "user"+strconv.Itoa(i)))
	}
	for i := range 200 {
		// Over the user's cap: admitted once the old stream's slot is free.
		run(mustAdmit(t, g, "user"+strconv.Itoa(i)))
		if n := lim.ActiveForUser("user" + strconv.Itoa(i)); n != 1 {
			t.Fatalf("after replacing user%d's stream: the limiter holds %d of their slots, want 1", i, n)
		}
	}
	if n, err := g.Drain(context.Background()); n != 0 || err != nil {
		t.Fatalf("Drain: got (%d, %v), want (0, nil)", n, err)
	}
	if n := lim.ActiveConnections(); n != 0 {
		t.Errorf("when Drain returned: the limiter held %d slots, want 0", n)
	}
	handlers.Wait()
}
