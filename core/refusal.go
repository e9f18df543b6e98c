package sselimit

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
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

// RefusalReasons returns every reason a gate refuses with, the Refused*
// constants, in a fixed order: what an adapter answers each with can be
// made once.
func RefusalReasons() []Reason { return slices.Clone(refusalReasons[:]) }

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
	return strconv.FormatInt(r.retryAfterSeconds(), 10)
}

// retryAfterSeconds is RetryAfter in whole seconds, rounded up.
func (r *Refusal) retryAfterSeconds() int64 {
	return int64((r.RetryAfter + time.Second - 1) / time.Second)
}

// retryAfterValues are the Retry-After values of delays of 1 to 63
// seconds, made once and shared by the responses that carry them, as
// net/http and Gin share their constant header values. A slice has no
// spare capacity, so Header.Add copies it instead of writing into it.
var retryAfterValues = func() (v [64][]string) {
	for secs := 1; secs < len(v); secs++ {
		v[secs] = []string{strconv.Itoa(secs)}
	}
	return v
}()

// SoftBody is the body of a soft refusal: a close frame with reason "limit"
// whose retry is the Retry-After delay.
func (r *Refusal) SoftBody() []byte {
	return CloseFrame(ReasonLimit, r.RetryAfter)
}

// SetHeaders sets the headers of the refusal's response: Retry-After and,
// for a soft refusal, the event-stream headers. The Retry-After value it
// sets may be shared with other responses: replace it (Header.Set), do not
// write into its slice.
func (r *Refusal) SetHeaders(h http.Header) {
	switch secs := r.retryAfterSeconds(); {
	case r.RetryAfter <= 0:
	case secs < int64(len(retryAfterValues)):
		h["Retry-After"] = retryAfterValues[secs]
	default:
		h.Set("Retry-After", strconv.FormatInt(secs, 10))
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
