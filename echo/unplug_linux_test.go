package sselimitecho_test

import (
	"testing"

	"github.com/labstack/echo/v4"
	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/core/sselimittest"
	sselimitecho "github.com/sselimit/sselimit/echo"
)

func TestUnpluggedClientReleasedWithConnContext(t *testing.T) {
	sselimittest.UnpluggedClient(t, true, func(t *testing.T, g *sselimit.Gate) string {
		e := newUnpluggable(g)
		e.Server.ConnContext = sselimit.ConnContext
		return serve(t, e)
	})
}

func TestUnpluggedClientHeldWithoutConnContext(t *testing.T) {
	sselimittest.UnpluggedClient(t, false, func(t *testing.T, g *sselimit.Gate) string {
		return serve(t, newUnpluggable(g))
	})
}

func TestUnpluggedHTTP2ClientReleasedWithConnContext(t *testing.T) {
	sselimittest.UnpluggedHTTP2Client(t, true, func(t *testing.T, g *sselimit.Gate) string {
		e := newUnpluggable(g)
		e.Server.ConnContext = sselimit.ConnContext
		return serve(t, e)
	})
}

func TestUnpluggedHTTP2ClientHeldWithoutConnContext(t *testing.T) {
	sselimittest.UnpluggedHTTP2Client(t, false, func(t *testing.T, g *sselimit.Gate) string {
		return serve(t, newUnpluggable(g))
	})
}

// newUnpluggable returns an Echo serving the suite's route through the
// middleware on g, on a server that speaks HTTP/1.x and unencrypted HTTP/2.
func newUnpluggable(g *sselimit.Gate) *echo.Echo {
	e := newEcho()
	e.Server.Protocols = sselimittest.HTTP1AndUnencryptedHTTP2()
	e.GET("/stream", func(c echo.Context) error {
		sselimittest.Behave(sselimitecho.Stream(c), c.Request().URL.RawQuery)
		return nil
	}, sselimitecho.Middleware(g))
	return e
}
