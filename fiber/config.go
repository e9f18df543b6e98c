package sselimitfiber

import (
	"net/http"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/gofiber/fiber/v2"
	sselimit "github.com/sselimit/sselimit/core"
)

// Config defines the config for the middleware. Every field is optional.
type Config struct {
	// Next defines a function to skip this middleware when returned true:
	// the request goes on unlimited, and Stream refuses it with
	// ErrNotAdmitted.
	//
	// Optional. Default: nil
	Next func(c *fiber.Ctx) bool

	// Gate admits, runs and drains the streams; its options (caps through
	// its limiter, heartbeat, write timeout, Retry-After, soft refusal,
	// evict-oldest, maximum lifetime, dry run, fail-open, empty-key
	// policy, hooks) apply as they do on every other adapter. Drain it on
	// shutdown.
	//
	// Optional. Default: DefaultGate()
	Gate *sselimit.Gate

	// KeyGenerator returns the user key a request is limited by, for
	// example with KeyFromLocals. "" means the request carries no
	// identity: the gate's empty-key policy answers it (401, or the client
	// address with sselimit.FallbackToIP). The middleware copies the key,
	// since Fiber reuses its strings once the handler returns and the
	// stream outlives the handler.
	//
	// Optional. Default: nil, the client address as c.IP() resolves it
	// (see the README's "Behind a proxy"), in the gate's address
	// namespace, apart from user keys.
	KeyGenerator func(*fiber.Ctx) string

	// UserCap returns the request's per-user cap, for example from the
	// plan an auth middleware stored with c.Locals: > 0 that many streams
	// for the request's key, 0 the limiter's own per-user cap,
	// sselimit.NoUserCap none. The global cap holds whatever it returns. A
	// cap applies from the key's next admission: streams already open stay
	// open when it changes. A limiter that takes no cap with an admission
	// (neither a sselimit.CapLimiter nor a sselimit.LeaseLimiter) refuses a
	// request whose cap is not 0 as a limiter failure (503).
	//
	// Optional. Default: nil, 0 for every request
	UserCap func(*fiber.Ctx) int

	// LimitReached answers refusals by a cap (429 for the user's, 503 for
	// the global one) and while the gate drains (503). Refusal(c) gives
	// the refusal: its Status, Reason and Retry-After.
	//
	// Optional. Default: sets Retry-After and returns a *fiber.Error with
	// the refusal's status and message, which the app's ErrorHandler
	// answers (one error per reason, shared as fiber.ErrServiceUnavailable
	// is: read it, do not change it); a soft refusal is answered 200
	// text/event-stream with a close frame instead.
	LimitReached fiber.Handler

	// ErrorHandler answers refusals for a missing identity (401), a
	// malformed one (400: over 256 bytes, not UTF-8, or holding control
	// characters) and a limiter failure (503). err is the
	// *sselimit.Refusal, also given by Refusal(c).
	//
	// Optional. Default: the same answer as LimitReached's.
	ErrorHandler fiber.ErrorHandler
}

// ConfigDefault is the default config: every request is limited by its
// client address through DefaultGate, and refusals are answered with
// Retry-After and a *fiber.Error for the app's ErrorHandler.
var ConfigDefault = Config{
	LimitReached: func(c *fiber.Ctx) error { return answer(c, Refusal(c)) },
	ErrorHandler: func(c *fiber.Ctx, err error) error {
		r, ok := err.(*sselimit.Refusal)
		if !ok {
			r = Refusal(c)
		}
		return answer(c, r)
	},
}

// DefaultGate returns the gate of every middleware made without one: 1000
// streams in all and 5 per client, with the core's default options. It is
// made on first use and shared by the whole process; drain it on
// shutdown, as any other gate.
func DefaultGate() *sselimit.Gate { return defaultGate() }

var defaultGate = sync.OnceValue(func() *sselimit.Gate {
	g, err := sselimit.NewGate(sselimit.NewSSELimiter(1000, 5))
	if err != nil {
		panic(err) // unreachable: the default options are valid
	}
	return g
})

func configDefault(config ...Config) Config {
	if len(config) == 0 {
		config = []Config{ConfigDefault}
	}
	cfg := config[0]
	if cfg.Gate == nil {
		cfg.Gate = DefaultGate()
	}
	if cfg.LimitReached == nil {
		cfg.LimitReached = ConfigDefault.LimitReached
	}
	if cfg.ErrorHandler == nil {
		cfg.ErrorHandler = ConfigDefault.ErrorHandler
	}
	return cfg
}

// refusalKey is the c.Locals key of a refused request's refusal.
type refusalKey struct{}

// Refusal returns the refusal the middleware is answering for c's
// request, for LimitReached and ErrorHandler; nil otherwise.
func Refusal(c *fiber.Ctx) *sselimit.Refusal {
	r, _ := c.Locals(refusalKey{}).(*sselimit.Refusal)
	return r
}

// answer is the default answer to a refusal r.
func answer(c *fiber.Ctx, r *sselimit.Refusal) error {
	if r == nil {
		return fiber.ErrInternalServerError
	}
	if v := r.RetryAfterHeader(); v != "" {
		// The name is in its canonical form already.
		c.Response().Header.SetCanonical(retryAfter, []byte(v))
	}
	if r.Soft {
		setStreamHeaders(c)
		return c.Status(fiber.StatusOK).Send(r.SoftBody())
	}
	return refusalError(r)
}

var retryAfter = []byte(fiber.HeaderRetryAfter)

// refusalReasons are the reasons of the refusals the gate makes.
var refusalReasons = sselimit.RefusalReasons()

// refusalErrors holds the error answering each reason's refusal, made at
// its first refusal and shared, as Fiber's own fiber.ErrServiceUnavailable
// is: an ErrorHandler reads it and must not change it.
var refusalErrors = make([]atomic.Pointer[fiber.Error], len(refusalReasons))

// refusalError is the *fiber.Error answering r.
func refusalError(r *sselimit.Refusal) *fiber.Error {
	for i, reason := range refusalReasons {
		if reason != r.Reason {
			continue
		}
		if e := refusalErrors[i].Load(); e != nil && e.Code == r.Status {
			return e
		}
		e := fiber.NewError(r.Status, r.Message())
		refusalErrors[i].Store(e)
		return e
	}
	return fiber.NewError(r.Status, r.Message())
}

type header struct{ name, value string }

// streamHeaders are the core's event-stream headers, taken once from
// sselimit.SetStreamHeaders so the list lives in one place.
var streamHeaders = func() []header {
	h := make(http.Header)
	sselimit.SetStreamHeaders(h)
	var hs []header
	for name := range h {
		hs = append(hs, header{name, h.Get(name)})
	}
	sort.Slice(hs, func(i, j int) bool { return hs[i].name < hs[j].name })
	return hs
}()

func setStreamHeaders(c *fiber.Ctx) {
	for _, h := range streamHeaders {
		c.Set(h.name, h.value)
	}
}
