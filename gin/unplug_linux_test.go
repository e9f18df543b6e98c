package sselimitgin_test

import (
	"context"
	"net"
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"
	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/core/sselimittest"
	sselimitgin "github.com/sselimit/sselimit/gin"
)

// TestVanishedClients: with sselimit.ConnContext chained after a hook of
// the app's own, as the README shows, a Gin stream bounds its
// connection's unacknowledged data, and the slot of a client that
// vanishes is released, over HTTP/1.1 and HTTP/2.
func TestVanishedClients(t *testing.T) {
	sselimittest.VanishedClients(t, serveBehave)
}

// serveBehave serves the suite's route through the middleware on g, on a
// real http.Server that speaks HTTP/1.x and unencrypted HTTP/2, with
// connContext as its ConnContext.
func serveBehave(t *testing.T, g *sselimit.Gate, connContext func(context.Context, net.Conn) context.Context) string {
	r := gin.New()
	r.GET("/stream", sselimitgin.New(g), func(c *gin.Context) {
		sselimittest.Behave(sselimitgin.Stream(c), c.Request.URL.RawQuery)
	})
	return serve(t, &http.Server{Handler: r, ConnContext: connContext, Protocols: sselimittest.HTTP1AndUnencryptedHTTP2()})
}
