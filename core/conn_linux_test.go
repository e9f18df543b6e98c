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

func TestStreamBoundsItsConnectionsUnacknowledgedData(t *testing.T) {
	const heartbeat, writeTimeout = 500 * time.Millisecond, time.Second
	for _, tc := range []struct {
		name        string
		tls, http2  bool
		connContext bool
		want        int
	}{
		{"TCP", false, false, true, 1500},
		{"TLS", true, false, true, 1500},
		{"HTTP2", true, true, true, 1500},
		{"WithoutConnContext", false, false, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
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
				if tc.connContext {
					return sselimit.ConnContext(ctx, c)
				}
				return ctx
			}
			srv.EnableHTTP2 = tc.http2
			if tc.tls {
				srv.StartTLS()
			} else {
				srv.Start()
			}
			defer srv.Close()
			resp, err := srv.Client().Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if got := resp.ProtoMajor == 2; got != tc.http2 {
				t.Fatalf("response over %s, want HTTP/2: %v", resp.Proto, tc.http2)
			}
			sselimittest.ReadHello(t, bufio.NewReader(resp.Body))
			if got := sselimittest.UserTimeout(t, <-conns); got != tc.want {
				t.Errorf("TCP_USER_TIMEOUT of a streaming connection: got %dms, want %dms", got, tc.want)
			}
		})
	}
}
