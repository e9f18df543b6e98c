package sselimitgin_test

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/core/sselimittest"
	sselimitgin "github.com/sselimit/sselimit/gin"
)

// TestConnContextReachesTheStream: with sselimit.ConnContext chained after
// a hook of the app's own, as the README shows, a Gin stream bounds its
// connection's unacknowledged data to a heartbeat plus the write timeout;
// without it the connection keeps the kernel's default.
func TestConnContextReachesTheStream(t *testing.T) {
	for _, tc := range []struct {
		name        string
		connContext bool
		want        int
	}{{"ConnContext", true, 1500}, {"none", false, 0}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 10, 10, sselimit.WithHeartbeat(500*time.Millisecond), sselimit.WithWriteTimeout(time.Second))
			f.engine.GET("/events", sselimitgin.New(f.Gate), hold)
			conns := make(chan net.Conn, 1)
			own := func(ctx context.Context, c net.Conn) context.Context {
				conns <- c
				return ctx
			}
			srv := &http.Server{ConnContext: own}
			if tc.connContext {
				srv.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
					return sselimit.ConnContext(own(ctx, c), c)
				}
			}
			f.serve(srv).MustStream("/events", "")
			if got := sselimittest.UserTimeout(t, receive(t, conns, "the server's connection")); got != tc.want {
				t.Errorf("TCP_USER_TIMEOUT of the stream's connection: got %d ms, want %d", got, tc.want)
			}
		})
	}
}
