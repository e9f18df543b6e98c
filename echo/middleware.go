package sselimitecho

import (
	"errors"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	sselimit "github.com/sselimit/sselimit/core"
)

// Config configures MiddlewareWithConfig. Only Gate is required.
type Config struct {
	// Skipper passes the requests for which it returns true straight to the
	// next handler, unlimited. Default: middleware.DefaultSkipper.
	Skipper middleware.Skipper

	// BeforeFunc runs before the identity is extracted, on requests that
	// are not skipped.
	BeforeFunc middleware.BeforeFunc

	// Gate admits, runs and drains the streams. Required.
	Gate *sselimit.Gate

	// IdentifierExtractor returns the key a request is limited by (for
	// example a user ID an auth middleware stored, see FromContext).
	// Returning "" says the request has no identity: the gate's empty-key
	// policy answers it (401, or the client address with
	// sselimit.FallbackToIP). Returning an error says its identity is bad
	// (a token that does not parse, say): ErrorHandler answers it, with
	// 403 by default, as Echo's RateLimiter does. Default (nil): the
	// client address, in the gate's address namespace.
	IdentifierExtractor middleware.Extractor

	// UserCap returns the request's per-user cap, for example from the
	// plan an auth middleware stored with c.Set: > 0 that many streams for
	// the request's key, 0 the limiter's own per-user cap,
	// sselimit.NoUserCap none. The global cap holds whatever it returns. A
	// cap applies from the key's next admission: streams already open stay
	// open when it changes. A limiter that takes no cap with an admission
	// (neither a sselimit.CapLimiter nor a sselimit.LeaseLimiter) refuses a
	// request whose cap is not 0 as a limiter failure (503). Default (nil):
	// 0 for every request.
	UserCap func(c echo.Context) int

	// ErrorHandler answers refusals for an identity: an extractor error
	// (403 by default: middleware.ErrExtractorError), no identity (401),
	// a key the gate refuses (400: over 256 bytes, not UTF-8, or holding
	// control characters); and limiter failures (503). err is a
	// *sselimit.Refusal (errors.As), which wraps the extractor's error
	// when there was one. Its result is the middleware's result. Default:
	// Retry-After where the refusal has one, then an *echo.HTTPError with
	// the status above, which Echo's HTTPErrorHandler renders (shared as
	// DenyHandler's is).
	ErrorHandler func(c echo.Context, err error) error

	// DenyHandler answers refusals by a cap (429 for the user's, 503 for
	// the global one) and while the gate drains (503). identifier is what
	// the request is limited by: the extractor's key, or the client
	// address. err is a *sselimit.Refusal. Its result is the middleware's
	// result. Default: set Retry-After and return an *echo.HTTPError with
	// the refusal's status and message, which Echo's HTTPErrorHandler
	// renders (requests refused alike share one, as they share the
	// refusal: read it, do not change it); a soft refusal is answered 200
	// with a close frame instead.
	DenyHandler func(c echo.Context, identifier string, err error) error
}

// DefaultConfig is the configuration Middleware uses, with its Gate set.
var DefaultConfig = Config{Skipper: middleware.DefaultSkipper}

// Middleware limits the streams of the routes it wraps through gate, with
// DefaultConfig.
func Middleware(gate *sselimit.Gate) echo.MiddlewareFunc {
	config := DefaultConfig
	config.Gate = gate
	return MiddlewareWithConfig(config)
}

// MiddlewareWithConfig limits the streams of the routes it wraps. It panics
// without config.Gate.
//
// An admitted request reaches the next handler with a committed 200
// text/event-stream response and a request whose context ends with the
// stream: on client disconnect, a failed or timed-out write, drain,
// eviction, maximum lifetime or lease loss. The handler sends through
// Stream(c), or writes c.Response() and calls c.Response().Flush() itself;
// both go through the stream, which serialises them with heartbeats and
// the close frame. The slot is released when the handler returns or
// panics; c's writer and request are restored then.
func MiddlewareWithConfig(config Config) echo.MiddlewareFunc {
	if config.Gate == nil {
		panic("sselimitecho: Config.Gate is required: make one with sselimit.NewGate")
	}
	if config.Skipper == nil {
		config.Skipper = middleware.DefaultSkipper
	}
	if config.ErrorHandler == nil {
		config.ErrorHandler = respondRefusal
	}
	if config.DenyHandler == nil {
		config.DenyHandler = denyRefusal
	}
	m := (*gateMiddleware)(&config)
	// Echo applies middleware on every request: the closure holds only
	// two pointers, so that costs one small allocation.
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error { return m.handle(c, next) }
	}
}

// gateMiddleware is a Config with its defaults filled in.
type gateMiddleware Config

