// Command stranger is what a user outside the repository writes: one event
// stream on each framework, mounted as the adapters' READMEs show, and the
// gate's metrics on the net/http server's /metrics. It prints
// "<framework> <url>" for each server, then serves until SIGTERM, drains
// every stream, shuts the servers down and exits 0.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gofiber/fiber/v2"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	sselimit "github.com/sselimit/sselimit/core"
	sselimitecho "github.com/sselimit/sselimit/echo"
	sselimitfiber "github.com/sselimit/sselimit/fiber"
	sselimitgin "github.com/sselimit/sselimit/gin"
	sselimitprom "github.com/sselimit/sselimit/prometheus"
)

// hello sends one event and holds the stream until it ends.
func hello(s *sselimit.Stream) {
	if err := s.Send(sselimit.Event{Name: "hello", Data: "stranger"}); err != nil {
		return
	}
	<-s.Context().Done()
}

func main() {
	gate, err := sselimit.NewGate(sselimit.NewSSELimiter(100, 10), sselimit.WithHeartbeat(15*time.Second))
	if err != nil {
		log.Fatal(err)
	}

	prometheus.MustRegister(sselimitprom.NewCollector(gate))
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.Handler())
	mux.Handle("GET /events", sselimit.Middleware(gate)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hello(sselimit.StreamFromContext(r.Context()))
	})))

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.GET("/events", sselimitgin.New(gate), func(c *gin.Context) {
		hello(sselimitgin.Stream(c))
	})

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/events", func(c echo.Context) error {
		hello(sselimitecho.Stream(c))
		return nil
	}, sselimitecho.Middleware(gate))

	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/events", sselimitfiber.New(sselimitfiber.Config{Gate: gate}), func(c *fiber.Ctx) error {
		return sselimitfiber.Stream(c, hello)
	})

	nethttp, ginServer, echoServer := &http.Server{Handler: mux}, &http.Server{Handler: r}, &http.Server{Handler: e}
	serve("net/http", nethttp.Serve)
	serve("gin", ginServer.Serve)
	serve("echo", echoServer.Serve)
	serve("fiber", app.Listener)

	stop, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	<-stop.Done()
	cancel()

	ctx, done := context.WithTimeout(context.Background(), 10*time.Second)
	defer done()
	if n, err := gate.Drain(ctx); err != nil {
		log.Fatalf("drain: %d streams still open: %v", n, err)
	}
	for _, shutdown := range []func(context.Context) error{nethttp.Shutdown, ginServer.Shutdown, echoServer.Shutdown, app.ShutdownWithContext} {
		if err := shutdown(ctx); err != nil {
			log.Fatal(err)
		}
	}
}

// serve starts a server on a free port of 127.0.0.1 and prints its URL.
func serve(name string, run func(net.Listener) error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		if err := run(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Fatalf("%s: %v", name, err)
		}
	}()
	fmt.Printf("%s http://%s/events\n", name, ln.Addr())
}
