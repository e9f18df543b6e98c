// Command fiber serves the sselimit demo on Fiber: GET /events streams a
// "tick" event each second, capped per user and in total; GET / is a page
// to watch it; GET /stats has the counts, GET /metrics the metrics in the
// Prometheus text format, GET /debug/streams the open streams. SIGINT or
// SIGTERM drains every stream, then stops the server. The flags are those
// of package demo: caps, plans, trusted proxies, a Redis shared by
// replicas.
//
//	go run ./examples/fiber -max-per-user 2
//	go run ./examples/fiber -trusted-proxy 127.0.0.1 -redis redis://127.0.0.1:6379/0
package main

import (
	"log"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gofiber/fiber/v2/middleware/recover"
	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/examples/demo"
	sselimitfiber "github.com/sselimit/sselimit/fiber"
)

func main() {
	app, err := demo.New(demo.ParseFlags())
	if err != nil {
		log.Fatal(err)
	}

	cfg := fiber.Config{DisableStartupMessage: true}
	// The client IP is the peer's address, never a header a client could
	// forge, unless the peer is a proxy named by -trusted-proxy: then it
	// is the address that proxy puts in its X-Real-IP header.
	if cidrs := app.TrustedCIDRs(); len(cidrs) > 0 {
		cfg.EnableTrustedProxyCheck, cfg.TrustedProxies = true, cidrs
		cfg.ProxyHeader, cfg.EnableIPValidation = demo.ProxyHeader, true
	}
	f := fiber.New(cfg)
	f.Use(recover.New())
	for _, rt := range app.Routes() {
		f.Add(fiber.MethodGet, rt.Path, adaptor.HTTPHandler(rt.Handler))
	}
	// The demo's user is the user query parameter, since a browser's
	// EventSource cannot set headers. A real app takes the user its auth
	// middleware verified (sselimitfiber.KeyFromLocals), and their plan.
	limit := sselimitfiber.New(sselimitfiber.Config{
		Gate:         app.Gate,
		KeyGenerator: func(c *fiber.Ctx) string { return c.Query("user") },
		// With -plan, a user's cap is their plan's.
		UserCap: func(c *fiber.Ctx) int { return app.UserCap(c.Query("user")) },
	})
	// GET only: Fiber's Get would answer HEAD with the same handlers. The
	// stream runs after the handler returns, when Fiber sends the
	// response's body, so it must not touch c: what it needs is copied.
	f.Add(fiber.MethodGet, "/events", limit, func(c *fiber.Ctx) error {
		last := strings.Clone(demo.LastEventID(c.Get("Last-Event-ID"), c.Query("lastEventId")))
		return sselimitfiber.Stream(c, func(s *sselimit.Stream) { app.Ticks(s, last) })
	})
	for _, m := range demo.NotGET {
		f.Add(m, "/events", adaptor.HTTPHandlerFunc(demo.MethodNotAllowed))
	}

	ln := app.Listen()
	// On SIGINT or SIGTERM: gate.Drain, then f.ShutdownWithContext.
	app.Serve(ln, func() error { return f.Listener(ln) }, f.ShutdownWithContext)
}
