package sselimittest

import (
	"net/http"
	"testing"
)

// streamKey opens /stream with the request headers h and returns the key
// its hello event names, or "" and the status of a refusal.
func (e *env) streamKey(h http.Header) (key string, status int) {
	e.t.Helper()
	conn, resp, body, err := e.c.OpenHeader("/stream", h)
	if err != nil {
		e.t.Fatalf("GET /stream with %v: %v", h, err)
	}
	if conn == nil {
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			checkRetryAfter(e.t, resp.Header.Get("Retry-After"))
		}
		if body == "" {
			e.t.Errorf("GET /stream with %v: status %d with an empty body", h, resp.StatusCode)
		}
		return "", resp.StatusCode
	}
	ev, err := conn.Next()
	if err != nil || ev.Name != "hello" {
		e.t.Fatalf("GET /stream with %v: first event %+v err %v, want hello", h, ev, err)
	}
	return ev.Data, http.StatusOK
}

func header(kv ...string) http.Header {
	h := make(http.Header)
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

// forwardingHeaders are the headers a client can write to claim another
// address: the standard ones and those of hosting platforms.
var forwardingHeaders = []http.Header{
	header("X-Forwarded-For", "203.0.113.7"),
	header("X-Forwarded-For", "203.0.113.7, 198.51.100.9"),
	header("X-Real-Ip", "203.0.113.7"),
	header("Forwarded", "for=203.0.113.7"),
	header("Cf-Connecting-Ip", "203.0.113.7"),
	header("Fly-Client-Ip", "203.0.113.7"),
	header("X-Appengine-Remote-Addr", "203.0.113.7"),
	header("X-Client-Ip", "203.0.113.7"),
}

var _ = register("ForwardingHeadersAreNotTheDefaultIdentity", func(t *testing.T, h Harness) {
	e := start(t, h, h.limiter(t, 100, 1), nil, false)
	if key, status := e.streamKey(nil); key != "ip:127.0.0.1" {
		t.Fatalf("plain stream: got key %q (status %d), want ip:127.0.0.1", key, status)
	}
	for _, fh := range forwardingHeaders {
		// A forged address would be a fresh quota: the cap of 1 is full.
		if key, status := e.streamKey(fh); status != http.StatusTooManyRequests {
			t.Errorf("stream with %v: got key %q status %d, want 429 (the client's own quota)", fh, key, status)
		}
	}
	e.Active(1)
})

var _ = register("TrustedProxyForwardedForIsTheIdentity", func(t *testing.T, h Harness) {
	e := startConfig(t, h, h.limiter(t, 100, 1), nil, Config{TrustProxy: true})
	for _, tc := range []struct {
		h       http.Header
		key     string
		refused bool
	}{
		{header("X-Forwarded-For", "203.0.113.7"), "ip:203.0.113.7", false},
		{header("X-Forwarded-For", "203.0.113.7"), "", true},
		{header("X-Forwarded-For", "203.0.113.8"), "ip:203.0.113.8", false},
		{nil, "ip:127.0.0.1", false},
	} {
		key, status := e.streamKey(tc.h)
		switch {
		case tc.refused && status != http.StatusTooManyRequests:
			t.Errorf("second stream with %v: got key %q status %d, want 429", tc.h, key, status)
		case !tc.refused && key != tc.key:
			t.Errorf("stream with %v from a trusted proxy: got key %q status %d, want %s", tc.h, key, status, tc.key)
		}
	}
	e.Active(3)
})
