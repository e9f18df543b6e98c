package sselimit

import (
	"sync"
	"time"
)

// epoch is the origin of the streams' clock: instants are nanoseconds
// since it, on the monotonic clock.
var epoch = time.Now()

func monoNow() int64 { return int64(time.Since(epoch)) }

// A scheduler runs the heartbeats and lifetimes of a gate's streams with
// one goroutine and one timer, however many streams are open: a min-heap of
// streams by their next deadline. The goroutine starts with the first
// deadline and exits once no stream has one. Work that may block (a
// heartbeat's write) runs on a goroutine of its own, so one slow client
// delays no other stream.
type scheduler struct {
	mu      sync.Mutex
	heap    []*Stream
	running bool
	armed   int64         // the deadline the goroutine sleeps until
	wake    chan struct{} // the earliest deadline came sooner, or none is left
}

// due is s's next deadline: the earlier of its heartbeat and its end of
// life, 0 for none. The scheduler's lock is held.
func (s *Stream) due() int64 {
	switch {
	case s.beatAt == 0:
		return s.lifeAt
	case s.lifeAt == 0:
		return s.beatAt
	}
	return min(s.beatAt, s.lifeAt)
}

// set gives s the heartbeat and end-of-life deadlines beatAt and lifeAt
// (0: none), updating its place in the heap; the lock is held.
func (q *scheduler) set(s *Stream, beatAt, lifeAt int64) {
	s.beatAt, s.lifeAt = beatAt, lifeAt
	switch {
	case s.slot == 0 && s.due() != 0:
		q.heap = append(q.heap, s)
		s.slot = int32(len(q.heap))
		q.up(len(q.heap) - 1)
	case s.slot != 0 && s.due() == 0:
		q.removeAt(int(s.slot) - 1)
	case s.slot != 0:
		q.fix(int(s.slot) - 1)
	}
}

// schedule gives s its first deadlines.
func (q *scheduler) schedule(s *Stream, beatAt, lifeAt int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.set(s, beatAt, lifeAt)
	q.changed()
}

// setBeat sets s's next heartbeat, keeping its end of life.
func (q *scheduler) setBeat(s *Stream, at int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.set(s, at, s.lifeAt)
	q.changed()
}

// remove drops s's deadlines.
func (q *scheduler) remove(s *Stream) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if s.slot != 0 {
		q.set(s, 0, 0)
		q.changed()
	}
}

// changed makes sure the goroutine meets the heap's earliest deadline, or
// exits when none is left; the lock is held.
func (q *scheduler) changed() {
	switch {
	case len(q.heap) == 0:
		if q.running {
			q.signal()
		}
	case !q.running:
		q.running = true
		if q.wake == nil {
			q.wake = make(chan struct{}, 1)
		}
		go q.run()
	case q.heap[0].due() < q.armed:
		q.signal()
	}
}

func (q *scheduler) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *scheduler) run() {
	var timer *time.Timer
	for {
		q.mu.Lock()
		t := monoNow()
		for len(q.heap) > 0 && q.heap[0].due() <= t {
			q.fire(q.heap[0], t)
		}
		if len(q.heap) == 0 {
			q.running = false
			q.mu.Unlock()
			return
		}
		q.armed = q.heap[0].due()
		q.mu.Unlock()
		wait := time.Duration(q.armed - monoNow())
		if timer == nil {
			timer = time.NewTimer(wait)
		} else {
			timer.Reset(wait)
		}
		select {
		case <-timer.C:
		case <-q.wake:
		}
	}
}

// fire acts on s's deadlines that have come by t; the lock is held. A
// heartbeat is due only if nothing was flushed to the client for a whole
// interval; otherwise it moves to one interval after the last flush.
func (q *scheduler) fire(s *Stream, t int64) {
	beatAt, lifeAt := s.beatAt, s.lifeAt
	if lifeAt != 0 && lifeAt <= t {
		lifeAt = 0
		go s.expire()
	}
	if beatAt != 0 && beatAt <= t {
		beatAt = s.lastFlush.Load() + int64(s.gate.cfg.heartbeat)
		if beatAt <= t {
			beatAt = 0 // until the heartbeat, which reschedules
			go s.heartbeat()
		}
	}
	q.set(s, beatAt, lifeAt)
}
