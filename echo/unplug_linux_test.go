package sselimitecho_test

import (
	"context"
	"net"
	"testing"

	"github.com/labstack/echo/v4"
	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/core/sselimittest"
	sselimitecho "github.com/sselimit/sselimit/echo"
)

// TestVanishedClients: with e.Server.ConnContext chaining
// sselimit.ConnContext after a hook of the app's own, set before e.Start,
// an Echo stream bounds its connection's unacknowledged data, and the
// slot of a client that vanishes is released, over HTTP/1.1 and HTTP/2.
func TestVanishedClients(t *testing.T) {
	sselimittest.VanishedClients(t, serveBehave)
}

// serveBehave serves the suite's route through the middleware on g, on an
// Echo server that speaks HTTP/1.x and unencrypted HTTP/2, with
// connContext as its ConnContext.
func serveBehave(t *testing.T, g *sselimit.Gate, connContext func(context.Context, net.Conn) context.Context) string {
	e := newEcho()
	e.GET("/stream", func(c echo.Context) error {
		sselimittest.Behave(sselimitecho.Stream(c), c.Request().URL.RawQuery)
		return nil
	}, sselimitecho.Middleware(g))
	e.Server.Protocols = sselimittest.HTTP1AndUnencryptedHTTP2()
	e.Server.ConnContext = connContext
	return serve(t, e)
}
