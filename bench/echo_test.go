package bench

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	sselimit "github.com/sselimit/sselimit/core"
	sselimitecho "github.com/sselimit/sselimit/echo"
)

// The Echo adapter's cost, through e.ServeHTTP, against a bare Echo handler
// doing the same without limits. Compare the two columns:
//
//	go test -run '^$' -bench '^BenchmarkEcho' -benchmem -count 10 > results/echo.txt
//	benchstat -col /impl results/echo.txt
//
// Refusal: the middleware refusing at the global cap (503, Retry-After,
// Echo's JSON error) vs a handler setting Retry-After and returning
// echo.NewHTTPError(429). ShortStream: the middleware admitting, a handler
// sending one event and returning, the slot released, vs a handler setting
// the event-stream headers, writing one event and flushing.

// echoSink is a reusable ResponseWriter that discards the body and counts
// it, so neither side pays for a recorder.
type echoSink struct {
	h      http.Header
	status int
	n      int
}

func (w *echoSink) Header() http.Header         { return w.h }
func (w *echoSink) WriteHeader(code int)        { w.status = code }
func (w *echoSink) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }
func (w *echoSink) Flush()                      {}
func (w *echoSink) reset()                      { clear(w.h); w.status, w.n = 0, 0 }

// SetWriteDeadline is there because net/http's writer has it: the stream
// sets its write deadline through it.
func (w *echoSink) SetWriteDeadline(time.Time) error { return nil }

// serveEcho serves req through e b.N times on one sink, after checking the
// first response has status want.
func serveEcho(b *testing.B, e *echo.Echo, want int) {
	// A server's request context is cancellable, so a stream's context
	// registers with it as it would in production.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "/events", nil)
	if err != nil {
		b.Fatal(err)
	}
	req.RemoteAddr = "192.0.2.10:40000"
	w := &echoSink{h: http.Header{}}
	e.ServeHTTP(w, req)
	if w.status != want || w.n == 0 {
		b.Fatalf("first response: status %d, %d body bytes; want %d and a body", w.status, w.n, want)
	}
	loopWithCPU(b, func() {
		w.reset()
		e.ServeHTTP(w, req)
	})
}

func newBenchEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	return e
}

func BenchmarkEchoRefusal(b *testing.B) {
	b.Run("impl=bare", func(b *testing.B) {
		serveEcho(b, bareRefusingEcho(), http.StatusTooManyRequests)
	})
	b.Run("impl=sselimitecho", func(b *testing.B) {
		serveEcho(b, refusingEcho(b), http.StatusServiceUnavailable)
	})
}

func bareRefusingEcho() *echo.Echo {
	e := newBenchEcho()
	e.GET("/events", func(c echo.Context) error {
		c.Response().Header().Set("Retry-After", "3")
		return echo.NewHTTPError(http.StatusTooManyRequests, "too many streams for this user")
	})
	return e
}

// refusingEcho is an Echo whose middleware refuses every request at the
// global cap, another client holding the only slot.
func refusingEcho(b *testing.B) *echo.Echo {
	gate := fullGate(b)
	e := newBenchEcho()
	e.GET("/events", func(c echo.Context) error {
		b.Error("a refused request reached the handler")
		return nil
	}, sselimitecho.Middleware(gate))
	return e
}

// BenchmarkEchoRefusalOverTCP is BenchmarkEchoRefusal end to end: a
// net/http server on 127.0.0.1 and a client on one keep-alive connection,
// both sides' CPU counted.
func BenchmarkEchoRefusalOverTCP(b *testing.B) {
	b.Run("impl=bare", func(b *testing.B) {
		serveGinTCP(b, bareRefusingEcho(), http.StatusTooManyRequests)
	})
	b.Run("impl=sselimitecho", func(b *testing.B) {
		serveGinTCP(b, refusingEcho(b), http.StatusServiceUnavailable)
	})
}

var benchEvent = []byte("event: tick\ndata: hello\n\n")

func BenchmarkEchoShortStream(b *testing.B) {
	b.Run("impl=bare", func(b *testing.B) {
		e := newBenchEcho()
		e.GET("/events", func(c echo.Context) error {
			w := c.Response()
			sselimit.SetStreamHeaders(w.Header())
			w.WriteHeader(http.StatusOK)
			w.Write(benchEvent)
			w.Flush()
			return nil
		})
		serveEcho(b, e, http.StatusOK)
	})
	b.Run("impl=sselimitecho", func(b *testing.B) {
		gate := roomyGate(b)
		e := newBenchEcho()
		e.GET("/events", func(c echo.Context) error {
			return sselimitecho.Stream(c).Send(sselimit.Event{Name: "tick", Data: "hello"})
		}, sselimitecho.Middleware(gate))
		serveEcho(b, e, http.StatusOK)
	})
}
