package sselimitredis

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// A lease is one admitted stream's slot in Redis.
type lease struct {
	id, member string // its member of the user's set and of the limiter's
	user       string // the user's set
	cap        int    // the user's cap it was admitted under (0: none)
	lost       func()

	// Guarded by the limiter's mu.
	confirmed time.Time // when the last call that kept it live was sent
	gone      bool      // released or lost: nothing more to do
}

// release gives le's slot back, at most once, and returns once Redis has
// it (or the call failed: the renewal goroutine then retries until the
// lease would have expired anyway). Releases that arrive while another is
// in flight go together in the next call.
func (l *Limiter) release(le *lease) {
	l.mu.Lock()
	if le.gone {
		l.mu.Unlock()
		return
	}
	le.gone = true
	delete(l.leases, le)
	l.mu.Unlock()

	r := &l.releases
	r.mu.Lock()
	if r.next == nil {
		r.next = &releaseBatch{done: make(chan struct{}), lead: make(chan struct{}, 1)}
	}
	b := r.next
	b.leases = append(b.leases, le)
	if !r.busy {
		r.busy, r.next = true, nil
		r.mu.Unlock()
		l.flushReleases(b)
		return
	}
	r.mu.Unlock()
	select {
	case <-b.done:
	case <-b.lead: // the batch in flight is done: this caller sends this one
		l.flushReleases(b)
	}
}

// releaser groups releases: one batch in flight, the next one filling.
type releaser struct {
	mu   sync.Mutex
	busy bool          // a batch is in flight
	next *releaseBatch // the batch filling while one is in flight
}

type releaseBatch struct {
	leases []*lease
	done   chan struct{} // closed once the batch is sent
	lead   chan struct{} // gets one token: its receiver sends the batch
}

// flushReleases removes b's leases, then hands the batch that filled
// meanwhile, if any, to one of its callers.
func (l *Limiter) flushReleases(b *releaseBatch) {
	// A renewal round in flight could put a lease back after its removal.
	l.renewing.RLock()
	err := l.releaseAll(context.Background(), b.leases)
	l.renewing.RUnlock()
	if err != nil {
		l.mu.Lock()
		l.pending = append(l.pending, b.leases...)
		l.mu.Unlock()
	}
	close(b.done)

	r := &l.releases
	r.mu.Lock()
	next := r.next
	r.next, r.busy = nil, next != nil
	r.mu.Unlock()
	if next != nil {
		next.lead <- struct{}{}
	}
}

// Close stops renewing and releases every lease the limiter holds, in one
// round trip; streams still holding one are told they lost it. Admissions
// after Close fail with ErrClosed. Close is idempotent.
func (l *Limiter) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		<-l.done
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	close(l.stop)
	<-l.done

	l.mu.Lock()
	var held []*lease
	for le := range l.leases {
		le.gone = true
		held = append(held, le)
	}
	clear(l.leases)
	held = append(held, l.pending...)
	l.pending = nil
	l.mu.Unlock()
	for _, le := range held {
		if le.lost != nil {
			le.lost()
		}
	}
	return l.releaseAll(context.Background(), held)
}

// releaseAll removes leases in batches, in one pipeline.
func (l *Limiter) releaseAll(ctx context.Context, leases []*lease) error {
	if len(leases) == 0 {
		return nil
	}
	cmds, err := l.pipeline(ctx, l.cfg.timeout, releaseScript, leases, func(b []*lease) ([]string, []any) {
		keys, args := []string{l.all}, make([]any, 0, 2*len(b))
		for _, le := range b {
			keys = append(keys, le.user)
			args = append(args, le.id, le.member)
		}
		return keys, args
	})
	if err != nil {
		return err
	}
	for _, c := range cmds {
		if err := c.Err(); err != nil {
			return err
		}
	}
	return nil
}

// pipeline runs script over leases, l.cfg.batch at a time, all in one
// pipeline: one round trip per Redis node. If Redis lost the script (a
// restart), it is loaded and the whole pipeline runs again: every script
// run this way can run twice.
func (l *Limiter) pipeline(ctx context.Context, timeout time.Duration, script *redis.Script, leases []*lease, build func([]*lease) ([]string, []any)) ([]*redis.Cmd, error) {
	var cmds []*redis.Cmd
	_, err := l.call(ctx, timeout, func(ctx context.Context) (any, error) {
		for attempt := 0; ; attempt++ {
			cmds = cmds[:0]
			p := l.rdb.Pipeline()
			for b := range slices.Chunk(leases, l.cfg.batch) {
				keys, args := build(b)
				cmds = append(cmds, script.EvalSha(ctx, p, keys, args...))
			}
			_, err := p.Exec(ctx)
			if attempt > 0 || !redis.HasErrorPrefix(err, "NOSCRIPT") {
				return nil, err
			}
			if err := script.Load(ctx, l.rdb).Err(); err != nil {
				return nil, err
			}
		}
	})
	return cmds, err
}
