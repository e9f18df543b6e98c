// Package sseload drives event-stream servers on the loopback interface:
// it opens and holds many streams, floods a route with requests that are
// refused, and measures a server's drain. The sseload command and the
// bench driver run it.
package sseload

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/sselimit/sselimit/bench/internal/nofile"
)

// Config is one run of the load tool. Its phases run in order: hold
// Streams streams (measuring the server's memory when the tool started it),
// flood FloodPath with FloodRequests requests, then drain the server.
type Config struct {
	// Server is the command line of a server to start, which prints its
	// Ready line first; or else URL is a running server's base URL (then
	// there is no memory reading and no drain).
	Server []string
	URL    string
	// Logs receives the started server's output (safe for concurrent writes).
	Logs io.Writer

	Streams int    // streams to open and hold
	Path    string // their route
	// Users is how many distinct users the streams belong to (the "user"
	// query parameter, u0, u1, ...): 0 for one user per stream.
	Users int
	// OpenConcurrency bounds the streams being opened at once, so the
	// listen backlog does not overflow.
	OpenConcurrency int
	// Hold is how long the streams stay open before the memory is read.
	Hold time.Duration

	FloodRequests int    // requests of the flood; 0 for none
	FloodPath     string // its route
	FloodConns    int    // keep-alive connections sending them
	// FloodUser, when not "", first opens and holds one stream of its own
	// on FloodPath, so that a per-user cap of 1 refuses the whole flood.
	FloodUser string

	// Drain sends SIGTERM to the server at the end and measures its drain.
	Drain bool

	// Timeout bounds the whole run.
	Timeout time.Duration
}

func (c *Config) validate() error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check((len(c.Server) > 0) != (c.URL != ""), "need exactly one of a server command or a URL")
	if c.URL != "" {
		u, err := url.Parse(c.URL)
		check(err == nil && u.Scheme == "http" && u.Host != "", "URL %q is not an http base URL", c.URL)
	}
	check(c.Streams >= 0, "streams must not be negative, got %d", c.Streams)
	check(c.Users >= 0, "users must not be negative, got %d", c.Users)
	check(c.Streams == 0 || c.OpenConcurrency > 0, "open concurrency must be positive, got %d", c.OpenConcurrency)
	check(c.Hold >= 0, "hold must not be negative, got %v", c.Hold)
	check(c.FloodRequests >= 0, "flood requests must not be negative, got %d", c.FloodRequests)
	check(c.FloodRequests == 0 || c.FloodConns > 0, "flood connections must be positive, got %d", c.FloodConns)
	check(!c.Drain || len(c.Server) > 0, "a drain needs a server the tool starts")
	check(c.Timeout > 0, "timeout must be positive, got %v", c.Timeout)
	check(strings.HasPrefix(c.Path, "/") && strings.HasPrefix(c.FloodPath, "/"), "paths must start with /")
	return errors.Join(errs...)
}

// fdSlack is the descriptors the tool needs besides its streams'.
const fdSlack = 256

// Run runs c and reports what it saw. An error means the run could not be
// carried out; what the server did wrong is in the report.
func Run(c Config) (*Report, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	if c.Logs == nil {
		c.Logs = io.Discard
	}
	limit, err := nofile.Raise(uint64(c.Streams + c.FloodConns + fdSlack))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.Timeout)
	defer cancel()
	r := &Report{URL: c.URL, OpenFiles: limit}

	var srv *serverProcess
	if len(c.Server) > 0 {
		if srv, err = startServer(c.Server, c.Logs); err != nil {
			return nil, err
		}
		defer func() {
			select {
			case <-srv.exited:
			default:
				srv.kill()
			}
		}()
		r.URL, r.ServerOpenFiles = srv.ready.URL, srv.ready.OpenFiles
		if need := uint64(c.Streams + c.FloodConns + fdSlack); r.ServerOpenFiles < need {
			return nil, fmt.Errorf("the server's open-file limit is %d, below the %d it needs", r.ServerOpenFiles, need)
		}
	}
	base, err := url.Parse(r.URL)
	if err != nil {
		return nil, err
	}
	l := &load{cfg: c, host: base.Host, deadline: deadline(ctx)}
	defer l.closeAll()

	if c.Streams > 0 {
		var before MemorySample
		if srv != nil {
			if before, err = srv.sample(ctx); err != nil {
				return nil, err
			}
		}
		r.Streams = l.hold(ctx)
		if srv != nil {
			after, err := srv.sample(ctx)
			if err != nil {
				return nil, err
			}
			r.Memory = &MemoryReport{Before: before, After: after}
		}
	}
	if c.FloodRequests > 0 {
		var before ServerStats
		if srv != nil {
			if before, err = srv.stats(ctx, false); err != nil {
				return nil, err
			}
		}
		r.Flood = l.flood(ctx)
		if srv != nil {
			after, err := srv.stats(ctx, false)
			if err != nil {
				return nil, err
			}
			r.Flood.ServerCPU = after.CPU - before.CPU
		}
	}
	if srv == nil {
		return r, nil
	}
	if !c.Drain {
		// Let the server stop the easy way: no stream left open.
		l.closeAll()
		srv.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-srv.exited:
		case <-ctx.Done():
		}
		return r, nil
	}
	r.Drain = l.drain(ctx, srv)
	return r, nil
}

