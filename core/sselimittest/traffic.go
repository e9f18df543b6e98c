package sselimittest

import (
	"net/http"
	"testing"

	sselimit "github.com/sselimit/sselimit/core"
)

// MixedTraffic serves the suite's route on g through the net/http
// adapter, identifying users by X-User, and drives it through a fixed
// mix, for a gate whose caps are 3 streams in total and 2 per user:
// alice's two streams and a third refused at her cap (429), bob's
// stream, carol's and dave's refused at the global cap (503), and a
// request without an identity (401). It leaves three streams open and
// returns bob's; a handler that panics fails the test.
func MixedTraffic(t *testing.T, g *sselimit.Gate) *Conn {
	t.Helper()
	url := NetHTTP().Start(t, Config{Gate: g, UserKey: true, Recovered: func(v any) { t.Errorf("handler panicked: %v", v) }})
	client := NewClient(t, url)
	client.MustStream("/stream", "alice")
	client.MustStream("/stream", "alice")
	client.MustRefuse("/stream", "alice", http.StatusTooManyRequests)
	bob := client.MustStream("/stream", "bob")
	client.MustRefuse("/stream", "carol", http.StatusServiceUnavailable)
	client.MustRefuse("/stream", "dave", http.StatusServiceUnavailable)
	client.MustRefuse("/stream", "", http.StatusUnauthorized)
	return bob
}
