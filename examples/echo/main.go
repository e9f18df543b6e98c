// Command echo serves the sselimit demo on Echo: GET /events streams a
// "tick" event each second, capped per user and in total; GET / is a page
// to watch it; GET /stats has the counts, GET /metrics the metrics in the
// Prometheus text format, GET /debug/streams the open streams. SIGINT or
// SIGTERM drains every stream, then stops the server. The flags are those
// of package demo: caps, plans, trusted proxies, a Redis shared by
// replicas.
//
//	go run ./examples/echo -max-per-user 2
//	go run ./examples/echo -trusted-proxy 127.0.0.1 -redis redis://127.0.0.1:6379/0
package main

import (
	"log"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	sselimit "github.com/sselimit/sselimit/core"
	sselimitecho "github.com/sselimit/sselimit/echo"
	"github.com/sselimit/sselimit/examples/demo"
)

func main() {
	app, err := demo.New(demo.ParseFlags())
	if err != nil {
		log.Fatal(err)
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Use(middleware.Recover())
	// The client IP is the peer's address, never a header a client could
	// forge, unless the peer is a proxy named by -trusted-proxy: then it
	// is the address that proxy puts in its X-Real-IP header.
	e.IPExtractor = echo.ExtractIPDirect()
	if nets := app.TrustedNets(); len(nets) > 0 {
		// Echo trusts loopback, link-local and private peers unless told
		// otherwise: only the proxies named are trusted.
		trust := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
		for _, n := range nets {
			trust = append(trust, echo.TrustIPRange(n))
		}
		e.IPExtractor = echo.ExtractIPFromRealIPHeader(trust...)
	}
	for _, rt := range app.Routes() {
		e.GET(rt.Path, echo.WrapHandler(rt.Handler))
	}
	// The demo's user is the user query parameter, since a browser's
	// EventSource cannot set headers. A real app takes the user its auth
	// middleware verified (sselimitecho.FromContext), and their plan.
	limit := sselimitecho.MiddlewareWithConfig(sselimitecho.Config{
		Gate: app.Gate,
		IdentifierExtractor: func(c echo.Context) (string, error) {
			return c.QueryParam("user"), nil
		},
		// With -plan, a user's cap is their plan's.
		UserCap: func(c echo.Context) int { return app.UserCap(c.QueryParam("user")) },
	})
	e.GET("/events", func(c echo.Context) error {
		app.Ticks(sselimitecho.Stream(c), demo.LastEventID(c.Request().Header.Get("Last-Event-ID"), c.QueryParam("lastEventId")))
		return nil
	}, limit)
	e.Match(demo.NotGET, "/events", echo.WrapHandler(http.HandlerFunc(demo.MethodNotAllowed)))

	ln := app.Listen()
	e.Listener = ln
	// No WriteTimeout: it would cut every stream; the gate bounds each
	// write. ConnContext lets a stream bound its connection, so a client
	// that vanished without a word is found.
	e.Server.ReadHeaderTimeout = 10 * time.Second
	e.Server.ConnContext = sselimit.ConnContext
	// On SIGINT or SIGTERM: gate.Drain, then e.Shutdown.
	app.Serve(ln, func() error { return e.Start("") }, e.Shutdown)
}
