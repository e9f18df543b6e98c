package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/echo"
)

func init() { frameworks["echo"] = framework{bareEcho, limitedEcho} }

// echoServer serves with Echo's own Start and Shutdown.
type echoServer struct{ *echo.Echo }

func (e echoServer) Serve(ln net.Listener) error {
	e.Listener = ln
	return e.Start("")
}

func newEcho() echoServer {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	return echoServer{e}
}

func bareEcho() server {
	e := newEcho()
	e.GET("/events", bareEchoStream)
	e.GET("/refuse", func(c echo.Context) error {
		c.Response().Header().Set("Retry-After", retryAfter)
		return echo.NewHTTPError(http.StatusTooManyRequests, refusalMessage)
	})
	return e
}

func limitedEcho(gate *sselimit.Gate) server {
	e := newEcho()
	limit := sselimitecho.MiddlewareWithConfig(sselimitecho.Config{
		Gate:                gate,
		IdentifierExtractor: func(c echo.Context) (string, error) { return c.QueryParam("user"), nil },
	})
	e.GET("/events", limitedEchoStream, limit)
	e.GET("/refuse", limitedEchoStream, limit)
	return e
}

// limitedEchoStream runs behind sselimitecho, which committed the response
// and runs the heartbeat.
func limitedEchoStream(c echo.Context) error {
	if sselimitecho.Stream(c).Send(hello(c.QueryParam("user"))) != nil {
		return nil
	}
	<-c.Request().Context().Done()
	return nil
}

// bareEchoStream is a hand-written Echo stream: headers, the hello event,
// then a heartbeat until the client goes.
func bareEchoStream(c echo.Context) error {
	w := c.Response()
	sselimit.SetStreamHeaders(w.Header())
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, helloFormat, c.QueryParam("user"))
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
