package sselimitecho_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	sselimit "github.com/sselimit/sselimit/core"
	sselimitecho "github.com/sselimit/sselimit/echo"
)

// A route limited to 1000 streams in all and 3 per client address, served
// and then shut down: Drain ends the open stream with a close frame before
// e.Shutdown stops the server.
func Example() {
	gate, err := sselimit.NewGate(sselimit.NewSSELimiter(1000, 3))
	if err != nil {
		panic(err)
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Use(middleware.Recover())
	e.GET("/events", func(c echo.Context) error {
		s := sselimitecho.Stream(c)
		if err := s.Send(sselimit.Event{Name: "hello", Data: s.Key()}); err != nil {
			return nil
		}
		<-c.Request().Context().Done() // client gone, drain, eviction...
		return nil
	}, sselimitecho.Middleware(gate))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	e.Listener = ln
	e.Server.ConnContext = sselimit.ConnContext // finds clients that vanish without a word
	served := make(chan error, 1)
	go func() { served <- e.Start("") }()

	client := &http.Client{Transport: &http.Transport{}}
	resp, err := client.Get("http://" + ln.Addr().String() + "/events")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	events := bufio.NewReader(resp.Body)
	printEvent(events)

	// Shutdown: drain the streams first, then stop the server.
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if remaining, err := gate.Drain(ctx); err != nil {
		fmt.Println("streams still open:", remaining)
	}
	if err := e.Shutdown(ctx); err != nil {
		fmt.Println("shutdown:", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		fmt.Println("server:", err)
	}
	printEvent(events)
	// Output:
	// event: hello
	// data: ip:127.0.0.1
	// event: close
	// data: {"reason":"shutdown","retry_ms":...}
}

// printEvent prints the next event's event and data lines, with the
// random retry delay elided.
func printEvent(r *bufio.Reader) {
	for {
		line, err := r.ReadString('\n')
		line = strings.TrimSuffix(line, "\n")
		if err != nil || line == "" {
			return
		}
		if head, _, ok := strings.Cut(line, `"retry_ms":`); ok {
			line = head + `"retry_ms":...}`
		}
		if !strings.HasPrefix(line, "retry:") {
			fmt.Println(line)
		}
	}
}

// Streams limited per user: an authentication middleware stores the user's
// ID with c.Set("user", id) before the limiter runs.
func ExampleFromContext() {
	gate, err := sselimit.NewGate(sselimit.NewSSELimiter(1000, 3))
	if err != nil {
		panic(err)
	}
	e := echo.New()
	authenticate := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.Set("user", "alice") // from a verified session or token
			return next(c)
		}
	}
	e.GET("/events", func(c echo.Context) error {
		w := c.Response() // committed: 200, text/event-stream
		fmt.Fprintf(w, "event: hello\ndata: %s\n\n", c.Get("user"))
		w.Flush()
		<-c.Request().Context().Done()
		return nil
	}, authenticate, sselimitecho.MiddlewareWithConfig(sselimitecho.Config{
		Gate:                gate,
		IdentifierExtractor: sselimitecho.FromContext("user"),
	}))
}
