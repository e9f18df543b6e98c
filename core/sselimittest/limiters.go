package sselimittest

import (
	"context"
	"errors"
	"sync"

	sselimit "github.com/sselimit/sselimit/core"
)

// leaseLimiter is an SSELimiter whose slots the test can take back, as a
// network backend's expiring lease would.
type leaseLimiter struct {
	*sselimit.SSELimiter
	mu   sync.Mutex
	lost map[string][]func()
}

func (l *leaseLimiter) AcquireLease(_ context.Context, key string, maxPerUser int, lost func()) (func(), error) {
	release, err := l.AcquireCap(key, maxPerUser)
	if err == nil {
		l.mu.Lock()
		l.lost[key] = append(l.lost[key], lost)
		l.mu.Unlock()
	}
	return release, err
}

// revoke takes back every slot of key.
func (l *leaseLimiter) revoke(key string) int {
	l.mu.Lock()
	fs := l.lost[key]
	delete(l.lost, key)
	l.mu.Unlock()
	for _, f := range fs {
		f()
	}
	return len(fs)
}

// failingLimiter is a backend that cannot be reached.
type failingLimiter struct{}

var errBackend = errors.New("dial tcp 10.0.0.1:6379: connection refused")

func (failingLimiter) Acquire(string) (func(), error) { return nil, errBackend }
