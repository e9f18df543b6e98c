package sselimit_test

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/core/sselimittest"
)

// TestStreamBoundsItsConnectionsUnacknowledgedData: the bound reaches
// the TCP connection under TLS, over HTTP/1.1 and HTTP/2. (Plain TCP, and
// the control without ConnContext, are TestVanishedClients' first case.)
func TestStreamBoundsItsConnectionsUnacknowledgedData(t *testing.T) {
	const heartbeat, writeTimeout = 500 * time.Millisecond, time.Second
	want := int((heartbeat + writeTimeout).Milliseconds())
	for _, http2 := range []bool{false, true} {
		name := "TLS"
		if http2 {
			name = "HTTP2"
		}
		t.Run(name, func(t *testing.T) {
			w := sselimittest.NewWatch(t, sselimit.NewSSELimiter(10, 10), sselimit.Hooks{},
				sselimit.WithHeartbeat(heartbeat), sselimit.WithWriteTimeout(writeTimeout))
			srv := httptest.NewUnstartedServer(sselimit.Middleware(w.Gate)(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
				s := sselimit.StreamFromContext(r.Context())
				if s.Send(sselimit.Event{Name: "hello"}) == nil {
					<-s.Context().Done()
				}
			})))
			conns := make(chan net.Conn, 1)
			srv.Config.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
				conns <- c // a hook of the app's own, chained with ConnContext
				return sselimit.ConnContext(ctx, c)
			}
			srv.EnableHTTP2 = http2
			srv.StartTLS()
			defer srv.Close()
			resp, err := srv.Client().Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if got := resp.ProtoMajor == 2; got != http2 {
				t.Fatalf("response over %s, want HTTP/2: %v", resp.Proto, http2)
			}
			sselimittest.ReadHello(t, bufio.NewReader(resp.Body))
			if got := sselimittest.UserTimeout(t, sselimittest.Receive(t, conns, "the server's connection")); got != want {
				t.Errorf("TCP_USER_TIMEOUT of a streaming connection: got %dms, want %dms", got, want)
			}
		})
	}
}
