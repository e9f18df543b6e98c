package main

import (
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	sselimit "github.com/sselimit/sselimit/core"
)

func init() { frameworks["echo"] = framework{bare: bareEcho} }

func newEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	return e
}

func bareEcho() server {
	e := newEcho()
	e.GET("/events", bareEchoStream)
	e.GET("/refuse", func(c echo.Context) error {
		c.Response().Header().Set("Retry-After", retryAfter)
		return echo.NewHTTPError(http.StatusTooManyRequests, refusalMessage)
	})
	return httpServer(e)
}

// bareEchoStream is a hand-written Echo stream: headers, the hello event,
// then a heartbeat until the client goes.
func bareEchoStream(c echo.Context) error {
	w := c.Response()
	sselimit.SetStreamHeaders(w.Header())
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, helloFrame)
	w.Flush()
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-c.Request().Context().Done():
			return nil
		case <-tick.C:
			io.WriteString(w, ": heartbeat\n\n")
			w.Flush()
		}
	}
}