func deadline(ctx context.Context) time.Time {
	d, _ := ctx.Deadline()
	return d
}

// load is the client side of a run.
type load struct {
	cfg      Config
	host     string
	deadline time.Time // every connection's

	mu     sync.Mutex
	conns  []net.Conn // every connection, closed at the end
	closed bool

	streams []*stream      // the held streams
	done    sync.WaitGroup // their readers
	live    atomic.Int64   // held streams whose readers still run
}

// stream is one held stream as its reader saw it.
type stream struct {
	// Set while opening.
	ttfb   time.Duration
	status int   // 0: no answer
	err    error // the opening failed
	// Set by the reader of an opened stream.
	closeAt time.Time // when its close frame arrived
	reason  string
	endAt   time.Time // when it ended
	readErr error     // how, when not by the end of the response
}

// dial opens a connection that lives no longer than the run.
func (l *load) dial(ctx context.Context) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", l.host)
	if err != nil {
		return nil, err
	}
	conn.SetDeadline(l.deadline)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		conn.Close()
		return nil, net.ErrClosed
	}
	l.conns = append(l.conns, conn)
	return conn, nil
}

func (l *load) closeAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	for _, c := range l.conns {
		c.Close()
	}
	l.conns = nil
}

func (l *load) request(path, user string) []byte {
	target := path
	if user != "" {
		target += "?user=" + url.QueryEscape(user)
	}
	return []byte("GET " + target + " HTTP/1.1\r\nHost: " + l.host + "\r\nAccept: text/event-stream\r\n\r\n")
}

// open opens one stream and reads its first event. On success it returns
// the reader of the rest of the stream.
func (l *load) open(ctx context.Context, path, user string, s *stream) (body *bufio.Reader, err error) {
	start := time.Now()
	conn, err := l.dial(ctx)
	if err != nil {
		return nil, err
	}
	defer func() {
		if body == nil {
			conn.Close()
		}
	}()
	if _, err := conn.Write(l.request(path, user)); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReaderSize(conn, 1024), nil)
	if err != nil {
		return nil, err
	}
	s.status = resp.StatusCode
	if resp.StatusCode != http.StatusOK {
		return nil, nil
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		return nil, fmt.Errorf("200 with Content-Type %q", ct)
	}
	body = bufio.NewReaderSize(resp.Body, 512)
	name, _, err := nextEvent(body)
	if err != nil {
		return nil, fmt.Errorf("reading the first event: %w", err)
	}
	if name != "hello" {
		return nil, fmt.Errorf("first event %q, want hello", name)
	}
	s.ttfb = time.Since(start)
	return body, nil
}

// hold opens the streams, each on its own connection, and keeps reading
// them in the background; it returns once they are open and held for the
// hold time.
func (l *load) hold(ctx context.Context) *StreamsReport {
	c := l.cfg
	l.streams = make([]*stream, c.Streams)
	slots := make(chan struct{}, c.OpenConcurrency)
	var opening sync.WaitGroup
	start := time.Now()
	for i := range l.streams {
		s := &stream{}
		l.streams[i] = s
		user := "u" + strconv.Itoa(i)
		if c.Users > 0 {
			user = "u" + strconv.Itoa(i%c.Users)
		}
		opening.Add(1)
		l.done.Add(1)
		go func() {
			defer l.done.Done()
			slots <- struct{}{}
			body, err := l.open(ctx, c.Path, user, s)
			<-slots
			if body == nil {
				s.err = err
				opening.Done()
				return
			}
			l.live.Add(1)
			defer l.live.Add(-1)
			opening.Done()
			s.read(body)
		}()
	}
	opening.Wait()
	r := &StreamsReport{Requested: c.Streams, OpenTime: time.Since(start)}
	var ttfb []time.Duration
	for _, s := range l.streams {
		switch {
		case s.err != nil:
			r.Errors++
			if r.FirstError == "" {
				r.FirstError = s.err.Error()
			}
		case s.status == http.StatusOK:
			r.Opened++
			ttfb = append(ttfb, s.ttfb)
		default:
			if r.Refused == nil {
				r.Refused = map[int]int{}
			}
			r.Refused[s.status]++
		}
	}
	r.TTFB = percentiles(ttfb)
	select {
	case <-time.After(c.Hold):
	case <-ctx.Done():
	}
	r.Held = int(l.live.Load())
	return r
}

