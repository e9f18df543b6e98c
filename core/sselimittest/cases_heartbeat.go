package sselimittest

import (
	"strings"
	"testing"
	"time"

	sselimit "github.com/sselimit/sselimit/core"
)

// heartbeatNoise is how late a heartbeat may reach the client, beyond its
// interval, for scheduling on a busy machine: half an interval. A heartbeat
// that waits for a second interval after an event is later than that.
const heartbeatNoise = 2

// A proxy whose read timeout lies between one and two heartbeat intervals
// must never cut a live stream: the client hears something at most an
// interval (plus noise) after the last event, and after each heartbeat.
var _ = register("HeartbeatFollowsTheLastWriteWithinAnInterval", func(t *testing.T, h Harness) {
	const beat = 300 * time.Millisecond
	e := start(t, h, h.limiter(t, 10, 1), nil, true, sselimit.WithHeartbeat(beat))
	conn := e.c.MustStream("/stream", "alice")
	last, what := time.Now(), "the hello event"
	for range 3 {
		line, err := conn.ReadLine()
		at := time.Now()
		if err != nil || !strings.HasPrefix(line, ":") {
			t.Fatalf("after %s: got line %q err %v, want a heartbeat comment", what, line, err)
		}
		if gap := at.Sub(last); gap > beat+beat/heartbeatNoise || gap < beat/2 {
			t.Errorf("heartbeat %v after %s, want one interval (%v) after it, within %v", gap, what, beat, beat/heartbeatNoise)
		}
		last, what = at, "the previous heartbeat"
	}
})
