package sselimitgin

import (
	"net/http"

	"github.com/gin-gonic/gin"
	sselimit "github.com/sselimit/sselimit/core"
)

// An Option configures the middleware New returns.
type Option func(*config)

type config struct {
	skip     func(*gin.Context) bool
	key      func(*gin.Context) (string, error)
	userCap  func(*gin.Context) int
	clientIP func(*gin.Context) string
	deny     func(*gin.Context, *sselimit.Refusal)
	onError  func(*gin.Context, *sselimit.Refusal)
}

// WithSkip passes requests for which skip returns true to the next
// handlers, unlimited and without a stream.
func WithSkip(skip func(c *gin.Context) bool) Option {
	return func(cfg *config) { cfg.skip = skip }
}

// WithKeyFunc limits by the key f returns (a user ID, an API key) instead
// of the client address. An error is refused with 401 through the error
// handler; "" follows the gate's empty-key policy (sselimit.WithEmptyKey).
// nil restores the default, the client address.
func WithKeyFunc(f func(c *gin.Context) (string, error)) Option {
	return func(cfg *config) { cfg.key = f }
}

// WithUserCap sets each request's per-user cap, for example from the
// plan an auth middleware stored with c.Set: > 0 that many streams for the
// request's key, 0 the limiter's own per-user cap, sselimit.NoUserCap
// none. The global cap holds whatever f returns. A cap applies from the
// key's next admission: streams already open stay open when it changes. A
// limiter that takes no cap with an admission (neither a
// sselimit.CapLimiter nor a sselimit.LeaseLimiter) refuses a request whose
// cap is not 0 as a limiter failure (503). nil restores the default, 0.
func WithUserCap(f func(c *gin.Context) int) Option {
	return func(cfg *config) { cfg.userCap = f }
}

// WithClientIP sets how the client address is found, for the default
// identity and the FallbackToIP policy. The default is c.ClientIP() when
// the engine trusts specific proxies (Engine.SetTrustedProxies with a list
// that does not hold every address): Gin then believes the forwarding
// headers of those peers only. Otherwise, and with Gin's default trust in
// every proxy, it is the connection's peer address, since any client can
// write a header. Gin's TrustedPlatform header is believed from every
// peer, so the default cannot tell it from a forged one: behind such a
// platform, pass (*gin.Context).ClientIP here. nil restores the default.
func WithClientIP(f func(c *gin.Context) string) Option {
	return func(cfg *config) { cfg.clientIP = f }
}

// WithDenyHandler answers refusals by a cap or while draining (429 or 503,
// or a soft refusal). The chain is aborted after it returns, whatever it
// does. nil restores the default: Retry-After and what
// c.AbortWithStatusJSON(status, gin.H{"error": r.Message()}) writes (the
// bodies marshalled once, at the first refusal, by Gin's JSON
// codec), or for a soft refusal a 200 event stream holding r.SoftBody().
func WithDenyHandler(f func(c *gin.Context, r *sselimit.Refusal)) Option {
	return func(cfg *config) { cfg.deny = f }
}

// WithErrorHandler answers refusals for a missing or invalid identity (401,
// 400) and limiter failures (503). The chain is aborted after it returns.
// nil restores the default, the same as the deny handler's.
func WithErrorHandler(f func(c *gin.Context, r *sselimit.Refusal)) Option {
	return func(cfg *config) { cfg.onError = f }
}

// KeyFromContext returns a key function reading the identity an earlier
// middleware stored with c.Set(key, v), such as gin.BasicAuth under
// gin.AuthUserKey. A string is the key itself and a fmt.Stringer gives its
// String(); a missing or nil value gives "", which the gate's empty-key
// policy answers; any other type is an error (refused with 401).
func KeyFromContext(key string) func(c *gin.Context) (string, error) {
	return func(c *gin.Context) (string, error) {
		v, _ := c.Get(key)
		return sselimit.KeyFromValue(v)
	}
}

// Stream returns the stream the middleware admitted for c's request, or nil
// outside the middleware (or for a skipped request).
func Stream(c *gin.Context) *sselimit.Stream {
	if c.Request == nil {
		return nil
	}
	return sselimit.StreamFromContext(c.Request.Context())
}

// New returns middleware that admits each request as an event stream
// through gate, or refuses it and aborts the chain. It panics if gate is
// nil, so a bad configuration fails at startup.
//
// The handlers after it run with a committed 200 text/event-stream
// response. They may use Stream(c), c.Stream with c.SSEvent, or write and
// flush c.Writer directly: c.Writer is routed through the stream, whose
// lock, write deadline and framing it shares with heartbeats and the close
// frame. c.Request.Context() and c.Writer.CloseNotify() end with the
// stream: on client disconnect, a failed write, drain, eviction, maximum
// lifetime or lease loss. The slot is released when the handlers return
// or panic (the panic goes on to Gin's recovery).
//
// Mounted more than once on a route (on a group and on the route), only
// the outermost instance admits: the others pass the stream on, so it is
// counted once.
func New(gate *sselimit.Gate, opts ...Option) gin.HandlerFunc {
	if gate == nil {
		panic("sselimitgin: New needs a *sselimit.Gate, got nil")
	}
	var cfg config
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.deny == nil {
		cfg.deny = refuse
	}
	if cfg.onError == nil {
		cfg.onError = refuse
	}
	if cfg.clientIP == nil {
		cfg.clientIP = clientIP
	}
	return func(c *gin.Context) {
		if Stream(c) != nil || (cfg.skip != nil && cfg.skip(c)) {
			c.Next()
			return
		}
		s, r := gate.Admit(c.Request.Context(), cfg.identity(c))
		if r != nil {
			if r.Denied() {
				cfg.deny(c, r)
			} else {
				cfg.onError(c, r)
			}
			c.Abort()
			return
		}
		serve(c, s)
	}
}

func (cfg *config) identity(c *gin.Context) sselimit.Identity {
	id := sselimit.Identity{Route: c.FullPath()}
	if id.Route == "" {
		id.Route = c.Request.URL.Path
	}
	if cfg.key == nil {
		id.ByIP, id.IP = true, cfg.clientIP(c)
	} else if id.Key, id.KeyErr = cfg.key(c); id.KeyErr == nil && id.Key == "" {
		id.IP = cfg.clientIP(c) // only the FallbackToIP policy reads it
	}
	if cfg.userCap != nil {
		id.UserCap = cfg.userCap(c)
	}
	return id
}

// serve runs the rest of the chain as stream s. Gin pools contexts, so
// c.Writer and c.Request are put back before s ends, even on panic.
func serve(c *gin.Context, s *sselimit.Stream) {
	defer s.End()
	w, req := c.Writer, c.Request
	defer func() { c.Writer, c.Request = w, req }()

	sselimit.SetStreamHeaders(w.Header())
	sselimit.CloseWithStream(req, w.Header())
	w.WriteHeader(http.StatusOK)
	w.WriteHeaderNow() // through Gin's writer, so loggers see the 200
	sw := &streamWriter{ResponseWriter: w, s: s}
	sw.t.init(w)
	s.Start(&sw.t)
	c.Writer = sw
	c.Request = req.WithContext(s.Context())
	c.Next()
}
