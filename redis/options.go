package sselimitredis

import (
	"errors"
	"fmt"
	"strings"
	"time"

	sselimit "github.com/sselimit/sselimit/core"
)

// An Option configures a Limiter.
type Option func(*config)

type config struct {
	name     string
	ttl      time.Duration
	renew    time.Duration
	timeout  time.Duration
	batch    int
	fallback sselimit.Limiter
	breaker  breakerConfig
}

func defaultConfig() config {
	return config{
		name:    "default",
		ttl:     15 * time.Second,
		timeout: 500 * time.Millisecond,
		batch:   500,
		breaker: breakerConfig{failures: 3, cooldown: time.Second},
	}
}

// WithName sets the limiter's name (default "default"). Limiters with
// different names share a Redis without sharing a count: one per route,
// say. Replicas that count together use the same name and caps.
func WithName(name string) Option { return func(c *config) { c.name = name } }

// WithLeaseTTL sets how long a lease lives without renewal (default 15s):
// how long the slots of a replica that crashed stay taken.
func WithLeaseTTL(d time.Duration) Option { return func(c *config) { c.ttl = d } }

// WithRenewEvery sets how often a replica renews its leases (default a
// third of the lease TTL). It must be shorter than the TTL.
func WithRenewEvery(d time.Duration) Option { return func(c *config) { c.renew = d } }

// WithTimeout bounds each call to Redis (default 500ms). go-redis applies
// a context's deadline to reads and writes only when the client's
// ContextTimeoutEnabled option is set; otherwise its own ReadTimeout and
// WriteTimeout apply, so set one or the other.
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithBatch sets how many leases one renewal script call carries (default
// 500). All the calls of one renewal go in one pipeline.
func WithBatch(n int) Option { return func(c *config) { c.batch = n } }

// WithFallback admits through lim while Redis cannot be reached, instead
// of refusing: for example sselimit.NewSSELimiter with the caps divided by
// the number of replicas. Streams admitted by the fallback hold its slots,
// not Redis leases. Without a fallback the limiter fails closed, and the
// gate answers 503, unless the gate was built with sselimit.WithFailOpen.
func WithFallback(lim sselimit.Limiter) Option { return func(c *config) { c.fallback = lim } }

// WithBreaker sets the circuit breaker: after failures consecutive failed
// calls (default 3) the limiter stops calling Redis for cooldown (default
// 1s), then lets one call through to probe it.
func WithBreaker(failures int, cooldown time.Duration) Option {
	return func(c *config) { c.breaker = breakerConfig{failures: failures, cooldown: cooldown} }
}

func (c *config) validate() error {
	var errs []error
	if c.name == "" || len(c.name) > 64 || strings.ContainsAny(c.name, "{}") || strings.ContainsFunc(c.name, isControl) {
		errs = append(errs, fmt.Errorf("name %q must be 1 to 64 bytes without braces or control characters", c.name))
	}
	if c.ttl < 10*time.Millisecond {
		errs = append(errs, fmt.Errorf("lease TTL %v must be at least 10ms", c.ttl))
	}
	if c.renew == 0 {
		c.renew = c.ttl / 3
	}
	if c.renew <= 0 || c.renew >= c.ttl {
		errs = append(errs, fmt.Errorf("renewal interval %v must be positive and shorter than the lease TTL %v", c.renew, c.ttl))
	}
	if c.timeout <= 0 || c.timeout >= c.ttl {
		errs = append(errs, fmt.Errorf("timeout %v must be positive and shorter than the lease TTL %v", c.timeout, c.ttl))
	}
	if c.batch < 1 || c.batch > 2000 {
		errs = append(errs, fmt.Errorf("batch %d must be between 1 and 2000", c.batch))
	}
	if c.breaker.failures < 1 || c.breaker.cooldown <= 0 {
		errs = append(errs, fmt.Errorf("breaker needs at least 1 failure and a positive cooldown, got %d and %v", c.breaker.failures, c.breaker.cooldown))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sselimitredis: %w", err)
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }
