package sselimit

import (
	"net"
	"net/http"
	"strings"
)

// A HandlerOption configures Middleware.
type HandlerOption func(*handlerConfig)

type handlerConfig struct {
	skip     func(*http.Request) bool
	key      func(*http.Request) (string, error)
	userCap  func(*http.Request) int
	clientIP func(*http.Request) string
	deny     func(http.ResponseWriter, *http.Request, *Refusal)
	onError  func(http.ResponseWriter, *http.Request, *Refusal)
}

// WithSkip passes requests for which skip returns true straight to the
// next handler, unlimited.
func WithSkip(skip func(*http.Request) bool) HandlerOption {
	return func(c *handlerConfig) { c.skip = skip }
}

// WithKeyFunc limits by the key f returns (for example a user ID that an
// auth middleware put in the request's context) instead of the client
// address. An error or "" is refused with 401 (see WithEmptyKey).
func WithKeyFunc(f func(*http.Request) (string, error)) HandlerOption {
	return func(c *handlerConfig) { c.key = f }
}

// WithUserCap sets each request's per-user cap, for example from the
// plan an auth middleware put in the request's context: > 0 that many
// streams for the request's key, 0 the limiter's own per-user cap,
// NoUserCap none. The global cap holds whatever f returns. A cap applies
// from the key's next admission: streams already open stay open when it
// changes. A limiter that takes no cap with an admission (neither a
// CapLimiter nor a LeaseLimiter) refuses a request whose cap is not 0 as a
// limiter failure (503).
func WithUserCap(f func(*http.Request) int) HandlerOption {
	return func(c *handlerConfig) { c.userCap = f }
}

// WithClientIP sets how the client address is found (default: the host of
// r.RemoteAddr; headers set by clients are never trusted by default).
func WithClientIP(f func(*http.Request) string) HandlerOption {
	return func(c *handlerConfig) { c.clientIP = f }
}

// WithDenyHandler answers refusals by a cap or while draining (default:
// WriteRefusal).
func WithDenyHandler(f func(http.ResponseWriter, *http.Request, *Refusal)) HandlerOption {
	return func(c *handlerConfig) { c.deny = f }
}

// WithErrorHandler answers refusals for a missing or bad identity and
// limiter failures (default: WriteRefusal).
func WithErrorHandler(f func(http.ResponseWriter, *http.Request, *Refusal)) HandlerOption {
	return func(c *handlerConfig) { c.onError = f }
}

func writeRefusal(w http.ResponseWriter, _ *http.Request, r *Refusal) { WriteRefusal(w, r) }

// RemoteIP is the host part of r.RemoteAddr.
func RemoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Middleware limits the streams of the handlers it wraps through g. The
// wrapped handler runs with an already committed 200 text/event-stream
// response; it finds its Stream with StreamFromContext, or writes and
// flushes the ResponseWriter directly. Either way its request's context
// ends with the stream, and the slot is released when it returns or panics.
//
// Serve it with ConnContext as the http.Server's ConnContext, so that a
// client that vanishes without a word frees its slot within about two
// heartbeat intervals plus the write timeout (see ConnContext); streams
// work without it, but such a client then holds its slot until the kernel
// gives up on the connection.
func Middleware(g *Gate, opts ...HandlerOption) func(http.Handler) http.Handler {
	c := handlerConfig{clientIP: RemoteIP, deny: writeRefusal, onError: writeRefusal}
	for _, o := range opts {
		o(&c)
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if c.skip != nil && c.skip(r) {
				next.ServeHTTP(w, r)
				return
			}
			id := Identity{IP: c.clientIP(r), ByIP: c.key == nil, Route: route(r)}
			if !id.ByIP {
				id.Key, id.KeyErr = c.key(r)
			}
			if c.userCap != nil {
				id.UserCap = c.userCap(r)
			}
			s, refusal := g.Admit(r.Context(), id)
			if refusal != nil {
				if refusal.Denied() {
					c.deny(w, r, refusal)
				} else {
					c.onError(w, r, refusal)
				}
				return
			}
			defer s.End()
			SetStreamHeaders(w.Header())
			CloseWithStream(r, w.Header())
			w.WriteHeader(http.StatusOK)
			s.Start(NewResponseTransport(w))
			next.ServeHTTP(s.ResponseWriter(w), r.WithContext(s.Context()))
		})
	}
}

// route is the ServeMux pattern r matched, without its method, or its path.
func route(r *http.Request) string {
	if r.Pattern == "" {
		return r.URL.Path
	}
	if _, p, ok := strings.Cut(r.Pattern, " "); ok {
		return p
	}
	return r.Pattern
}
