package sselimit_test

import (
	"context"
	"net"
	"net/http"
	"testing"

	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/core/sselimittest"
)

func TestUnpluggedClientReleasedWithConnContext(t *testing.T) {
	sselimittest.UnpluggedClient(t, true, func(t *testing.T, g *sselimit.Gate) string {
		return serveBehave(t, g, sselimit.ConnContext)
	})
}

func TestUnpluggedClientHeldWithoutConnContext(t *testing.T) {
	sselimittest.UnpluggedClient(t, false, func(t *testing.T, g *sselimit.Gate) string {
		return serveBehave(t, g, nil)
	})
}

func TestUnpluggedHTTP2ClientReleasedWithConnContext(t *testing.T) {
	sselimittest.UnpluggedHTTP2Client(t, true, func(t *testing.T, g *sselimit.Gate) string {
		return serveBehave(t, g, sselimit.ConnContext)
	})
}

func TestUnpluggedHTTP2ClientHeldWithoutConnContext(t *testing.T) {
	sselimittest.UnpluggedHTTP2Client(t, false, func(t *testing.T, g *sselimit.Gate) string {
		return serveBehave(t, g, nil)
	})
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
