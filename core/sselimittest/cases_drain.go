package sselimittest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	sselimit "github.com/sselimit/sselimit/core"
)

// closeFrame reads the next event and checks it is a close frame with
// reason, whose retry field and retry_ms agree; it returns the retry.
func closeFrame(t *testing.T, conn *Conn, reason sselimit.Reason) int {
	t.Helper()
	retry, err := readCloseFrame(conn, reason)
	if err != nil {
		t.Fatal(err)
	}
	return retry
}

func readCloseFrame(conn *Conn, reason sselimit.Reason) (int, error) {
	ev, err := conn.Next()
	if err != nil {
		return 0, fmt.Errorf("reading the close frame: %w", err)
	}
	var data struct {
		Reason  string `json:"reason"`
		RetryMS int    `json:"retry_ms"`
	}
	if ev.Name != "close" || json.Unmarshal([]byte(ev.Data), &data) != nil || data.Reason != string(reason) {
		return 0, fmt.Errorf("got %+v, want a close event with reason %q", ev, reason)
	}
	if data.RetryMS < 1 || ev.Retry != data.RetryMS {
		return 0, fmt.Errorf("close frame %+v: retry field %d and retry_ms %d must agree and be positive", ev, ev.Retry, data.RetryMS)
	}
	return data.RetryMS, nil
}

const drainStreams = 1000

var _ = register("DrainThousandStreams", func(t *testing.T, h Harness) {
	const window = 10 * time.Second
	e := start(t, h, h.limiter(t, 0, 0), nil, true, sselimit.WithDrainWindow(window))
	lingerID := fmt.Sprintf("%s-%p", t.Name(), e)
	lingerer := e.c.MustStream("/stream?mode=linger&id="+lingerID, "lingerer")

	conns := make([]*Conn, drainStreams)
	var wg sync.WaitGroup
	next := make(chan int)
	for range 32 {
		wg.Go(func() {
			for i := range next {
				conn, resp, _, err := e.c.Open("/stream", fmt.Sprintf("user-%d", i))
				if err != nil || conn == nil {
					t.Errorf("stream %d: got %v, %v; want admitted", i, status(resp), err)
					continue
				}
				if ev, err := conn.Next(); err != nil || ev.Name != "hello" {
					t.Errorf("stream %d: first event %+v, %v; want hello", i, ev, err)
				}
				conns[i] = conn
			}
		})
	}
	for i := range drainStreams {
		next <- i
	}
	close(next)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	e.Active(drainStreams + 1)

	retries := make([]int, drainStreams)
	for i, conn := range conns {
		wg.Go(func() {
			var err error
			if retries[i], err = readCloseFrame(conn, sselimit.ReasonShutdown); err != nil {
				t.Errorf("stream %d: %v", i, err)
				return
			}
			if _, err := conn.Next(); err != io.EOF {
				t.Errorf("stream %d after its close frame: got %v, want EOF", i, err)
			}
		})
	}
	type result struct {
		remaining int
		err       error
	}
	drained := make(chan result, 1)
	go func() {
		n, err := e.Gate.Drain(context.Background())
		drained <- result{n, err}
	}()
	wg.Wait()

	// One stream still lingers, so the gate is still draining: new streams
	// are refused meanwhile.
	e.refused("/stream", "newcomer", http.StatusServiceUnavailable)
	select {
	case r := <-drained:
		t.Fatalf("Drain returned %+v while a stream was still open", r)
	default:
	}
	close(lingerChan(lingerID))
	closeFrame(t, lingerer, sselimit.ReasonShutdown)
	if r := <-drained; r.remaining != 0 || r.err != nil {
		t.Fatalf("Drain: got (%d, %v), want (0, nil)", r.remaining, r.err)
	}
	e.Active(0)

	lo, hi, distinct := retries[0], retries[0], map[int]bool{}
	for _, r := range retries {
		lo, hi = min(lo, r), max(hi, r)
		distinct[r] = true
	}
	if lo < 1000 || hi > int((time.Second+window)/time.Millisecond) || hi-lo < int(window/time.Millisecond)*8/10 || len(distinct) < drainStreams*9/10 {
		t.Errorf("retry_ms over %d streams: min %d, max %d, %d distinct; want spread over [1000, %d]",
			drainStreams, lo, hi, len(distinct), (time.Second+window)/time.Millisecond)
	}
	if got := e.Gate.Stats().Ended[sselimit.ReasonShutdown]; got != drainStreams+1 {
		t.Errorf("Stats().Ended[shutdown]: got %d, want %d", got, drainStreams+1)
	}
	e.refused("/stream", "latecomer", http.StatusServiceUnavailable)
})

var _ = register("DrainReportsWhatRemains", func(t *testing.T, h Harness) {
	e := start(t, h, h.limiter(t, 10, 1), nil, true)
	lingerID := fmt.Sprintf("%s-%p", t.Name(), e)
	conn := e.c.MustStream("/stream?mode=linger&id="+lingerID, "alice")
	ctx, cancel := context.WithCancel(context.Background())
	// The stream cannot end before the suite lets it go, so Drain can
	// only return through its context, ended once the stream was told.
	go func() {
		<-stoppedChan(lingerID)
		cancel()
	}()
	n, err := e.Gate.Drain(ctx)
	if n != 1 || err != context.Canceled {
		t.Errorf("Drain with an ended context: got (%d, %v), want (1, context.Canceled)", n, err)
	}
	close(lingerChan(lingerID))
	closeFrame(t, conn, sselimit.ReasonShutdown)
	e.Active(0)
})
