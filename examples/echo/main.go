// Command echo serves the sselimit demo on Echo: GET /events streams a
// "tick" event each second, capped per user and in total; GET / is a page
// to watch it; GET /stats has the counts. SIGINT or SIGTERM drains every
// stream, then stops the server.
//
//	go run ./examples/echo -max-per-user 2
package main

import (
	"flag"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	sselimit "github.com/sselimit/sselimit/core"
	sselimitecho "github.com/sselimit/sselimit/echo"
	"github.com/sselimit/sselimit/examples/demo"
)

func main() {
	addr := flag.String("addr", ":8080", "address to listen on")
	maxTotal := flag.Int("max-total", 100, "streams open at once in total (0: no cap)")
	maxPerUser := flag.Int("max-per-user", 3, "streams open at once per user (0: no cap)")
	flag.Parse()

	lim := sselimit.NewSSELimiter(*maxTotal, *maxPerUser)
	// A request without a user is limited by its client IP.
	gate, err := sselimit.NewGate(lim, sselimit.WithEmptyKey(sselimit.FallbackToIP))
	if err != nil {
		log.Fatal(err)
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Use(middleware.Recover())
	// Served directly, not behind a proxy: the client IP is the peer's
	// address, never a header the client could forge.
	e.IPExtractor = echo.ExtractIPDirect()
	e.GET("/", func(c echo.Context) error {
		return c.HTMLBlob(http.StatusOK, demo.Page)
	})
	e.GET("/stats", func(c echo.Context) error {
		return c.JSON(http.StatusOK, demo.NewStats(lim, gate, *maxTotal, *maxPerUser))
	})
	// The demo's user is the user query parameter, since a browser's
	// EventSource cannot set headers. A real app takes the user its auth
	// middleware verified (sselimitecho.FromContext).
	limit := sselimitecho.MiddlewareWithConfig(sselimitecho.Config{
		Gate: gate,
		IdentifierExtractor: func(c echo.Context) (string, error) {
			return c.QueryParam("user"), nil
		},
	})
	e.GET("/events", func(c echo.Context) error {
		demo.Ticks(sselimitecho.Stream(c))
		return nil
	}, limit)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	e.Listener = ln
	// No WriteTimeout: it would cut every stream; the gate bounds each write.
	e.Server.ReadHeaderTimeout = 10 * time.Second
	// On SIGINT or SIGTERM: gate.Drain, then e.Shutdown.
	demo.Serve(ln, gate, func() error { return e.Start("") }, e.Shutdown)
}
