package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/fiber"
)

func init() { frameworks["fiber"] = framework{bareFiber, limitedFiber} }

// fiberServer adapts a Fiber app to server: Fiber's own listener and
// shutdown.
type fiberServer struct{ *fiber.App }

func (s fiberServer) Serve(ln net.Listener) error        { return s.Listener(ln) }
func (s fiberServer) Shutdown(ctx context.Context) error { return s.ShutdownWithContext(ctx) }

func newFiber() *fiber.App {
	return fiber.New(fiber.Config{DisableStartupMessage: true})
}

func bareFiber() server {
	app := newFiber()
	app.Get("/events", bareFiberStream)
	app.Get("/refuse", func(c *fiber.Ctx) error {
		c.Set("Retry-After", retryAfter)
		return fiber.NewError(fiber.StatusTooManyRequests, refusalMessage)
	})
	return fiberServer{app}
}

func limitedFiber(gate *sselimit.Gate) server {
	app := newFiber()
	limit := sselimitfiber.New(sselimitfiber.Config{
		Gate:         gate,
		KeyGenerator: func(c *fiber.Ctx) string { return c.Query("user") },
	})
	app.Get("/events", limit, limitedFiberStream)
	app.Get("/refuse", limit, limitedFiberStream)
	return fiberServer{app}
}

// limitedFiberStream runs behind sselimitfiber: the stream, with its
// heartbeat, runs once the handler has returned.
func limitedFiberStream(c *fiber.Ctx) error {
	user := utils.CopyString(c.Query("user")) // c is reused once the handler returns
	return sselimitfiber.Stream(c, func(s *sselimit.Stream) {
		if s.Send(hello(user)) != nil {
			return
		}
		<-s.Context().Done()
	})
}

// bareFiberStream is a hand-written Fiber stream: headers, then a body
// stream writer that sends the hello event and a heartbeat until a flush
// fails, the way Fiber's examples stream.
func bareFiberStream(c *fiber.Ctx) error {
	c.Set("Content-Type", "text/event-stream")
	c.Set("Cache-Control", "no-cache")
	c.Set("X-Accel-Buffering", "no")
	user := utils.CopyString(c.Query("user")) // c is reused once the handler returns
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		fmt.Fprintf(w, helloFormat, user)
		if w.Flush() != nil {
			return
		}
		tick := time.NewTicker(heartbeat)
		defer tick.Stop()
		for range tick.C {
			w.WriteString(": heartbeat\n\n")
			if w.Flush() != nil {
				return
			}
		}
	})
	return nil
}
