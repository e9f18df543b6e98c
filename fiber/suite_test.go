package sselimitfiber_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/core/sselimittest"
	sselimitfiber "github.com/sselimit/sselimit/fiber"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// fasthttp's process-wide Date header clock and compression
		// workers, and its worker pool's cleaner, which notices a stopped
		// server after its idle period.
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.updateServerDate.func1"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp/stackless.funcWorker"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*workerPool).Start.func2"),
	)
}

func TestBehaviour(t *testing.T) {
	sselimittest.Run(t, sselimittest.Harness{Start: startSuite})
}

// startSuite serves the suite's route through the middleware on a real
// Fiber server, behind Fiber's recover middleware.
func startSuite(t *testing.T, cfg sselimittest.Config) string {
	fc := fiber.Config{DisableStartupMessage: true}
	if cfg.TrustProxy {
		fc.ProxyHeader = fiber.HeaderXForwardedFor
		fc.EnableTrustedProxyCheck = true
		fc.TrustedProxies = []string{"127.0.0.1"}
	}
	app := fiber.New(fc)
	app.Use(recover.New(recover.Config{
		EnableStackTrace:  true,
		StackTraceHandler: func(_ *fiber.Ctx, e any) { cfg.Recovered(e) },
	}))
	mw := sselimitfiber.Config{Gate: cfg.Gate}
	if cfg.UserKey {
		mw.KeyGenerator = func(c *fiber.Ctx) string {
			key, err := sselimittest.UserKey(c.Get("X-User"))
			if err != nil {
				return "" // KeyGenerator has no error: no identity
			}
			return key
		}
	}
	if cfg.UserCap {
		mw.UserCap = func(c *fiber.Ctx) int { return sselimittest.UserCap(c.Get("X-Cap")) }
	}
	app.Get("/stream", sselimitfiber.New(mw), func(c *fiber.Ctx) error {
		query := string(c.Request().URI().QueryString()) // a copy: the stream outlives c
		if sselimittest.Mode(query) == sselimittest.ModePanic {
			panic("sselimittest: deliberate panic")
		}
		return sselimitfiber.Stream(c, func(s *sselimit.Stream) { sselimittest.Behave(s, query) })
	})
	return serve(t, app)
}

// serve runs app on 127.0.0.1 with a random port until the test ends.
func serve(t *testing.T, app *fiber.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return serveOn(t, app, ln)
}

func serveOn(t *testing.T, app *fiber.App, ln net.Listener) string {
	t.Helper()
	served := make(chan error, 1)
	go func() { served <- app.Listener(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := app.ShutdownWithContext(ctx); err != nil {
			t.Errorf("ShutdownWithContext: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("Listener: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}
