package sselimitfiber

import (
	"context"
	"errors"
	"io"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	sselimit "github.com/sselimit/sselimit/core"
)

// ErrForeignBodyStream is returned by the middleware, as a 500 through the
// app's ErrorHandler, when the handler behind it set a body stream of its
// own (SetBodyStreamWriter, SetBodyStream) instead of calling Stream: such
// a stream would run past the middleware with no heartbeat, no write
// deadline and no drain, so its slot could not be held honestly. The
// handler's stream is closed and the slot released.
var ErrForeignBodyStream = errors.New("sselimitfiber: the handler set its own body stream behind the middleware; stream with sselimitfiber.Stream instead")

// ErrNotAdmitted is returned by Stream for a request that did not pass the
// middleware (or that the middleware's Next skipped).
var ErrNotAdmitted = errors.New("sselimitfiber: Stream called on a request the sselimitfiber middleware did not admit")

// admissionKey is the c.Locals key of an admitted request's body.
type admissionKey struct{}

// New creates a new middleware handler. Called without a config, or with
// a zero Config, it limits every request by its client address through
// DefaultGate; it never panics. It admits the request through the gate or
// answers the refusal, then runs the next handlers; a handler streams by
// calling Stream. A stream outlives the handler on Fiber, so its slot is
// held until fasthttp closes the response's body stream, and released
// there once. When the handler does not call Stream (it returns an error,
// panics, or writes an ordinary body) the slot is released as the
// middleware returns.
func New(config ...Config) fiber.Handler {
	cfg := configDefault(config...)
	defaultLimitReached := len(config) == 0 || config[0].LimitReached == nil
	var proxy proxyHeader
	return func(c *fiber.Ctx) error {
		// Mounted twice (app.Use and a route), only the outer instance
		// admits: the stream is counted once, on the outer body.
		if _, admitted := c.Locals(admissionKey{}).(*body); admitted || (cfg.Next != nil && cfg.Next(c)) {
			return c.Next()
		}
		// The route's path belongs to the app, not to the reused request.
		id := sselimit.Identity{ByIP: cfg.KeyGenerator == nil, Route: c.Route().Path}
		if !id.ByIP {
			id.Key = utils.CopyString(cfg.KeyGenerator(c))
		}
		if id.ByIP || id.Key == "" {
			id.IP = proxy.clientIP(c)
		}
		if cfg.UserCap != nil {
			id.UserCap = cfg.UserCap(c)
		}
		s, refusal := cfg.Gate.Admit(streamParent(c), id)
		if refusal != nil {
			if refusal.Denied() && defaultLimitReached {
				return answer(c, refusal) // what it does, without storing the refusal to find it again
			}
			c.Locals(refusalKey{}, refusal)
			if refusal.Denied() {
				return cfg.LimitReached(c)
			}
			return cfg.ErrorHandler(c, refusal)
		}

		b := &body{s: s}
		c.Locals(admissionKey{}, b)
		handedOver := false
		defer func() {
			if !handedOver {
				s.End()
			}
		}()
		err := c.Next()
		switch stream := c.Response().BodyStream(); {
		case stream == io.Reader(b):
			// fasthttp owns the stream's end now: see body.Close.
			handedOver = true
		case stream != nil:
			c.Response().ResetBody() // closes the handler's stream
			return ErrForeignBodyStream
		}
		return err
	}
}

// streamParent is the parent of a stream's context: the request's user
// context with its values but without its cancellation, since the stream
// outlives the handler (a timeout middleware, for one, cancels the user
// context as the handler returns).
func streamParent(c *fiber.Ctx) context.Context {
	ctx := c.UserContext()
	if ctx.Done() == nil {
		return ctx
	}
	return context.WithoutCancel(ctx)
}

// KeyFromLocals returns a KeyGenerator reading the identity an auth
// middleware stored with c.Locals(key, value): a string, or a
// fmt.Stringer's String (the middleware copies every key it keeps, since
// Fiber reuses its strings once the handler returns). Nothing stored, or
// a value of any other type, gives "": the request carries no identity,
// and the gate's empty-key policy answers it.
func KeyFromLocals(key string) func(c *fiber.Ctx) string {
	return func(c *fiber.Ctx) string {
		k, _ := sselimit.KeyFromValue(c.Locals(key))
		return k
	}
}