func (m *gateMiddleware) handle(c echo.Context, next echo.HandlerFunc) error {
	// Mounted twice (on a group and on a route), only the outer instance
	// admits: the stream is counted once.
	if Stream(c) != nil || m.Skipper(c) {
		return next(c)
	}
	if m.BeforeFunc != nil {
		m.BeforeFunc(c)
	}
	id := sselimit.Identity{IP: clientIP(c), ByIP: m.IdentifierExtractor == nil, Route: c.Path()}
	if !id.ByIP {
		id.Key, id.KeyErr = m.IdentifierExtractor(c)
	}
	if m.UserCap != nil {
		id.UserCap = m.UserCap(c)
	}
	s, refusal := m.Gate.Admit(c.Request().Context(), id)
	if refusal == nil {
		return serveStream(c, s, next)
	}
	if refusal.Denied() {
		identifier := id.Key
		if id.ByIP || identifier == "" {
			identifier = id.IP
		}
		return m.DenyHandler(c, identifier, refusal)
	}
	return m.ErrorHandler(c, refusal)
}

// serveStream runs next on the admitted stream s and ends s when next
// returns or panics.
//
// The response is committed through c.Response(), so Response.Committed is
// set and Echo's HTTPErrorHandler writes nothing after a handler error. The
// transport writes to the writer as it was before it is replaced, and its
// controller flushes the raw writer: Response.Flush swallows flush errors.
func serveStream(c echo.Context, s *sselimit.Stream, next echo.HandlerFunc) error {
	res, req := c.Response(), c.Request()
	w := res.Writer
	defer func() {
		s.End()
		// Echo pools contexts: whoever runs after this middleware sees
		// the writer and request it had before.
		res.Writer = w
		c.SetRequest(req)
	}()
	sselimit.SetStreamHeaders(res.Header())
	sselimit.CloseWithStream(req, res.Header())
	res.WriteHeader(http.StatusOK)
	s.Start(&sselimit.ResponseTransport{W: w, RC: http.NewResponseController(w)})
	res.Writer = s.ResponseWriter(w)
	c.SetRequest(req.WithContext(s.Context()))
	return next(c)
}

// respondRefusal is the default of both handlers: Retry-After, then an
// *echo.HTTPError carrying the refusal's status and client-safe message
// (the refusal itself is its Internal error, for logs), or for a soft
// refusal a 200 event stream holding a close frame.
func respondRefusal(c echo.Context, err error) error {
	r, ok := err.(*sselimit.Refusal) // what the middleware passes
	if !ok {
		return err
	}
	r.SetHeaders(c.Response().Header())
	if r.Soft {
		return c.Blob(http.StatusOK, "text/event-stream", r.SoftBody())
	}
	if r.Reason == sselimit.RefusedNoIdentity && !errors.Is(r.Err, sselimit.ErrNoIdentity) {
		// The extractor failed: Echo's RateLimiter answers 403.
		return &echo.HTTPError{Code: middleware.ErrExtractorError.Code, Message: middleware.ErrExtractorError.Message, Internal: r}
	}
	return refusalError(r)
}

// refusalReasons are the reasons refusalError knows, in the order of its
// tables.
var refusalReasons = sselimit.RefusalReasons()

// messages holds each reason's Message as an interface value, made once:
// converting the string on every refusal would allocate.
var messages = func() []any {
	m := make([]any, len(refusalReasons))
	for i, reason := range refusalReasons {
		m[i] = (&sselimit.Refusal{Reason: reason}).Message()
	}
	return m
}()

// refusalErrors holds, by reason and Retry-After in seconds, the error
// answering the latest refusal of its kind. The gate shares the refusals
// of a kind, so their error is made once and shared too, as Echo shares
// its own echo.ErrNotFound: an HTTPErrorHandler reads it and must not
// change it.
var refusalErrors = make([][64]atomic.Pointer[echo.HTTPError], len(refusalReasons))

// refusalError is the *echo.HTTPError answering r.
func refusalError(r *sselimit.Refusal) *echo.HTTPError {
	secs := (r.RetryAfter + time.Second - 1) / time.Second
	for i, reason := range refusalReasons {
		if reason != r.Reason || secs < 0 || secs >= 64 {
			continue
		}
		slot := &refusalErrors[i][secs]
		if e := slot.Load(); e != nil && e.Internal == error(r) {
			return e
		}
		e := &echo.HTTPError{Code: r.Status, Message: messages[i], Internal: r}
		slot.Store(e)
		return e
	}
	return &echo.HTTPError{Code: r.Status, Message: r.Message(), Internal: r}
}

func denyRefusal(c echo.Context, _ string, err error) error { return respondRefusal(c, err) }

// Stream returns the stream the middleware admitted for c's request, or nil
// when the middleware did not run or skipped it.
func Stream(c echo.Context) *sselimit.Stream {
	return sselimit.StreamFromContext(c.Request().Context())
}
