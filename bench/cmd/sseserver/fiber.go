package main

import (
	"bufio"
	"context"
	"net"
	"time"

	"github.com/gofiber/fiber/v2"
)

func init() { frameworks["fiber"] = framework{bare: bareFiber} }

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

// bareFiberStream is a hand-written Fiber stream: headers, then a body
// stream writer that sends the hello event and a heartbeat until a flush
// fails, the way Fiber's examples stream.
func bareFiberStream(c *fiber.Ctx) error {
	c.Set("Content-Type", "text/event-stream")
	c.Set("Cache-Control", "no-cache")
	c.Set("X-Accel-Buffering", "no")
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		w.WriteString(helloFrame)
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
