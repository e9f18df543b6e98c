package sselimitredis

import (
	"sync"
	"time"
)

type breakerConfig struct {
	failures int
	cooldown time.Duration
}

// breaker stops calls to a Redis that keeps failing. Open, it refuses every
// call until its cooldown ends, then lets a single call through as a probe:
// success closes it, failure opens it for another cooldown.
type breaker struct {
	cfg      breakerConfig
	mu       sync.Mutex
	failed   int       // consecutive failures
	openTill time.Time // zero when closed
}

// allow reports whether a call may go to Redis now.
func (b *breaker) allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.openTill.IsZero() {
		return true
	}
	now := time.Now()
	if now.Before(b.openTill) {
		return false
	}
	b.openTill = now.Add(b.cfg.cooldown) // this call is the probe
	return true
}

// done records a call's outcome.
func (b *breaker) done(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err == nil {
		b.failed, b.openTill = 0, time.Time{}
		return
	}
	b.failed++
	if b.failed >= b.cfg.failures {
		b.openTill = time.Now().Add(b.cfg.cooldown)
	}
}