// read reads events until the stream ends, noting its close frame.
func (s *stream) read(body *bufio.Reader) {
	for {
		name, data, err := nextEvent(body)
		if err != nil {
			s.endAt = time.Now()
			if !errors.Is(err, io.EOF) {
				s.readErr = err
			}
			return
		}
		if name == "close" && s.closeAt.IsZero() {
			s.closeAt = time.Now()
			var frame struct{ Reason string }
			json.Unmarshal([]byte(data), &frame)
			s.reason = frame.Reason
		}
	}
}

// nextEvent reads the next event's name and data, skipping comments.
func nextEvent(r *bufio.Reader) (name, data string, err error) {
	seen := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			if err == io.EOF && line != "" {
				err = io.ErrUnexpectedEOF
			}
			return "", "", err
		}
		line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		switch field, value, _ := strings.Cut(line, ":"); {
		case line == "":
			if seen {
				return name, data, nil
			}
		case field == "":
			// a comment
		case field == "event":
			seen, name = true, strings.TrimPrefix(value, " ")
		case field == "data":
			if seen && data != "" {
				data += "\n"
			}
			seen, data = true, data+strings.TrimPrefix(value, " ")
		default:
			seen = true
		}
	}
}

// flood sends the flood's requests over keep-alive connections.
func (l *load) flood(ctx context.Context) *FloodReport {
	c := l.cfg
	r := &FloodReport{Requests: c.FloodRequests, Conns: c.FloodConns, Statuses: map[int]int{}}
	if c.FloodUser != "" {
		var s stream
		if _, err := l.open(ctx, c.FloodPath, c.FloodUser, &s); err != nil {
			r.Errors++
			r.FirstError = "priming: " + err.Error()
		}
		r.Primed = s.status
	}
	req := l.request(c.FloodPath, c.FloodUser)
	var left atomic.Int64
	left.Store(int64(c.FloodRequests))
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for range c.FloodConns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses, errs, firstErr := l.floodConn(ctx, req, &left)
			mu.Lock()
			defer mu.Unlock()
			for s, n := range statuses {
				r.Statuses[s] += n
			}
			r.Errors += errs
			if r.FirstError == "" && firstErr != nil {
				r.FirstError = firstErr.Error()
			}
		}()
	}
	wg.Wait()
	r.Elapsed = time.Since(start)
	r.RefusedPerSecond = float64(r.Refused()) / r.Elapsed.Seconds()
	return r
}

// maxFloodErrors stops a flood connection whose requests keep failing.
const maxFloodErrors = 100

// floodConn sends requests on one connection, redialling when the server
// closes it, until left runs out.
func (l *load) floodConn(ctx context.Context, req []byte, left *atomic.Int64) (statuses map[int]int, errs int, firstErr error) {
	statuses = map[int]int{}
	var conn net.Conn
	var br *bufio.Reader
	fail := func(err error) {
		errs++
		if firstErr == nil {
			firstErr = err
		}
		if conn != nil {
			conn.Close()
			conn = nil
		}
	}
	for errs < maxFloodErrors && left.Add(-1) >= 0 {
		if conn == nil {
			c, err := l.dial(ctx)
			if err != nil {
				fail(err)
				continue
			}
			conn, br = c, bufio.NewReader(c)
		}
		if _, err := conn.Write(req); err != nil {
			fail(err)
			continue
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			fail(err)
			continue
		}
		statuses[resp.StatusCode]++
		if resp.StatusCode == http.StatusOK {
			// An admitted stream never ends: drop it.
			conn.Close()
			conn = nil
			continue
		}
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			fail(err)
			continue
		}
		resp.Body.Close()
		if resp.Close {
			conn.Close()
			conn = nil
		}
	}
	if conn != nil {
		conn.Close()
	}
	return statuses, errs, firstErr
}

// drain signals the server and waits until every held stream has ended and
// the process has exited, or the run's time is up.
func (l *load) drain(ctx context.Context, srv *serverProcess) *DrainReport {
	r := &DrainReport{Streams: int(l.live.Load()), Reasons: map[string]int{}}
	start := time.Now()
	srv.cmd.Process.Signal(syscall.SIGTERM)
	ended := make(chan struct{})
	go func() {
		l.done.Wait()
		close(ended)
	}()
	select {
	case <-ended:
	case <-ctx.Done():
	}
	select {
	case <-srv.exited:
		r.Exit, r.ExitCode = srv.exitAt.Sub(start), srv.exitCode()
		r.Server = srv.stopped
	case <-ctx.Done():
		srv.kill()
		r.Exit, r.ExitCode = srv.exitAt.Sub(start), -1
	}
	l.closeAll()
	<-ended
	for _, s := range l.streams {
		if s.status != http.StatusOK || s.err != nil || s.endAt.Before(start) {
			continue // not open when the signal was sent
		}
		if !s.closeAt.IsZero() {
			r.CloseFrames++
			r.Reasons[s.reason]++
			r.LastCloseFrame = max(r.LastCloseFrame, s.closeAt.Sub(start))
		}
		r.LastStreamEnd = max(r.LastStreamEnd, s.endAt.Sub(start))
	}
	return r
}
