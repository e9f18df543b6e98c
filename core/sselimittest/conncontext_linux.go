package sselimittest

import (
	"context"
	"net"
	"testing"
	"time"

	sselimit "github.com/sselimit/sselimit/core"
)

// ConnContextBound checks that a stream bounds its connection's
// unacknowledged data to a heartbeat plus the write timeout (see
// sselimit.ConnContext) when the server's ConnContext hook chains
// sselimit.ConnContext after a hook of the app's own, and that without it
// the connection keeps the kernel's default. serve starts the adapter's
// GET /stream route, whose handler calls Behave, through its middleware
// on g, on a server whose ConnContext is connContext, and returns the
// base URL.
func ConnContextBound(t *testing.T, serve func(t *testing.T, g *sselimit.Gate, connContext func(context.Context, net.Conn) context.Context) string) {
	const heartbeat, writeTimeout = 500 * time.Millisecond, time.Second
	for _, tc := range []struct {
		name  string
		chain bool
		want  int
	}{{"ConnContext", true, int((heartbeat + writeTimeout).Milliseconds())}, {"none", false, 0}} {
		t.Run(tc.name, func(t *testing.T) {
			w := NewWatch(t, sselimit.NewSSELimiter(10, 10), sselimit.Hooks{},
				sselimit.WithHeartbeat(heartbeat), sselimit.WithWriteTimeout(writeTimeout))
			conns := make(chan net.Conn, 1)
			own := func(ctx context.Context, c net.Conn) context.Context {
				conns <- c
				return ctx
			}
			hook := own
			if tc.chain {
				hook = func(ctx context.Context, c net.Conn) context.Context {
					return sselimit.ConnContext(own(ctx, c), c)
				}
			}
			NewClient(t, serve(t, w.Gate, hook)).MustStream("/stream", "")
			if got := UserTimeout(t, Receive(t, conns, "the server's connection")); got != tc.want {
				t.Errorf("TCP_USER_TIMEOUT of the stream's connection: got %d ms, want %d", got, tc.want)
			}
		})
	}
}
