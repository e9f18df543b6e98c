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

// serveBehave serves the suite's route through Middleware on g, on a real
// http.Server with connContext as its ConnContext.
func serveBehave(t *testing.T, g *sselimit.Gate, connContext func(context.Context, net.Conn) context.Context) string {
	mux := http.NewServeMux()
	mux.Handle("GET /stream", sselimit.Middleware(g)(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		sselimittest.Behave(sselimit.StreamFromContext(r.Context()), r.URL.RawQuery)
	})))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux, ConnContext: connContext}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}
