package bench

import (
	"bufio"
	"net"
	"testing"

	"github.com/gofiber/fiber/v2"
	sselimit "github.com/sselimit/sselimit/core"
	sselimitfiber "github.com/sselimit/sselimit/fiber"
	"github.com/valyala/fasthttp"
)

// The Fiber adapter's cost, through app.Handler() on a reused
// fasthttp.RequestCtx, against a bare Fiber handler doing the same without
// limits. Each request is served as fasthttp serves it: the handler, then
// the response (headers and body, the body stream included) written out.
// Compare the two columns:
//
//	go test -run '^$' -bench '^BenchmarkFiber' -benchmem -count 10 > results/fiber.txt
//	benchstat -col /impl results/fiber.txt
//
// Refusal: the middleware refusing at the global cap (503, Retry-After,
// fiber.NewError through the app's ErrorHandler) vs a handler setting
// Retry-After and returning fiber.NewError(429). ShortStream: the
// middleware admitting and Stream sending one event, the slot released as
// the stream function returns, vs a handler setting the event-stream
// headers and a SetBodyStreamWriter writing and flushing one event.
//
// A RequestCtx made by Init has no real connection, so the stream's
// connection watcher and write deadlines, which run on TCP connections
// only, are not counted here.
//
// RefusalOverTCP is Refusal end to end: a fasthttp client and the app's
// server on 127.0.0.1, one keep-alive connection, both sides' CPU counted.

// serveFiber serves GET /events through app b.N times on one RequestCtx,
// after checking the first response has status want.
func serveFiber(b *testing.B, app *fiber.App, want int) {
	handler := app.Handler()
	var req fasthttp.Request
	req.Header.SetMethod(fasthttp.MethodGet)
	req.SetRequestURI("/events")
	var ctx fasthttp.RequestCtx
	ctx.Init(&req, &net.TCPAddr{IP: net.IPv4(192, 0, 2, 10), Port: 40000}, nil)
	out := &countingWriter{}
	w := bufio.NewWriter(out)
	serve := func() {
		ctx.Response.Reset()
		ctx.ResetUserValues() // c.Locals, which the middleware reads, live there
		handler(&ctx)
		if err := ctx.Response.Write(w); err != nil {
			b.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
	}
	serve()
	if got := ctx.Response.StatusCode(); got != want || out.n == 0 {
		b.Fatalf("first response: status %d, %d bytes; want %d and a body", got, out.n, want)
	}
	loopWithCPU(b, func() { serve() })
}

type countingWriter struct{ n int }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

func newBenchFiber() *fiber.App {
	return fiber.New(fiber.Config{DisableStartupMessage: true})
}

func BenchmarkFiberRefusal(b *testing.B) {
	b.Run("impl=bare", func(b *testing.B) {
		serveFiber(b, bareRefusingFiber(), fiber.StatusTooManyRequests)
	})
	b.Run("impl=sselimitfiber", func(b *testing.B) {
		serveFiber(b, refusingFiber(b), fiber.StatusServiceUnavailable)
	})
}

// serveFiberTCP serves app on 127.0.0.1 and requests GET /events b.N times
// over one keep-alive connection, after checking the first response has
// status want.
func serveFiberTCP(b *testing.B, app *fiber.App, want int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- app.Listener(ln) }()
	defer func() {
		if err := app.Shutdown(); err != nil {
			b.Error(err)
		}
		if err := <-served; err != nil {
			b.Error(err)
		}
	}()
	client := &fasthttp.HostClient{Addr: ln.Addr().String(), MaxConns: 1}
	defer client.CloseIdleConnections()
	var req fasthttp.Request
	var resp fasthttp.Response
	req.SetRequestURI("http://" + ln.Addr().String() + "/events")
	get := func() {
		if err := client.Do(&req, &resp); err != nil {
			b.Fatal(err)
		}
		if resp.StatusCode() != want {
			b.Fatalf("status %d, want %d", resp.StatusCode(), want)
		}
	}
	get()
	loopWithCPU(b, get)
}

// refusingFiber is an app whose middleware refuses every request at the
// global cap, another client holding the only slot.
func refusingFiber(b *testing.B) *fiber.App {
	gate := fullGate(b)
	app := newBenchFiber()
	app.Get("/events", sselimitfiber.New(sselimitfiber.Config{Gate: gate}), func(c *fiber.Ctx) error {
		b.Error("a refused request reached the handler")
		return nil
	})
	return app
}

func bareRefusingFiber() *fiber.App {
	app := newBenchFiber()
	app.Get("/events", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderRetryAfter, "3")
		return fiber.NewError(fiber.StatusTooManyRequests, "too many streams for this user")
	})
	return app
}

func BenchmarkFiberRefusalOverTCP(b *testing.B) {
	b.Run("impl=bare", func(b *testing.B) {
		serveFiberTCP(b, bareRefusingFiber(), fiber.StatusTooManyRequests)
	})
	b.Run("impl=sselimitfiber", func(b *testing.B) {
		serveFiberTCP(b, refusingFiber(b), fiber.StatusServiceUnavailable)
	})
}

func BenchmarkFiberShortStream(b *testing.B) {
	b.Run("impl=bare", func(b *testing.B) {
		app := newBenchFiber()
		app.Get("/events", func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderContentType, "text/event-stream")
			c.Set(fiber.HeaderCacheControl, "no-cache")
			c.Set("X-Accel-Buffering", "no")
			c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
				w.Write(benchEvent)
				w.Flush()
			})
			return nil
		})
		serveFiber(b, app, fiber.StatusOK)
	})
	b.Run("impl=sselimitfiber", func(b *testing.B) {
		gate := roomyGate(b)
		app := newBenchFiber()
		app.Get("/events", sselimitfiber.New(sselimitfiber.Config{Gate: gate}), func(c *fiber.Ctx) error {
			return sselimitfiber.Stream(c, func(s *sselimit.Stream) {
				s.Send(sselimit.Event{Name: "tick", Data: "hello"})
			})
		})
		serveFiber(b, app, fiber.StatusOK)
	})
}
