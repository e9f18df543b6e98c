package sselimittest

import (
	"fmt"
	"sync"
	"testing"

	sselimit "github.com/sselimit/sselimit/core"
)

// The counts users alert on never read above a cap, even while streams
// are being replaced and released as fast as clients come.
var _ = register("CountsNeverExceedTheCaps", func(t *testing.T, h Harness) {
	const maxTotal, maxUser, users, workers, rounds = 2, 1, 3, 6, 60
	e := start(t, h, h.limiter(t, maxTotal, maxUser), nil, true, sselimit.WithEvictOldest())

	done := make(chan struct{})
	var mu sync.Mutex
	over := map[string]int{} // what read above a cap: its highest reading
	readings := 0
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			select {
			case <-done:
				return
			default:
			}
			st, byKey := e.Gate.Stats(), e.Gate.ActiveByKey()
			mu.Lock()
			readings++
			if st.Active > maxTotal {
				over["Stats().Active"] = max(over["Stats().Active"], st.Active)
			}
			total := 0
			for key, n := range byKey {
				total += n
				if n > maxUser {
					over["ActiveByKey()["+key+"]"] = max(over["ActiveByKey()["+key+"]"], n)
				}
			}
			if total > maxTotal {
				over["the sum of ActiveByKey()"] = max(over["the sum of ActiveByKey()"], total)
			}
			mu.Unlock()
		}
	}()

	// Each worker holds its stream until it has opened the next one, so
	// streams of one user keep replacing each other.
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			user := fmt.Sprintf("user-%d", w%users)
			var held *Conn
			for range rounds {
				conn, _, _, err := e.c.Open("/stream", user)
				if err != nil {
					t.Errorf("GET /stream as %s: %v", user, err)
					return
				}
				if conn != nil {
					conn.Next()
				}
				if held != nil {
					held.Close()
				}
				held = conn
			}
			if held != nil {
				held.Close()
			}
		})
	}
	wg.Wait()
	e.Active(0)
	close(done)
	<-sampled
	for what, n := range over {
		t.Errorf("%s: read %d, caps %d/%d", what, n, maxTotal, maxUser)
	}
	if readings == 0 {
		t.Error("no reading was taken during the flood")
	}
})
