package sselimit

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// ErrClosed is returned by writes to a stream that has ended or whose
// client is gone.
var ErrClosed = errors.New("sselimit: stream closed")

// A Stream is one admitted event stream. Its methods are safe from any
// goroutine; writes are serialised with the heartbeat and the close frame.
type Stream struct {
	gate    *Gate
	key     string
	release func()
	opened  time.Time
	ctx     streamContext
	cancel  context.CancelCauseFunc
	closing atomic.Pointer[closing] // set once, by the first stop

	obs streamObs // what Snapshot reads, without the locks

	mu        sync.Mutex // held for every write to t
	t         Transport
	ended     bool
	broken    bool         // a write failed: the client is gone
	tail      tail         // where the bytes written so far stop
	unflushed bool         // written since the last flush
	lastFlush atomic.Int64 // when bytes last reached the client, on the scheduler's clock

	// Guarded by gate.sched.mu.
	beatAt, lifeAt int64 // next heartbeat and end of life; 0: none
	slot           int32 // place in the scheduler's heap, plus one; 0: none

	// Guarded by the lock of registry, the gate's shard of the stream's key.
	// (A Stream fills its 256-byte size class: a field more takes it to
	// the next, 288 bytes, for every held stream; see TestStreamSize.)
	registry              *registryShard
	prev, next, nextOfKey *Stream
	released              chan struct{} // made by an evictor, closed once the slot is released
}

type closing struct {
	reason Reason
	retry  time.Duration
}

// tail tracks the framing state of what was written, so that heartbeats
// and the close frame never split a line or join an event.
type tail uint8

const (
	atEvent tail = iota // nothing written, or the last event is complete
	atLine              // inside an event, at the start of a line
	inLine              // inside a line
)

func (t tail) after(p []byte) tail {
	switch n := len(p); {
	case n == 0:
		return t
	case p[n-1] != '\n':
		return inLine
	case n >= 2 && p[n-2] == '\n', n == 1 && t != inLine:
		return atEvent
	}
	return atLine
}

var heartbeatLine = []byte(": heartbeat\n")

func (g *Gate) newStream(parent context.Context, key string) *Stream {
	s := &Stream{gate: g, key: key, opened: time.Now()}
	ctx, cancel := context.WithCancelCause(parent)
	s.ctx, s.cancel = streamContext{ctx, s}, cancel
	return s
}

// Context ends when the client disconnects, a write fails, or the server
// ends the stream (drain, eviction, max lifetime, lease loss);
// context.Cause then says which.
func (s *Stream) Context() context.Context { return &s.ctx }

// Key is the stream's limiter key in DisplayKey form.
func (s *Stream) Key() string { return DisplayKey(s.key) }

// Start begins streaming on t: it flushes what was written so far (the
// response headers), starts the heartbeat and, if configured, the lifetime.
func (s *Stream) Start(t Transport) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended || s.t != nil {
		return
	}
	s.t = t
	s.boundUnacknowledged()
	s.emitLocked(nil, true)
	now := monoNow()
	s.lastFlush.Store(now)
	cfg := &s.gate.cfg
	var lifeAt int64
	if cfg.maxLifetime > 0 {
		d := cfg.maxLifetime
		if cfg.lifetimeJitter > 0 {
			d += rand.N(cfg.lifetimeJitter)
		}
		lifeAt = now + int64(d)
	}
	s.gate.sched.schedule(s, now+int64(cfg.heartbeat), lifeAt)
}

// Send writes ev and flushes it.
func (s *Stream) Send(ev Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := getFrame()
	b, err := ev.AppendTo(*f)
	if err == nil {
		_, err = s.emitLocked(b, true)
	}
	putFrame(f, b)
	return err
}

// Framing buffers are shared by every stream: a stream holds one only while
// it writes, so a held stream costs none.
var frames = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledFrame is the largest framing buffer kept for reuse: one large
// event must not pin its size.
const maxPooledFrame = 4 << 10

func getFrame() *[]byte { return frames.Get().(*[]byte) }

// putFrame gives f back, holding b, the buffer last framed in it; it
// reports whether the buffer is kept for reuse.
func putFrame(f *[]byte, b []byte) bool {
	if cap(b) > maxPooledFrame {
		b = nil
	}
	*f = b[:0]
	frames.Put(f)
	return b != nil
}

// Comment writes text as comment lines, which clients ignore, and flushes.
func (s *Stream) Comment(text string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := getFrame()
	b := appendComment(*f, text)
	_, err := s.emitLocked(b, true)
	putFrame(f, b)
	return err
}

// Write writes raw bytes, for handlers that frame events themselves. It
// does not flush.
func (s *Stream) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.emitLocked(p, false)
}

// Flush sends what was written to the client.
func (s *Stream) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.emitLocked(nil, true)
	return err
}
