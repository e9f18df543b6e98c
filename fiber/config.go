package sselimitfiber

import (
	"net/http"
	"sort"

	"github.com/gofiber/fiber/v2"
	sselimit "github.com/sselimit/sselimit/core"
)

// Config defines the config for the middleware. Only Gate is required.
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
	// policy, hooks) apply as they do on every other adapter.
	//
	// Required: New panics without it.
	Gate *sselimit.Gate

	// KeyGenerator returns the user key a request is limited by, for
	// example with KeyFromLocals. An error is refused with 401 through
	// ErrorHandler; "" follows the gate's empty-key policy. The middleware
	// copies the key, since Fiber reuses its strings once the handler
	// returns and the stream outlives the handler.
	//
	// Optional. Default: nil, the client address as c.IP() resolves it
	// (Fiber's ProxyHeader and trusted-proxy settings apply), in the
	// gate's address namespace.
	KeyGenerator func(c *fiber.Ctx) (string, error)

	// LimitReached answers refusals by a cap (429 for the user's, 503 for
	// the global one) and while the gate drains (503).
	//
	// Optional. Default: sets Retry-After and returns
	// fiber.NewError(r.Status, r.Message()), which the app's ErrorHandler
	// answers; a soft refusal is answered 200 text/event-stream with
	// r.SoftBody().
	LimitReached func(c *fiber.Ctx, r *sselimit.Refusal) error

	// ErrorHandler answers refusals for a missing identity (401), a bad
	// one (400) and a limiter failure (503).
	//
	// Optional. Default: the same as LimitReached's.
	ErrorHandler func(c *fiber.Ctx, r *sselimit.Refusal) error
}

// ConfigDefault is the default config. It has no Gate, which New requires.
var ConfigDefault = Config{}

func configDefault(config ...Config) Config {
	cfg := ConfigDefault
	if len(config) > 0 {
		cfg = config[0]
	}
	if cfg.Gate == nil {
		panic("sselimitfiber: New needs Config.Gate, a *sselimit.Gate from sselimit.NewGate")
	}
	if cfg.LimitReached == nil {
		cfg.LimitReached = refuse
	}
	if cfg.ErrorHandler == nil {
		cfg.ErrorHandler = refuse
	}
	return cfg
}

// refuse is the default answer to a refusal.
func refuse(c *fiber.Ctx, r *sselimit.Refusal) error {
	if v := r.RetryAfterHeader(); v != "" {
		c.Set(fiber.HeaderRetryAfter, v)
	}
	if r.Soft {
		setStreamHeaders(c)
		return c.Status(fiber.StatusOK).Send(r.SoftBody())
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
