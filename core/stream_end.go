package sselimit

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// emitLocked writes p and, if flush is set, flushes, all within one write
// deadline that is cleared once they succeed; s.mu is held. No deadline is
// left pending on a quiet stream: HTTP/2 resets a stream whose deadline
// passes even when nothing is being written. A failed write marks the
// client gone and ends the stream's context.
func (s *Stream) emitLocked(p []byte, flush bool) (int, error) {
	if s.ended || s.broken || s.t == nil {
		return 0, ErrClosed
	}
	_ = s.t.SetWriteDeadline(time.Now().Add(s.gate.cfg.writeTimeout)) // a transport without deadlines still streams
	var n int
	var err error
	if len(p) > 0 {
		n, err = s.t.Write(p)
		s.tail = s.tail.after(p[:n])
		s.countWrite(n)
		s.unflushed = s.unflushed || n > 0
	}
	if err == nil && flush {
		if err = s.t.Flush(); err == nil && s.unflushed {
			s.unflushed = false
			s.lastFlush.Store(monoNow())
		}
	}
	if err != nil {
		s.fail(err)
		return n, err
	}
	_ = s.t.SetWriteDeadline(time.Time{})
	return n, nil
}

// errClientGone is the context cause when a write to the client failed.
var errClientGone = errors.New("sselimit: client gone")

func (s *Stream) fail(err error) {
	s.broken = true
	s.cancel(errors.Join(errClientGone, err))
}

// heartbeat runs on a goroutine of its own, started by the scheduler: it
// writes a comment line if nothing reached the client for a whole
// interval, at a line boundary, and schedules the next one an interval
// after the last flush.
func (s *Stream) heartbeat() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended || s.broken {
		return
	}
	interval := int64(s.gate.cfg.heartbeat)
	if s.tail != inLine && s.lastFlush.Load()+interval <= monoNow() {
		if _, err := s.emitLocked(heartbeatLine, true); err != nil {
			return
		}
	}
	next := s.lastFlush.Load() + interval
	if now := monoNow(); next <= now {
		next = now + interval // inside a line: nothing may be written yet
	}
	s.gate.sched.setBeat(s, next)
}

func (s *Stream) expire() {
	s.stop(ReasonMaxLifetime, 250*time.Millisecond+rand.N(750*time.Millisecond))
}

func (s *Stream) leaseLost() { s.stop(ReasonLeaseLost, s.gate.retryAfter()) }

// stop ends the stream on the server's behalf: the first call wins, cancels
// the context and decides the close frame that End writes.
func (s *Stream) stop(reason Reason, retry time.Duration) {
	if !s.closing.CompareAndSwap(nil, &closing{reason, retry}) {
		return
	}
	s.gate.stats.ended(reason)
	s.cancel(&EndedError{Reason: reason})
}

// notStopped marks a stream that ended without the server stopping it.
var notStopped = &closing{}

// EndedError is the context cause of a stream the server ended.
type EndedError struct{ Reason Reason }

func (e *EndedError) Error() string { return "sselimit: stream ended: " + string(e.Reason) }

// End finishes the stream, exactly once however often it is called: if the
// server ended it, it writes and flushes the close frame; then it stops its
// heartbeats and lifetime, unregisters it and releases its slot. Adapters
// call it when the response really ends, including on panic.
func (s *Stream) End() {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return
	}
	// From here on no stop takes effect, nor is counted.
	s.closing.CompareAndSwap(nil, notStopped)
	if c := s.closing.Load(); c != notStopped && s.t != nil && !s.broken {
		f := getFrame()
		b := *f
		switch s.tail {
		case inLine:
			b = append(b, "\n\n"...)
		case atLine:
			b = append(b, '\n')
		}
		b = appendCloseFrame(b, c.reason, c.retry)
		s.emitLocked(b, true)
		putFrame(f, b)
	}
	if s.t != nil && !s.broken {
		// The framework still writes the end of the response: bound that too.
		_ = s.t.SetWriteDeadline(time.Now().Add(s.gate.cfg.writeTimeout))
	}
	s.ended = true
	if s.t != nil {
		s.gate.sched.remove(s)
	}
	s.mu.Unlock()

	// The stream stops counting as active before its slot goes back, and
	// evictors and Drain wake once it has: no count ever exceeds a cap, and
	// whoever waits for the slot finds it free.
	why := s.closeReason()
	s.cancel(ErrClosed)
	s.gate.unregister(s)
	s.release()
	s.gate.settle(s)
	s.gate.released(s, why)
}

// streamContext is a stream's context: its own cancellation, and the
// stream itself as a value, with no further allocation.
type streamContext struct {
	context.Context
	s *Stream
}

type streamKey struct{}

func (c *streamContext) Value(key any) any {
	if key == (streamKey{}) {
		return c.s
	}
	return c.Context.Value(key)
}

// StreamFromContext returns the stream whose context ctx is or derives
// from, or nil.
func StreamFromContext(ctx context.Context) *Stream {
	s, _ := ctx.Value(streamKey{}).(*Stream)
	return s
}
