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

// TestConnContextReachesTheStream: with sselimit.ConnContext chained after
// a hook of the app's own, as the README shows, a Gin stream bounds its
// connection's unacknowledged data.
func TestConnContextReachesTheStream(t *testing.T) {
	sselimittest.ConnContextBound(t, serveBehave)
}

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

// serveBehave serves the suite's route through the middleware on g,
// on a real http.Server that speaks HTTP/1.x and unencrypted HTTP/2, with
// connContext as its ConnContext.
func serveBehave(t *testing.T, g *sselimit.Gate, connContext func(context.Context, net.Conn) context.Context) string {
	r := gin.New()
	r.GET("/stream", sselimitgin.New(g), func(c *gin.Context) {
		sselimittest.Behave(sselimitgin.Stream(c), c.Request.URL.RawQuery)
	})
	return serve(t, &http.Server{Handler: r, ConnContext: connContext, Protocols: sselimittest.HTTP1AndUnencryptedHTTP2()})
}
