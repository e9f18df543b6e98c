package sseload

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestNextEvent(t *testing.T) {
	stream := ": heartbeat\n\n" +
		"event: hello\ndata: u1\n\n" +
		"data: a\ndata: b\nid: 7\n\n" +
		"event: close\r\ndata: {\"reason\":\"shutdown\",\"retry_ms\":1200}\r\nretry: 1200\r\n\r\n" +
		"event: cut"
	r := bufio.NewReader(strings.NewReader(stream))
	for _, want := range []struct{ name, data string }{
		{"hello", "u1"},
		{"", "a\nb"},
		{"close", `{"reason":"shutdown","retry_ms":1200}`},
	} {
		name, data, err := nextEvent(r)
		if err != nil || name != want.name || data != want.data {
			t.Fatalf("nextEvent = %q, %q, %v; want %q, %q", name, data, err, want.name, want.data)
		}
	}
	if _, _, err := nextEvent(r); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("an event cut short: err %v, want io.ErrUnexpectedEOF", err)
	}
	if _, _, err := nextEvent(bufio.NewReader(strings.NewReader(""))); err != io.EOF {
		t.Errorf("an ended stream: err %v, want io.EOF", err)
	}
}

func TestStreamReadNotesTheCloseFrame(t *testing.T) {
	var s stream
	s.read(bufio.NewReader(strings.NewReader(": heartbeat\n\nevent: close\ndata: {\"reason\":\"replaced\",\"retry_ms\":5}\nretry: 5\n\n")))
	if s.closeAt.IsZero() || s.reason != "replaced" || s.endAt.IsZero() || s.readErr != nil {
		t.Errorf("after a close frame and the end: %+v, want the close frame's time and reason, an end, no error", s)
	}
}

func TestPercentiles(t *testing.T) {
	var d []time.Duration
	for i := 100; i >= 1; i-- {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	got := percentiles(d)
	want := Percentiles{P50: 50 * time.Millisecond, P90: 90 * time.Millisecond, P99: 99 * time.Millisecond, Max: 100 * time.Millisecond}
	if got != want {
		t.Errorf("percentiles of 1..100 ms = %+v, want %+v", got, want)
	}
	if got := percentiles(nil); got != (Percentiles{}) {
		t.Errorf("percentiles of nothing = %+v, want zeros", got)
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	good := Config{URL: "http://127.0.0.1:1", Path: "/events", FloodPath: "/refuse", OpenConcurrency: 1, Timeout: time.Second}
	for name, edit := range map[string]func(*Config){
		"no target":        func(c *Config) { c.URL = "" },
		"two targets":      func(c *Config) { c.Server = []string{"sseserver"} },
		"not http":         func(c *Config) { c.URL = "ftp://127.0.0.1:1" },
		"negative streams": func(c *Config) { c.Streams = -1 },
		"no concurrency":   func(c *Config) { c.Streams, c.OpenConcurrency = 1, 0 },
		"no flood conns":   func(c *Config) { c.FloodRequests = 1 },
		"drain by URL":     func(c *Config) { c.Drain = true },
		"no timeout":       func(c *Config) { c.Timeout = 0 },
		"relative path":    func(c *Config) { c.Path = "events" },
	} {
		c := good
		edit(&c)
		if r, err := Run(c); err == nil || r != nil {
			t.Errorf("%s: Run = %v, %v; want an error and no report", name, r, err)
		}
	}
}

func TestFloodReportCounts(t *testing.T) {
	f := FloodReport{Statuses: map[int]int{200: 1, 429: 3, 503: 2}, ServerCPU: 60 * time.Microsecond}
	if got := f.Refused(); got != 5 {
		t.Errorf("Refused = %d, want 5", got)
	}
	if got := f.CPUPerRequest(); got != 10*time.Microsecond {
		t.Errorf("CPUPerRequest = %v, want 10µs", got)
	}
}
