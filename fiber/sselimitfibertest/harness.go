package sselimitfibertest

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
)

// BackgroundGoroutines are the functions of the goroutines fasthttp keeps
// for the whole process, or until its idle period after a server stops:
// pass each to goleak.IgnoreAnyFunction.
var BackgroundGoroutines = []string{
	"github.com/valyala/fasthttp.updateServerDate.func1",
	"github.com/valyala/fasthttp/stackless.funcWorker",
	"github.com/valyala/fasthttp.(*workerPool).Start.func2",
}

// Harness serves the suite's route through sselimitfiber.New on a Fiber
// app behind Fiber's recover middleware. The suite's trusted proxy is set
// with Fiber's ProxyHeader, EnableTrustedProxyCheck and TrustedProxies.
// KeyGenerator has no error to return: the suite's failing key function
// gives "", no identity (401).
func Harness() sselimittest.Harness { return sselimittest.Harness{Start: start} }

func start(t *testing.T, cfg sselimittest.Config) string {
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
				return ""
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
	return Serve(t, app)
}

// Serve runs app on 127.0.0.1 with a random port until t ends, and
// returns its base URL.
func Serve(t testing.TB, app *fiber.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ServeListener(t, app, ln)
}

// ServeListener runs app on ln until t ends, then shuts it down (waiting
// up to 30 seconds for open streams), and returns its base URL.
func ServeListener(t testing.TB, app *fiber.App, ln net.Listener) string {
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
