package sseload

import (
	"fmt"
	"io"
	"slices"
	"time"
)

// Ready is the first line a server started by the load tool prints on its
// standard output, as JSON.
type Ready struct {
	URL     string `json:"url"`     // base URL of the routes under test
	Control string `json:"control"` // base URL of GET /debug/stats
	// OpenFiles is the server's open-file limit.
	OpenFiles uint64 `json:"open_files"`
}

// ServerStats is what the server's GET /debug/stats answers: its Go
// memory (after a collection, with ?gc=1) and the CPU time it has used.
type ServerStats struct {
	HeapAlloc  uint64 `json:"heap_alloc"`
	StackInuse uint64 `json:"stack_inuse"`
	Sys        uint64 `json:"sys"`
	Goroutines int    `json:"goroutines"`
	// CPU is the process's user and system time so far.
	CPU time.Duration `json:"cpu"`
	// Active is the server's gate's open streams, -1 when it has none.
	Active int `json:"active"`
}

// Stopped is the line a server started by the load tool prints on its
// standard output when it has shut down, as JSON.
type Stopped struct {
	// Drain is how long gate.Drain took, and Remaining the streams it left
	// (limited servers only).
	Drain     time.Duration `json:"drain"`
	Remaining int           `json:"remaining"`
	// Shutdown is how long the framework's own shutdown took after that.
	Shutdown      time.Duration `json:"shutdown"`
	ShutdownError string        `json:"shutdown_error,omitempty"`
}

// Report is what one run of the load tool saw. Durations are nanoseconds
// in JSON.
type Report struct {
	URL string `json:"url"`
	// OpenFiles is the open-file limit of the load tool and of the server
	// (0 when the tool did not start it).
	OpenFiles       uint64         `json:"open_files"`
	ServerOpenFiles uint64         `json:"server_open_files,omitempty"`
	Streams         *StreamsReport `json:"streams,omitempty"`
	Memory          *MemoryReport  `json:"memory,omitempty"`
	Flood           *FloodReport   `json:"flood,omitempty"`
	Drain           *DrainReport   `json:"drain,omitempty"`
}

// StreamsReport is the held-streams phase.
type StreamsReport struct {
	Requested int `json:"requested"`
	// Opened streams got a 200 event stream and its first event.
	Opened int `json:"opened"`
	// Held streams were still open at the end of the hold.
	Held int `json:"held"`
	// Refused counts the non-200 answers by status.
	Refused    map[int]int `json:"refused,omitempty"`
	Errors     int         `json:"errors"`
	FirstError string      `json:"first_error,omitempty"`
	// TTFB is the time from dialling to the first event of the opened
	// streams.
	TTFB Percentiles `json:"ttfb"`
	// OpenTime is the time from the first dial to the last first event.
	OpenTime time.Duration `json:"open_time"`
}

// Percentiles of a set of durations.
type Percentiles struct {
	P50 time.Duration `json:"p50"`
	P90 time.Duration `json:"p90"`
	P99 time.Duration `json:"p99"`
	Max time.Duration `json:"max"`
}

func percentiles(d []time.Duration) Percentiles {
	if len(d) == 0 {
		return Percentiles{}
	}
	slices.Sort(d)
	at := func(q float64) time.Duration { return d[int(q*float64(len(d)-1))] }
	return Percentiles{P50: at(0.50), P90: at(0.90), P99: at(0.99), Max: d[len(d)-1]}
}

// MemoryReport is the server's memory before the streams were opened and
// at the end of the hold.
type MemoryReport struct {
	Before MemorySample `json:"before"`
	After  MemorySample `json:"after"`
}

// MemorySample is one reading of the server's memory.
type MemorySample struct {
	// RSS is the resident set size (VmRSS) of the server's process.
	RSS uint64 `json:"rss"`
	// GoLive is the Go heap in use plus the goroutine stacks, after a
	// collection: what the process keeps alive, without the runtime's
	// slack that RSS includes.
	GoLive uint64      `json:"go_live"`
	Go     ServerStats `json:"go"`
}

// FloodReport is the refusal-flood phase.
type FloodReport struct {
	// Primed is the status the priming stream got (200: it holds the flood
	// user's cap, so the flood is refused by the cap), 0 when not primed.
	Primed   int `json:"primed"`
	Requests int `json:"requests"`
	Conns    int `json:"conns"`
	// Statuses counts the answers by status.
	Statuses   map[int]int   `json:"statuses"`
	Errors     int           `json:"errors"`
	FirstError string        `json:"first_error,omitempty"`
	Elapsed    time.Duration `json:"elapsed"`
	// RefusedPerSecond is the answers with a status of 400 or more, per
	// second of the flood.
	RefusedPerSecond float64 `json:"refused_per_second"`
	// ServerCPU is the CPU time the server used during the flood (0 when
	// the tool did not start it).
	ServerCPU time.Duration `json:"server_cpu"`
}

