package sselimittest

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"

	sselimit "github.com/sselimit/sselimit/core"
)

// Harness is what an adapter gives the suite.
type Harness struct {
	// Start serves GET /stream — the adapter's middleware, then a handler
	// that calls Behave — on 127.0.0.1 with a random port, configured from
	// cfg, and returns the base URL ("http://127.0.0.1:PORT"). The server
	// must stop in a t.Cleanup.
	Start func(t *testing.T, cfg Config) string
	// Backend makes each case's limiter; nil means Memory. Cases that need
	// a limiter of their own kind (one failing, or taking slots back) use
	// it whatever the backend.
	Backend Backend
	// KeyErrorStatus is the status the adapter's default error handler
	// gives a key function's error, where the framework's convention is
	// not 401 (Echo's rate limiter answers 403); 0 means 401.
	KeyErrorStatus int
}

func (h Harness) keyErrorStatus() int {
	if h.KeyErrorStatus == 0 {
		return http.StatusUnauthorized
	}
	return h.KeyErrorStatus
}

// Config is how the suite wants one server configured.
type Config struct {
	// Gate is the gate the middleware admits through.
	Gate *sselimit.Gate
	// UserKey selects the identity: when set, the adapter's custom key
	// function, returning UserKey(the X-User request header); when not,
	// the adapter's default, the client address.
	UserKey bool
	// TrustProxy asks the adapter to believe the X-Forwarded-For header
	// of peers at 127.0.0.1, configured the way an application would
	// trust its proxy: through the framework's own settings where it has
	// them. When not set the adapter runs with the framework's defaults.
	TrustProxy bool
	// UserCap asks the adapter to take each request's per-user cap from
	// its UserCap option, returning UserCap(the X-Cap request header).
	UserCap bool
	// Recovered must be called by the framework's recovery middleware with
	// each panic value it recovers.
	Recovered func(v any)
}

// errKey is what UserKey returns for the header value "!error".
var errKey = errors.New("sselimittest: key function failed")

// UserKey is the suite's custom key function over the X-User header's
// value: the value itself, or an error when it is "!error".
func UserKey(header string) (string, error) {
	if header == "!error" {
		return "", errKey
	}
	return header, nil
}

// UserCap is the suite's per-user cap over the X-Cap header's value: ""
// is 0 (the limiter's own cap), "none" is sselimit.NoUserCap, a number is
// that cap.
func UserCap(header string) int {
	if header == "none" {
		return sselimit.NoUserCap
	}
	n, _ := strconv.Atoi(header)
	return n
}

// Run runs every case of the suite against h, each on a fresh server.
func Run(t *testing.T, h Harness) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, h) })
	}
}

type testCase struct {
	name string
	run  func(t *testing.T, h Harness)
}

var cases []testCase

func register(name string, run func(t *testing.T, h Harness)) bool {
	cases = append(cases, testCase{name, run})
	return true
}

// env is one case's server, gate and client.
type env struct {
	*Watch
	t         *testing.T
	c         *Client
	recovered chan any
}

// start builds a gate over lim (or over base, when not nil) with opts and
// starts h's server on it.
func start(t *testing.T, h Harness, lim Limiter, base sselimit.Limiter, userKey bool, opts ...sselimit.Option) *env {
	return startConfig(t, h, lim, base, Config{UserKey: userKey}, opts...)
}

// startConfig is start with the server configured from cfg, whose Gate
// and Recovered it sets.
func startConfig(t *testing.T, h Harness, lim Limiter, base sselimit.Limiter, cfg Config, opts ...sselimit.Option) *env {
	if base == nil {
		base = lim
	}
	e := &env{Watch: newWatch(t, lim, base, sselimit.Hooks{}, opts...), t: t, recovered: make(chan any, 16)}
	cfg.Gate = e.Gate
	cfg.Recovered = func(v any) {
		e.recovered <- v
		e.Wake()
	}
	e.c = NewClient(t, h.Start(t, cfg))
	return e
}

// refused opens path as user and checks it is refused with status, and a
// whole-seconds Retry-After for 429 and 503, without touching the limiter.
func (e *env) refused(path, user string, status int) {
	e.t.Helper()
	before := e.Lim.ActiveConnections()
	conn, resp, body, err := e.c.Open(path, user)
	if err != nil {
		e.t.Fatalf("GET %s as %q: %v", path, user, err)
	}
	if conn != nil {
		e.t.Fatalf("GET %s as %q: got an admitted stream, want status %d", path, user, status)
	}
	if resp.StatusCode != status {
		e.t.Fatalf("GET %s as %q: got status %d (body %q), want %d", path, user, resp.StatusCode, body, status)
	}
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		checkRetryAfter(e.t, resp.Header.Get("Retry-After"))
	}
	if body == "" || strings.Contains(strings.ToLower(body), "sselimit") || (len(user) > 3 && strings.Contains(body, user)) {
		e.t.Errorf("GET %s as %q: body %q is empty or names internals", path, user, body)
	}
	if after := e.Lim.ActiveConnections(); after != before {
		e.t.Errorf("GET %s as %q: limiter active went from %d to %d on a refusal", path, user, before, after)
	}
}

// checkRetryAfter checks a Retry-After value is whole seconds, at least 1.
func checkRetryAfter(t *testing.T, v string) {
	t.Helper()
	if n, err := strconv.Atoi(v); err != nil || n < 1 {
		t.Errorf("Retry-After %q, want whole seconds >= 1", v)
	}
}
