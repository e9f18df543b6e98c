package sselimit_test

import (
	"context"
	"net"
	"net/http"
	"testing"

	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/core/sselimittest"
)

// TestVanishedClients: with sselimit.ConnContext as the server's
// ConnContext, a stream bounds its connection's unacknowledged data, and
// the slot of a client that vanishes is released, over HTTP/1.1 and
// HTTP/2.
func TestVanishedClients(t *testing.T) {
	sselimittest.VanishedClients(t, serveBehave)
}

// serveBehave serves the suite's route through Middleware on g, on a real
// http.Server that speaks HTTP/1.x and unencrypted HTTP/2, with
// connContext as its ConnContext.
func serveBehave(t *testing.T, g *sselimit.Gate, connContext func(context.Context, net.Conn) context.Context) string {
	mux := http.NewServeMux()
	mux.Handle("GET /stream", sselimit.Middleware(g)(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		sselimittest.Behave(sselimit.StreamFromContext(r.Context()), r.URL.RawQuery)
	})))
	return sselimittest.Serve(t, &http.Server{Handler: mux, ConnContext: connContext, Protocols: sselimittest.HTTP1AndUnencryptedHTTP2()})
}
