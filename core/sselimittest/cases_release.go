package sselimittest

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	sselimit "github.com/sselimit/sselimit/core"
)

var _ = register("ReleaseOnHandlerReturn", func(t *testing.T, h Harness) {
	e := start(t, h, h.limiter(t, 10, 1), nil, true)
	conn := e.c.MustStream("/stream?mode=return&n=3", "alice")
	for i := range 3 {
		ev, err := conn.Next()
		if err != nil {
			t.Fatalf("tick %d: %v", i, err)
		}
		if ev.Name != "tick" || ev.ID != string(rune('0'+i)) || ev.Data != "line one\nline two" {
			t.Errorf("tick %d: got %+v, want tick id %d with two data lines", i, ev, i)
		}
	}
	if ev, err := conn.Next(); err != io.EOF {
		t.Errorf("after the handler returned: got %+v, %v; want EOF", ev, err)
	}
	e.Active(0)
	e.c.MustStream("/stream", "alice") // the slot is free again
})

var _ = register("ReleaseOnPanicWhichReachesRecovery", func(t *testing.T, h Harness) {
	e := start(t, h, h.limiter(t, 10, 1), nil, true)
	if conn, _, _, err := e.c.Open("/stream?mode=panic", "alice"); err == nil && conn != nil {
		io.Copy(io.Discard, conn.Resp.Body)
	}
	if v := Receive(t, e.recovered, "the framework's recovery to see the panic"); !strings.Contains(toString(v), "deliberate panic") {
		t.Errorf("recovered %v, want the handler's panic", v)
	}
	e.Active(0)
	e.c.MustStream("/stream", "alice")
})

var _ = register("QuietStreamOutlivesItsWriteTimeout", func(t *testing.T, h Harness) {
	const writeTimeout = 100 * time.Millisecond
	e := start(t, h, h.limiter(t, 10, 1), nil, true, sselimit.WithWriteTimeout(writeTimeout))
	id := fmt.Sprintf("%s-%p", t.Name(), e)
	conn := e.c.MustStream("/stream?mode=quiet&id="+id, "alice")
	// The stimulus is time itself: the stream stays quiet for several
	// write timeouts. A deadline left armed would cut the response's end.
	time.Sleep(3 * writeTimeout)
	close(lingerChan(id))
	if ev, err := conn.Next(); err != io.EOF {
		t.Errorf("a quiet stream whose handler returned: got %+v, %v; want a clean end (EOF)", ev, err)
	}
	e.Active(0)
})

var _ = register("ReleaseOnClientDisconnect", func(t *testing.T, h Harness) {
	e := start(t, h, h.limiter(t, 10, 1), nil, true)
	conn := e.c.MustStream("/stream", "alice")
	e.Active(1)
	conn.Close()
	e.Active(0)
	e.c.MustStream("/stream", "alice")
})

var _ = register("ReleaseClientThatStopsReading", func(t *testing.T, h Harness) {
	e := start(t, h, h.limiter(t, 10, 1), nil, true, sselimit.WithWriteTimeout(200*time.Millisecond))
	conn := e.c.MustStream("/stream?mode=flood", "alice")
	_ = conn // held open and never read again: only the write deadline can find it
	e.Active(0)
})

// A client that vanishes with a reset and never reads again. net/http
// servers see it at once, by their background read; fasthttp reports it
// only to a write, so there the heartbeat (or the adapter's own watcher)
// must find it.
var _ = register("ReleaseVanishedClientWithinTwoHeartbeats", func(t *testing.T, h Harness) {
	const beat = 300 * time.Millisecond
	e := start(t, h, h.limiter(t, 10, 1), nil, true, sselimit.WithHeartbeat(beat))
	raw := OpenRaw(t, e.c.Base, "/stream", "alice")
	e.Active(1)
	Vanish(raw)
	gone := time.Now()
	e.Active(0)
	if took := time.Since(gone); took > 2*beat+time.Second {
		t.Errorf("vanished client released after %v, want within two heartbeats (%v) plus scheduling slack", took, 2*beat)
	}
})

var _ = register("HeartbeatOnSilentStream", func(t *testing.T, h Harness) {
	e := start(t, h, h.limiter(t, 10, 1), nil, true, sselimit.WithHeartbeat(50*time.Millisecond))
	conn := e.c.MustStream("/stream", "alice")
	for range 2 {
		line, err := conn.ReadLine()
		if err != nil || !strings.HasPrefix(line, ":") {
			t.Fatalf("on a silent stream: got line %q err %v, want a comment", line, err)
		}
	}
})

func toString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case error:
		return v.Error()
	}
	return ""
}
