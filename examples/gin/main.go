// Command gin serves the sselimit demo on Gin: GET /events streams a
// "tick" event each second, capped per user and in total; GET / is a page
// to watch it; GET /stats has the counts. SIGINT or SIGTERM drains every
// stream, then stops the server.
//
//	go run ./examples/gin -max-per-user 2
package main

import (
	"flag"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/examples/demo"
	sselimitgin "github.com/sselimit/sselimit/gin"
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

	r := gin.New()
	r.Use(gin.Recovery())
	// Served directly, not behind a proxy: the client IP is the peer's
	// address, never a header the client could forge.
	if err := r.SetTrustedProxies(nil); err != nil {
		log.Fatal(err)
	}
	r.GET("/", func(c *gin.Context) {
		c.Data(http.StatusOK, "text/html; charset=utf-8", demo.Page)
	})
	r.GET("/stats", func(c *gin.Context) {
		c.JSON(http.StatusOK, demo.NewStats(lim, gate, *maxTotal, *maxPerUser))
	})
	// The demo's user is the user query parameter, since a browser's
	// EventSource cannot set headers. A real app takes the user its auth
	// middleware verified (sselimitgin.KeyFromContext).
	limit := sselimitgin.New(gate, sselimitgin.WithKeyFunc(func(c *gin.Context) (string, error) {
		return c.Query("user"), nil
	}))
	r.GET("/events", limit, func(c *gin.Context) {
		demo.Ticks(sselimitgin.Stream(c))
	})

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	// No WriteTimeout: it would cut every stream; the gate bounds each write.
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	// On SIGINT or SIGTERM: gate.Drain, then srv.Shutdown.
	demo.Serve(ln, gate, func() error { return srv.Serve(ln) }, srv.Shutdown)
}