// CPUPerRequest is the server's CPU time per request of the flood.
func (f *FloodReport) CPUPerRequest() time.Duration {
	n := 0
	for _, count := range f.Statuses {
		n += count
	}
	if n == 0 {
		return 0
	}
	return f.ServerCPU / time.Duration(n)
}

// Refused is the number of answers with a status of 400 or more.
func (f *FloodReport) Refused() int {
	n := 0
	for status, count := range f.Statuses {
		if status >= 400 {
			n += count
		}
	}
	return n
}

// DrainReport is the drain phase: times are since the signal was sent.
type DrainReport struct {
	// Streams were open when the signal was sent.
	Streams     int            `json:"streams"`
	CloseFrames int            `json:"close_frames"`
	Reasons     map[string]int `json:"reasons,omitempty"`
	// LastCloseFrame is when the last close frame arrived.
	LastCloseFrame time.Duration `json:"last_close_frame"`
	// LastStreamEnd is when the last stream ended (its response or its
	// connection closed).
	LastStreamEnd time.Duration `json:"last_stream_end"`
	// Exit is when the server's process exited, with ExitCode; -1 when it
	// did not exit in time and was killed.
	Exit     time.Duration `json:"exit"`
	ExitCode int           `json:"exit_code"`
	// Server is what the server said of its shutdown, if it said it.
	Server *Stopped `json:"server,omitempty"`
}

// Complete reports whether every open stream got its close frame and the
// server exited by itself.
func (d *DrainReport) Complete() bool {
	return d.CloseFrames == d.Streams && d.ExitCode >= 0
}

// Total is the time until every stream had its close frame and the process
// had exited; meaningful when Complete.
func (d *DrainReport) Total() time.Duration { return max(d.LastCloseFrame, d.Exit) }

// WriteText writes r for a person.
func (r *Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "target %s (open-file limit: tool %d, server %d)\n", r.URL, r.OpenFiles, r.ServerOpenFiles)
	if s := r.Streams; s != nil {
		fmt.Fprintf(w, "streams: %d requested, %d opened, %d held, refused %v, %d errors %s\n",
			s.Requested, s.Opened, s.Held, s.Refused, s.Errors, s.FirstError)
		fmt.Fprintf(w, "  time to first event: p50 %v p90 %v p99 %v max %v; all opened in %v\n",
			ms(s.TTFB.P50), ms(s.TTFB.P90), ms(s.TTFB.P99), ms(s.TTFB.Max), ms(s.OpenTime))
	}
	if m := r.Memory; m != nil {
		fmt.Fprintf(w, "server memory: RSS %s -> %s, Go live %s -> %s, goroutines %d -> %d\n",
			mib(m.Before.RSS), mib(m.After.RSS), mib(m.Before.GoLive), mib(m.After.GoLive),
			m.Before.Go.Goroutines, m.After.Go.Goroutines)
		if s := r.Streams; s != nil && s.Held > 0 {
			fmt.Fprintf(w, "  per held stream: RSS %d B, Go live %d B\n",
				PerStream(m.Before.RSS, m.After.RSS, s.Held), PerStream(m.Before.GoLive, m.After.GoLive, s.Held))
		}
	}
	if f := r.Flood; f != nil {
		fmt.Fprintf(w, "flood: %d requests over %d connections in %v: statuses %v, %d errors %s (primed: %d)\n",
			f.Requests, f.Conns, ms(f.Elapsed), f.Statuses, f.Errors, f.FirstError, f.Primed)
		fmt.Fprintf(w, "  %.0f refused/s; server CPU %v per request\n", f.RefusedPerSecond, f.CPUPerRequest())
	}
	if d := r.Drain; d != nil {
		fmt.Fprintf(w, "drain: %d/%d close frames %v, last at %v; last stream ended at %v; exit %d at %v\n",
			d.CloseFrames, d.Streams, d.Reasons, ms(d.LastCloseFrame), ms(d.LastStreamEnd), d.ExitCode, ms(d.Exit))
		if s := d.Server; s != nil {
			fmt.Fprintf(w, "  the server's account: drain %v (%d left), then shutdown %v %s\n",
				ms(s.Drain), s.Remaining, ms(s.Shutdown), s.ShutdownError)
		}
	}
}

// PerStream is the growth from before to after divided among n streams,
// in bytes; negative when memory shrank.
func PerStream(before, after uint64, n int) int64 {
	if n == 0 {
		return 0
	}
	return (int64(after) - int64(before)) / int64(n)
}

func ms(d time.Duration) time.Duration { return d.Round(10 * time.Microsecond) }

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
