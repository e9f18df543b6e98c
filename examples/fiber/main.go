// Command fiber serves the sselimit demo on Fiber: GET /events streams a
// "tick" event each second, capped per user and in total; GET / is a page
// to watch it; GET /stats has the counts. SIGINT or SIGTERM drains every
// stream, then stops the server.
//
//	go run ./examples/fiber -max-per-user 2
package main

import (
	"flag"
	"log"
	"net"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/examples/demo"
	sselimitfiber "github.com/sselimit/sselimit/fiber"
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

	// Fiber's defaults take the client IP from the connection, never from
	// a header the client could forge.
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(recover.New())
	app.Get("/", func(c *fiber.Ctx) error {
		c.Type("html", "utf-8")
		return c.Send(demo.Page)
	})
	app.Get("/stats", func(c *fiber.Ctx) error {
		return c.JSON(demo.NewStats(lim, gate, *maxTotal, *maxPerUser))
	})
	// The demo's user is the user query parameter, since a browser's
	// EventSource cannot set headers. A real app takes the user its auth
	// middleware verified (sselimitfiber.KeyFromLocals).
	limit := sselimitfiber.New(sselimitfiber.Config{
		Gate: gate,
		KeyGenerator: func(c *fiber.Ctx) (string, error) {
			return c.Query("user"), nil
		},
	})
	// The stream runs after the handler returns, when Fiber sends the
	// response's body: Ticks must not touch c.
	app.Get("/events", limit, func(c *fiber.Ctx) error {
		return sselimitfiber.Stream(c, demo.Ticks)
	})

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	// On SIGINT or SIGTERM: gate.Drain, then app.ShutdownWithContext.
	demo.Serve(ln, gate, func() error { return app.Listener(ln) }, app.ShutdownWithContext)
}
