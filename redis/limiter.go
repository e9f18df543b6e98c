package sselimitredis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	sselimit "github.com/sselimit/sselimit/core"
)

// ErrUnavailable is the cause of an admission refused because Redis could
// not be reached (or the circuit breaker is open) and no fallback is set.
// The gate answers it as a limiter failure: 503, or an admission without a
// slot under sselimit.WithFailOpen.
var ErrUnavailable = errors.New("sselimitredis: redis unavailable")

var errBreakerOpen = errors.New("circuit breaker open")

// ErrClosed is returned by admissions after Close.
var ErrClosed = errors.New("sselimitredis: limiter closed")

// Limiter caps concurrent streams across every replica sharing a Redis.
// It implements sselimit.LeaseLimiter; build a gate on it with
// sselimit.NewGate. Its methods are safe for concurrent use.
type Limiter struct {
	rdb                  redis.UniversalClient
	cfg                  config
	maxTotal, maxPerUser int
	all                  string // the key of the limiter's set of leases
	prefix               string // the keys of users' sets, before the key's hex
	brk                  breaker

	renewing sync.RWMutex // held by a renewal round; releases wait for it
	mu       sync.Mutex
	leases   map[*lease]struct{}
	pending  []*lease // released while Redis was unreachable
	closed   bool
	releases releaser

	// Set by a failed call: a cluster client may be routing to a master
	// that is gone, so the renewal goroutine asks it to reload the topology.
	topologyStale atomic.Bool

	stop chan struct{}
	done chan struct{}
}

// New returns a limiter of at most maxTotal streams, and maxPerUser per
// user, counted in Redis through client; a cap ≤ 0 disables it. Bad
// options are an error. It starts the goroutine that renews the leases:
// call Close when done.
func New(client redis.UniversalClient, maxTotal, maxPerUser int, opts ...Option) (*Limiter, error) {
	if client == nil {
		return nil, errors.New("sselimitredis: New needs a client, got nil")
	}
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	tag := "{sselimit:" + cfg.name + "}"
	l := &Limiter{
		rdb: client, cfg: cfg, maxTotal: max(maxTotal, 0), maxPerUser: max(maxPerUser, 0),
		all: tag + ":leases", prefix: tag + ":user:",
		brk:    breaker{cfg: cfg.breaker},
		leases: make(map[*lease]struct{}),
		stop:   make(chan struct{}), done: make(chan struct{}),
	}
	go l.renewLoop()
	return l, nil
}

// userKey is the key of key's set of leases. Hex keeps any bytes of key
// from reaching outside the limiter's hash tag or its users' namespace.
func (l *Limiter) userKey(key string) string { return l.prefix + hex.EncodeToString([]byte(key)) }

// Acquire takes a slot for key under the limiter's own per-user cap. A
// slot taken this way cannot be reported lost; gates use AcquireLease.
func (l *Limiter) Acquire(key string) (func(), error) {
	return l.AcquireLease(context.Background(), key, 0, nil)
}

// AcquireLease takes a slot for key in one call to Redis, with maxPerUser
// as in sselimit.CapLimiter. It reports a full cap with
// sselimit.ErrTooManyConnectionsForUser or sselimit.ErrTooManyConnections;
// any other error means Redis could not decide. lost, when not nil, is
// called at most once if the lease cannot be kept.
func (l *Limiter) AcquireLease(ctx context.Context, key string, maxPerUser int, lost func()) (func(), error) {
	userCap := l.maxPerUser
	if maxPerUser != 0 {
		userCap = max(maxPerUser, 0)
	}
	le := &lease{user: l.userKey(key), lost: lost, cap: userCap}
	le.id = newID()
	le.member = le.id + le.user[len(l.prefix):]
	if l.isClosed() {
		return nil, ErrClosed
	}
	start := time.Now()
	res, err := l.call(ctx, l.cfg.timeout, func(ctx context.Context) (any, error) {
		return acquireScript.Run(ctx, l.rdb, []string{l.all, le.user},
			le.id, le.member, l.cfg.ttl.Milliseconds(), l.maxTotal, userCap).Result()
	})
	if err != nil {
		return l.fallback(key, maxPerUser, err)
	}
	switch res {
	case int64(0):
	case int64(1):
		return nil, sselimit.ErrTooManyConnectionsForUser
	case int64(2):
		return nil, sselimit.ErrTooManyConnections
	default:
		return nil, fmt.Errorf("%w: unexpected script reply %v", ErrUnavailable, res)
	}
	le.confirmed = start
	l.mu.Lock()
	closed := l.closed
	if !closed {
		l.leases[le] = struct{}{}
	}
	l.mu.Unlock()
	if closed { // Close ran meanwhile and could not see this lease
		l.release(le)
		return nil, ErrClosed
	}
	return func() { l.release(le) }, nil
}

// fallback admits through the fallback limiter, if any, after err.
func (l *Limiter) fallback(key string, maxPerUser int, err error) (func(), error) {
	fb := l.cfg.fallback
	switch c, ok := fb.(sselimit.CapLimiter); {
	case fb == nil:
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	case maxPerUser == 0:
		return fb.Acquire(key)
	case ok:
		return c.AcquireCap(key, maxPerUser)
	}
	return nil, fmt.Errorf("%w: %w (the fallback takes no per-user cap)", ErrUnavailable, err)
}

// call runs f under the breaker, bounded by timeout.
func (l *Limiter) call(ctx context.Context, timeout time.Duration, f func(context.Context) (any, error)) (any, error) {
	if !l.brk.allow() {
		return nil, errBreakerOpen
	}
	callCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err := f(callCtx)
	if err == nil || ctx.Err() == nil { // a caller giving up says nothing of Redis
		l.brk.done(err)
		if err != nil {
			l.topologyStale.Store(true)
		}
	}
	return res, err
}

func (l *Limiter) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}

// idLen is the length of a lease id.
const idLen = 32

// newID returns a random lease id of idLen hex digits.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
