package sselimit

import (
	"errors"
	"fmt"
	"time"
)

// An Option configures a Gate.
type Option func(*config)

type config struct {
	heartbeat      time.Duration
	writeTimeout   time.Duration
	retryAfter     time.Duration
	retryJitter    time.Duration
	drainWindow    time.Duration
	maxLifetime    time.Duration
	lifetimeJitter time.Duration
	soft           bool
	evict          bool
	dryRun         bool
	failOpen       bool
	emptyKey       EmptyKeyPolicy
	hooks          Hooks
	log            logConfig
}

// Defaults of a Gate's options.
const (
	DefaultHeartbeat    = 15 * time.Second
	DefaultWriteTimeout = 10 * time.Second
	DefaultRetryAfter   = 2 * time.Second
	DefaultRetryJitter  = 3 * time.Second
	DefaultDrainWindow  = 10 * time.Second
)

func defaultConfig() config {
	return config{
		heartbeat:    DefaultHeartbeat,
		writeTimeout: DefaultWriteTimeout,
		retryAfter:   DefaultRetryAfter,
		retryJitter:  DefaultRetryJitter,
		drainWindow:  DefaultDrainWindow,
	}
}

// WithHeartbeat sets how long a stream may stay silent before the gate
// writes a comment line to it (default 15s): the comment follows the last
// write by one interval, so a proxy in front whose read timeout is longer
// keeps the stream open, and its write is how a gone client is found.
func WithHeartbeat(d time.Duration) Option { return func(c *config) { c.heartbeat = d } }

// WithWriteTimeout bounds every write to a client (default 10s): a client
// that stops reading is found and released once a write blocks that long.
func WithWriteTimeout(d time.Duration) Option { return func(c *config) { c.writeTimeout = d } }

// WithRetryAfter sets the delay refusals and close frames advise: whole
// seconds drawn uniformly from base to base+jitter, each rounded up to a
// whole second (default 2s+3s: 2, 3, 4 or 5 seconds).
func WithRetryAfter(base, jitter time.Duration) Option {
	return func(c *config) { c.retryAfter, c.retryJitter = base, jitter }
}

// WithDrainWindow sets the window over which Drain spreads the retry delays
// of the close frames, so clients do not reconnect in one burst (default 10s).
func WithDrainWindow(d time.Duration) Option { return func(c *config) { c.drainWindow = d } }

// WithMaxLifetime ends every stream after d plus a random part of jitter,
// with reason "max_lifetime", so long-lived clients rebalance across
// replicas. Zero, the default, means no limit.
func WithMaxLifetime(d, jitter time.Duration) Option {
	return func(c *config) { c.maxLifetime, c.lifetimeJitter = d, jitter }
}

// WithSoftRefusal answers cap refusals with 200 text/event-stream and a
// close frame (reason "limit") instead of 429/503, so a browser's
// EventSource retries by itself; a 429 or 503 makes it give up for good.
func WithSoftRefusal() Option { return func(c *config) { c.soft = true } }

// WithEvictOldest admits a user over their cap by ending their oldest
// stream on this gate with reason "replaced", waiting (up to the write
// timeout) for its slot. When the global cap is full too, another user's
// request may take the freed slot first: the new stream is then refused
// with 503 although the old one was ended.
func WithEvictOldest() Option { return func(c *config) { c.evict = true } }

// WithDryRun admits every request and counts, in Stats.WouldRefuse, those
// a cap would have refused: for rolling out limits safely.
func WithDryRun() Option { return func(c *config) { c.dryRun = true } }

// WithFailOpen admits requests without a slot when the limiter fails (for
// example a network backend); the default, fail-closed, refuses them with 503.
func WithFailOpen() Option { return func(c *config) { c.failOpen = true } }

// WithEmptyKey sets what happens when a key function returns "" (default
// RefuseEmptyKey: 401).
func WithEmptyKey(p EmptyKeyPolicy) Option { return func(c *config) { c.emptyKey = p } }

// WithHooks sets callbacks for admissions, refusals and releases.
func WithHooks(h Hooks) Option { return func(c *config) { c.hooks = h } }

// Hooks observe a gate. They run on the request's or stream's goroutine and
// must be quick. Keys are in DisplayKey form.
type Hooks struct {
	OnAdmit   func(key string)
	OnRefuse  func(key string, reason Reason)
	OnRelease func(key string, open time.Duration)
}

func (c *config) validate() error {
	var errs []error
	positive := func(name string, d time.Duration) {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive, got %v", name, d))
		}
	}
	notNegative := func(name string, d time.Duration) {
		if d < 0 {
			errs = append(errs, fmt.Errorf("%s must not be negative, got %v", name, d))
		}
	}
	positive("heartbeat", c.heartbeat)
	positive("write timeout", c.writeTimeout)
	positive("retry-after base", c.retryAfter)
	notNegative("retry-after jitter", c.retryJitter)
	positive("drain window", c.drainWindow)
	notNegative("max lifetime", c.maxLifetime)
	notNegative("max lifetime jitter", c.lifetimeJitter)
	if c.emptyKey != RefuseEmptyKey && c.emptyKey != FallbackToIP {
		errs = append(errs, fmt.Errorf("unknown empty-key policy %d", c.emptyKey))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sselimit: bad gate options: %w", err)
	}
	return nil
}
