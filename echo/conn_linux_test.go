package sselimitecho_test

import (
	"context"
	"net"
	"testing"
	"time"

	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/core/sselimittest"
	sselimitecho "github.com/sselimit/sselimit/echo"
)

// TestConnContextReachesTheStream: with e.Server.ConnContext set to
// sselimit.ConnContext (chained after a hook of the app's own) before
// e.Start, an Echo stream bounds its connection's unacknowledged data to a
// heartbeat plus the write timeout; without it the connection keeps the
// kernel's default.
func TestConnContextReachesTheStream(t *testing.T) {
	for _, tc := range []struct {
		name        string
		connContext bool
		want        int
	}{{"ConnContext", true, 1500}, {"none", false, 0}} {
		t.Run(tc.name, func(t *testing.T) {
			w := newGate(t, sselimit.NewSSELimiter(10, 10), sselimit.WithHeartbeat(500*time.Millisecond), sselimit.WithWriteTimeout(time.Second))
			e := newEcho()
			e.GET("/events", hello, sselimitecho.Middleware(w.Gate))
			conns := make(chan net.Conn, 1)
			own := func(ctx context.Context, c net.Conn) context.Context {
				conns <- c
				return ctx
			}
			e.Server.ConnContext = own
			if tc.connContext {
				e.Server.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
					return sselimit.ConnContext(own(ctx, c), c)
				}
			}
			sselimittest.NewClient(t, serve(t, e)).MustStream("/events", "")
			if got := sselimittest.UserTimeout(t, receive(t, conns, "the server's connection")); got != tc.want {
				t.Errorf("TCP_USER_TIMEOUT of the stream's connection: got %d ms, want %d", got, tc.want)
			}
		})
	}
}
