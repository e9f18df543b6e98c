// Command gin serves the sselimit demo on Gin: GET /events streams a
// "tick" event each second, capped per user and in total; GET / is a page
// to watch it; GET /stats has the counts, GET /metrics the metrics in the
// Prometheus text format, GET /debug/streams the open streams. SIGINT or
// SIGTERM drains every stream, then stops the server. The flags are those
// of package demo: caps, plans, trusted proxies, a Redis shared by
// replicas.
//
//	go run ./examples/gin -max-per-user 2
//	go run ./examples/gin -trusted-proxy 127.0.0.1 -redis redis://127.0.0.1:6379/0
package main

import (
	"log"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/examples/demo"
	sselimitgin "github.com/sselimit/sselimit/gin"
)

func main() {
	app, err := demo.New(demo.ParseFlags())
	if err != nil {
		log.Fatal(err)
	}

	r := gin.New()
	r.Use(gin.Recovery())
	// The client IP is the peer's address, never a header a client could
	// forge, unless the peer is a proxy named by -trusted-proxy: then it
	// is the address that proxy puts in its X-Real-IP header.
	if err := r.SetTrustedProxies(app.TrustedCIDRs()); err != nil {
		log.Fatal(err)
	}
	r.RemoteIPHeaders = []string{demo.ProxyHeader}
	for _, rt := range app.Routes() {
		r.GET(rt.Path, gin.WrapH(rt.Handler))
	}
	// The demo's user is the user query parameter, since a browser's
	// EventSource cannot set headers. A real app takes the user its auth
	// middleware verified (sselimitgin.KeyFromContext), and their plan.
	// With -plan, a user's cap is their plan's.
	limit := sselimitgin.New(app.Gate,
		sselimitgin.WithKeyFunc(func(c *gin.Context) (string, error) { return c.Query("user"), nil }),
		sselimitgin.WithUserCap(func(c *gin.Context) int { return app.UserCap(c.Query("user")) }),
	)
	r.GET("/events", limit, func(c *gin.Context) {
		app.Ticks(sselimitgin.Stream(c), demo.LastEventID(c.GetHeader("Last-Event-ID"), c.Query("lastEventId")))
	})
	for _, m := range demo.NotGET {
		r.Handle(m, "/events", gin.WrapF(demo.MethodNotAllowed))
	}

	ln := app.Listen()
	// No WriteTimeout: it would cut every stream; the gate bounds each
	// write. ConnContext lets a stream bound its connection, so a client
	// that vanished without a word is found.
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second, ConnContext: sselimit.ConnContext}
	// On SIGINT or SIGTERM: gate.Drain, then srv.Shutdown.
	app.Serve(ln, func() error { return srv.Serve(ln) }, srv.Shutdown)
}
