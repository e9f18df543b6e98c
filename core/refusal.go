package sselimit

import (
	"errors"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// Reason says why a stream ended or a request was refused. It is what the
// close frame's "reason" field and Stats and Hooks report.
type Reason string

// Why the server ended a stream (the close frame's reason).
const (
	ReasonShutdown    Reason = "shutdown"     // the gate is draining
	ReasonReplaced    Reason = "replaced"     // evicted for the same user's newer stream
	ReasonMaxLifetime Reason = "max_lifetime" // the stream reached its maximum lifetime
	ReasonLeaseLost   Reason = "lease_lost"   // the limiter took the slot back
	ReasonLimit       Reason = "limit"        // a soft refusal: a cap is full
)

// Why a request was refused.
const (
	RefusedUserLimit   Reason = "user_limit"   // the user's cap is full: 429
	RefusedGlobalLimit Reason = "global_limit" // the global cap is full: 503
	RefusedDraining    Reason = "draining"     // the gate is draining: 503
	RefusedNoIdentity  Reason = "no_identity"  // empty key or key function error: 401
	RefusedBadIdentity Reason = "bad_identity" // key too long or malformed: 400
	RefusedUnavailable Reason = "unavailable"  // the limiter failed, fail-closed: 503
)

// Errors a Refusal carries besides the limiter's own.
var (
	ErrDraining        = errors.New("sselimit: draining")
	ErrNoIdentity      = errors.New("sselimit: no identity")
	ErrInvalidIdentity = errors.New("sselimit: identity over 256 bytes, not UTF-8, or holding control characters")
)

// A Refusal is the gate's answer to a request it does not admit. Adapters
// hand it to the deny handler (caps, draining) or the error handler
// (identity, limiter failure) in the framework's own idiom.
//
// A Refusal is read-only: the gate hands the same one to every request
// refused for the same reason, cause and delay.
type Refusal struct {
	Status     int           // 400, 401, 429 or 503
	Reason     Reason        // one of the Refused* reasons
	Err        error         // the cause, for logs; never sent to the client
	RetryAfter time.Duration // > 0 for 429 and 503: whole seconds, at least 1
	// Soft is set when the gate's soft-refusal policy applies: answer with
	// SoftHeaders and SoftBody (200 text/event-stream and a close frame with
	// reason "limit"), so a browser's EventSource retries by itself.
	Soft bool
}

// Message is the text for the response body. It names no internals.
func (r *Refusal) Message() string {
	switch r.Reason {
	case RefusedUserLimit:
		return "too many streams for this user"
	case RefusedGlobalLimit, RefusedUnavailable:
		return "too many streams, retry later"
	case RefusedDraining:
		return "server is restarting, retry later"
	case RefusedNoIdentity:
		return "identity required"
	default:
		return "invalid identity"
	}
}

// Denied reports whether the refusal is a policy's (a cap or draining),
// which goes to the deny handler; otherwise it goes to the error handler.
func (r *Refusal) Denied() bool {
	return r.Reason == RefusedUserLimit || r.Reason == RefusedGlobalLimit || r.Reason == RefusedDraining
}

// RetryAfterHeader is the Retry-After value in whole seconds, or "" when
// the refusal carries none.
func (r *Refusal) RetryAfterHeader() string {
	if r.RetryAfter <= 0 {
		return ""
	}
	return strconv.FormatInt(int64((r.RetryAfter+time.Second-1)/time.Second), 10)
}

// SoftBody is the body of a soft refusal: a close frame with reason "limit"
// whose retry is the Retry-After delay.
func (r *Refusal) SoftBody() []byte {
	return CloseFrame(ReasonLimit, r.RetryAfter)
}

// SetHeaders sets the headers of the refusal's response: Retry-After and,
// for a soft refusal, the event-stream headers.
func (r *Refusal) SetHeaders(h http.Header) {
	if v := r.RetryAfterHeader(); v != "" {
		h.Set("Retry-After", v)
	}
	if r.Soft {
		SetStreamHeaders(h)
	}
}

// SetStreamHeaders sets the headers every event stream is sent with.
func SetStreamHeaders(h http.Header) {
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
}

// CloseWithStream sets "Connection: close" on the event-stream response to
// an HTTP/1.x request r, so that its connection ends with the stream:
// a client told to reconnect (drain, max lifetime) then opens a new
// connection, which a load balancer can send to another replica, and
// http.Server.Shutdown finds no idle connections left to close one by
// one. On HTTP/2 it does nothing: Go's server would answer it with a
// GOAWAY for every stream multiplexed on the connection.
func CloseWithStream(r *http.Request, h http.Header) {
	if r.ProtoMajor == 1 {
		h.Set("Connection", "close")
	}
}

// WriteRefusal answers r on a net/http response: a soft refusal as a 200
// event stream, any other as the status with a plain-text message.
func WriteRefusal(w http.ResponseWriter, r *Refusal) {
	r.SetHeaders(w.Header())
	if r.Soft {
		w.WriteHeader(http.StatusOK)
		w.Write(r.SoftBody())
		return
	}
	http.Error(w, r.Message(), r.Status)
}

// Error makes a Refusal an error, for adapters whose error handlers take
// one (errors.As recovers it). It is for logs; Message is for clients.
func (r *Refusal) Error() string {
	if r.Err == nil {
		return "sselimit: refused: " + string(r.Reason)
	}
	return "sselimit: refused: " + string(r.Reason) + ": " + r.Err.Error()
}

// Unwrap returns the cause, so errors.Is(refusal, ErrTooManyConnections) works.
func (r *Refusal) Unwrap() error { return r.Err }

func refusalReason(err error) Reason {
	switch {
	case err == ErrTooManyConnectionsForUser, errors.Is(err, ErrTooManyConnectionsForUser):
		return RefusedUserLimit
	case err == ErrTooManyConnections, errors.Is(err, ErrTooManyConnections):
		return RefusedGlobalLimit
	}
	return RefusedUnavailable
}

func refusalStatus(why Reason) int {
	switch why {
	case RefusedUserLimit:
		return http.StatusTooManyRequests
	case RefusedGlobalLimit, RefusedDraining, RefusedUnavailable:
		return http.StatusServiceUnavailable
	case RefusedNoIdentity:
		return http.StatusUnauthorized
	}
	return http.StatusBadRequest
}

func (g *Gate) refuse(key string, why Reason, err error) *Refusal {
	g.observeRefusal(key, why, err)
	status := refusalStatus(why)
	var retry time.Duration
	soft := false
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		retry = g.retryAfter()
		soft = g.cfg.soft && (why == RefusedUserLimit || why == RefusedGlobalLimit)
	}
	slot := sharedRefusal(why, err, retry, soft)
	if slot == nil {
		return &Refusal{Status: status, Reason: why, Err: err, RetryAfter: retry, Soft: soft}
	}
	if r := slot.Load(); r != nil {
		return r
	}
	r := &Refusal{Status: status, Reason: why, Err: err, RetryAfter: retry, Soft: soft}
	if !slot.CompareAndSwap(nil, r) {
		return slot.Load()
	}
	return r
}

