package sselimittest

import (
	"net/http"
	"strconv"
	"testing"
)

// asUser is the headers of a request by user with the per-user cap
// capValue ("" for none sent).
func asUser(user, capValue string) http.Header {
	h := header("X-User", user)
	if capValue != "" {
		h.Set("X-Cap", capValue)
	}
	return h
}

// streams opens n streams as user with capValue, failing unless each is
// admitted.
func (e *env) streams(n int, user, capValue string) {
	e.t.Helper()
	for i := range n {
		if key, status := e.streamKey(asUser(user, capValue)); key != user {
			e.t.Fatalf("stream %d of %s with cap %q: got key %q status %d, want an admitted stream", i+1, user, capValue, key, status)
		}
	}
}

// capRefused checks that one more stream as user with capValue is refused
// with status.
func (e *env) capRefused(user, capValue string, status int) {
	e.t.Helper()
	if key, got := e.streamKey(asUser(user, capValue)); got != status {
		e.t.Errorf("one more stream of %s with cap %q: got key %q status %d, want %d", user, capValue, key, got, status)
	}
}

var _ = register("UserCapPerRequest", func(t *testing.T, h Harness) {
	e := startConfig(t, h, h.limiter(t, 12, 1), nil, Config{UserKey: true, UserCap: true})
	e.streams(3, "pro", "3") // a plan's cap, above the limiter's 1
	e.capRefused("pro", "3", http.StatusTooManyRequests)
	e.streams(1, "free", "") // 0: the limiter's own cap
	e.capRefused("free", "", http.StatusTooManyRequests)
	e.streams(6, "staff", "none") // no per-user cap at all
	e.Active(10)

	// A cap that changes applies from the next admission; the streams
	// already open stay open.
	e.capRefused("pro", "1", http.StatusTooManyRequests)
	e.streams(1, "pro", "4")
	e.Active(11)
	if got := e.Lim.ActiveForUser("pro"); got != 4 {
		t.Errorf("ActiveForUser(pro): got %d, want 4", got)
	}

	// The global cap holds whatever the per-user cap says.
	e.streams(1, "staff", "none")
	e.capRefused("staff", "none", http.StatusServiceUnavailable)
	e.capRefused("big", strconv.Itoa(100), http.StatusServiceUnavailable)
	e.Active(12)
})
