package sselimitfiber

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/log"
	sselimit "github.com/sselimit/sselimit/core"
)

// Stream makes the response an event stream run by fn, on a request the
// middleware admitted. It sets status 200, the event-stream headers and
// Connection: close, and hands the response's body stream to the stream:
// once the handler and every middleware have returned and fasthttp starts
// sending the body, fn runs on a goroutine of its own with the admitted
// stream, whose context ends when the client goes, a write fails or the
// server ends the stream (drain, eviction, maximum lifetime, lease loss).
//
// fn must not touch c, or anything obtained from it: Fiber and fasthttp
// reuse them once the handler returns. Copy what fn needs first.
//
// The slot is released exactly once: when fn returns (after the close
// frame, if the server ended the stream), or when fasthttp closes the body
// stream first — the client went, a write failed, the body was replaced
// (for example by an error handler), or it was never sent (a HEAD
// request). fn then never runs, or sees its context end.
//
// A panic in fn happens on that goroutine, where no recover middleware
// sees it: Stream recovers it, logs it with Fiber's logger, ends the
// stream and aborts the connection.
//
// Stream returns ErrNotAdmitted when the middleware did not admit the
// request, and an error when fn is nil or Stream was already called.
func Stream(c *fiber.Ctx, fn func(s *sselimit.Stream)) error {
	b, _ := c.Locals(admissionKey{}).(*body)
	switch {
	case b == nil:
		return ErrNotAdmitted
	case fn == nil:
		return errors.New("sselimitfiber: Stream needs a stream function, got nil")
	case b.fn != nil:
		return errors.New("sselimitfiber: Stream called twice for one request")
	}
	b.fn = fn
	b.conn = sharedConn(c.Context().Conn())
	c.Status(fiber.StatusOK)
	setStreamHeaders(c)
	resp := c.Response()
	resp.Header.SetConnectionClose()
	resp.ImmediateHeaderFlush = true
	resp.SetBodyStream(b, -1)
	return nil
}

// body is an admitted request's response body: the io.ReadCloser fasthttp
// reads the stream from, and closes when the response ends or is dropped.
// Reads come from one goroutine at a time; Close may come from another
// (fasthttp also closes the request's user values that are io.Closers, and
// a compressing wrapper reads the body on a goroutine of its own).
type body struct {
	s  *sselimit.Stream
	fn func(*sselimit.Stream)

	pipe pipe

	mu      sync.Mutex
	started bool   // the first Read started the stream function
	watched uint64 // the connection's id with hangups; 0: not watched
	closed  bool

	writeTimeout atomic.Int64 // the gate's, learnt from the stream's first write deadline

	panicked atomic.Bool // fn panicked: abort the connection
	gone     atomic.Bool // the client went: abort the connection

	// conn is the request's connection, when it may be used from other
	// goroutines (see sharedConn); it is touched only until Close.
	conn     net.Conn
	connMu   sync.Mutex
	released bool // Close gave conn back to fasthttp; guarded by connMu
}

// errAborted ends a response without its terminating chunk, so the client
// sees a broken stream rather than a complete one.
var errAborted = errors.New("sselimitfiber: stream aborted")

// Read starts the stream on the first call: fasthttp has sent the headers
// and now reads the body.
func (b *body) Read(p []byte) (int, error) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return 0, io.EOF
	}
	if !b.started {
		b.started = true
		go b.write()
		if b.conn != nil {
			// fasthttp does not read the connection while it sends the
			// response, so a client that closes its end would otherwise
			// be found by a failed write only.
			b.watched = hangups.watch(b.conn, b.hangup)
		}
	}
	b.mu.Unlock()
	n, err := b.pipe.read(p)
	if d := b.writeTimeout.Load(); d > 0 {
		// fasthttp writes what Read returns (or, at the end, the
		// response's last chunk) next, on this goroutine.
		b.setWriteDeadline(time.Now().Add(time.Duration(d)))
	}
	if err == io.EOF && (b.panicked.Load() || b.gone.Load()) {
		err = errAborted
	}
	return n, err
}

// Close is called by fasthttp when the response's body is done with: sent,
// failed, replaced or dropped. It ends the stream, releasing its slot if
// the stream function has not already.
func (b *body) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	watched := b.watched
	b.mu.Unlock()
	b.pipe.closeRead() // a writer waiting for room now fails
	if watched != 0 {
		hangups.unwatch(b.conn, watched)
	}
	if b.conn != nil {
		b.connMu.Lock()
		b.released = true
		b.connMu.Unlock()
	}
	b.s.End()
	return nil
}

// hangup ends the response at once: the client went.
func (b *body) hangup() {
	b.gone.Store(true)
	b.pipe.abortRead()
}

// write runs the stream function on a goroutine of its own.
func (b *body) write() {
	defer b.pipe.closeWrite()
	defer b.s.End()
	defer func() {
		if v := recover(); v != nil {
			b.panicked.Store(true)
			log.Errorf("sselimitfiber: panic in a stream function: %v\n%s", v, debug.Stack())
		}
	}()
	b.s.Start(&transport{b})
	b.fn(b.s)
}

func (b *body) setWriteDeadline(t time.Time) error {
	if b.conn == nil {
		return nil
	}
	b.connMu.Lock()
	defer b.connMu.Unlock()
	if b.released {
		return nil
	}
	return b.conn.SetWriteDeadline(t)
}

// sharedConn returns the connection under c that may be used from several
// goroutines at once, unwrapping listener wrappers that expose it through
// NetConn (as crypto/tls and many PROXY-protocol and limiting listeners
// do), or nil. fasthttp may hand handlers other kinds (in-memory pipes in
// app.Test, request contexts made by RequestCtx.Init, wrappers that hide
// their connection), on which the stream then has no write deadline and
// no watcher: a gone client is found by a failed write only.
func sharedConn(c net.Conn) net.Conn {
	for {
		switch c.(type) {
		case *net.TCPConn, *net.UnixConn, *tls.Conn:
			return c
		}
		wrapper, ok := c.(interface{ NetConn() net.Conn })
		if !ok {
			return nil
		}
		c = wrapper.NetConn()
	}
}

// transport is how the stream reaches fasthttp: the body's pipe. fasthttp
// copies what the pipe holds to the connection on its own goroutine, where
// it blocks on a slow client, so the body's Read sets the deadline of each
// copy; the stream's deadlines only tell it the gate's write timeout. (Set
// on the stream's goroutine, they would also grow its stack for good.)
type transport struct{ b *body }

func (t *transport) Write(p []byte) (int, error) { return t.b.pipe.write(p) }
func (t *transport) Flush() error                { return t.b.pipe.flush() }
func (t *transport) SetWriteDeadline(d time.Time) error {
	if !d.IsZero() {
		t.b.writeTimeout.CompareAndSwap(0, int64(time.Until(d)))
	}
	return nil
}

// NetConn gives the stream the connection, so that it bounds the time
// the client may leave data unacknowledged (see sselimit.ConnContext).
func (t *transport) NetConn() net.Conn { return t.b.conn }