// refuseEarly refuses a request whose limiter key is an address key,
// prefix+name, when an SSELimiter would refuse it at once, without
// building the key: such a refusal allocates nothing. It returns nil to
// let the request go the usual way: a key of one part, another limiter, a
// policy that acts on a refusal (dry run, evict-oldest), or a limiter that
// might admit it.
func (g *Gate) refuseEarly(prefix, name string, userCap int) *Refusal {
	if prefix == "" || g.cfg.dryRun || g.lease != nil {
		return nil
	}
	l, ok := g.lim.(*SSELimiter)
	if !ok {
		return nil
	}
	err := l.refuses(prefix, name, userCap)
	if err == nil || err == ErrTooManyConnectionsForUser && g.cfg.evict {
		return nil
	}
	key := "" // needed only by hooks
	if g.cfg.hooks.OnRefuse != nil || len(g.observed()) > 0 {
		key = prefix + name
	}
	return g.refuse(key, refusalReason(err), err)
}

// sharedRefusals holds the refusals whose cause is their reason's own
// error, by reason, soft or not, and delay in seconds: a refusal then
// allocates nothing once its kind has been seen.
var sharedRefusals [5][2][64]atomic.Pointer[Refusal]

// sharedRefusal returns the slot of the shared refusal for why, err, retry
// and soft, or nil when the refusal is of a kind not shared.
func sharedRefusal(why Reason, err error, retry time.Duration, soft bool) *atomic.Pointer[Refusal] {
	var kind int
	switch {
	case why == RefusedUserLimit && err == ErrTooManyConnectionsForUser:
		kind = 0
	case why == RefusedGlobalLimit && err == ErrTooManyConnections:
		kind = 1
	case why == RefusedDraining && err == ErrDraining:
		kind = 2
	case why == RefusedNoIdentity && err == ErrNoIdentity:
		kind = 3
	case why == RefusedBadIdentity && err == ErrInvalidIdentity:
		kind = 4
	default:
		return nil
	}
	secs := retry / time.Second
	if retry%time.Second != 0 || secs >= 64 {
		return nil
	}
	s := 0
	if soft {
		s = 1
	}
	return &sharedRefusals[kind][s][secs]
}

// retryAfter draws the delay refusals and close frames advise: a whole
// number of seconds, uniformly from the base to the base plus the jitter,
// both rounded up to whole seconds (so a base of 2s and a jitter of 3s give
// 2, 3, 4 or 5 seconds). The base is positive, so the delay is at least 1s.
func (g *Gate) retryAfter() time.Duration {
	lo := ceilSeconds(g.cfg.retryAfter)
	hi := ceilSeconds(addSaturated(g.cfg.retryAfter, g.cfg.retryJitter))
	if hi > lo {
		lo += rand.N(hi - lo + 1)
	}
	return time.Duration(lo) * time.Second
}

// ceilSeconds is d in whole seconds, rounded up.
func ceilSeconds(d time.Duration) int64 {
	s := int64(d / time.Second)
	if d%time.Second > 0 {
		s++
	}
	return s
}

// addSaturated is a+b for non-negative durations, at most the largest one.
func addSaturated(a, b time.Duration) time.Duration {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
