package bench

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"
	sselimit "github.com/sselimit/sselimit/core"
	sselimitgin "github.com/sselimit/sselimit/gin"
)

// The Gin adapter's cost (Gin v1.12.0), each case against a bare Gin
// handler doing the same work without limits. Compare the columns:
//
//	go test -run '^$' -bench '^BenchmarkGin' -benchmem -count 10 . > results/gin.txt
//	benchstat -col /impl results/gin.txt
//
// Refusal and ShortStream run through engine.ServeHTTP on a reused sink (no
// network); RefusalOverTCP is the refusal end to end, a net/http server on
// 127.0.0.1 and a client on one keep-alive connection, both sides' CPU
// counted.
//
// Refusal: the middleware refusing at the global cap (503, Retry-After,
// c.AbortWithStatusJSON), identifying clients by c.ClientIP() (the
// default) or by a key function, vs a handler setting Retry-After and
// answering 429 with c.AbortWithStatusJSON. ShortStream: the middleware
// admitting, a handler sending one event and returning, the slot released,
// vs a handler setting the event-stream headers, writing one event and
// flushing.

func newBenchGin() *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	return gin.New()
}

// newBenchRequest is GET /events from 192.0.2.10 as user alice, with a
// cancellable context as a server's requests have, so a stream's context
// registers with it as it would in production.
func newBenchRequest(b *testing.B, url string) *http.Request {
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.RemoteAddr = "192.0.2.10:40000"
	req.Header.Set("X-User", "alice")
	return req
}

// serveGin serves a request through r b.N times on one sink (echoSink, a
// plain http.ResponseWriter), after checking the first response has status
// want.
func serveGin(b *testing.B, r *gin.Engine, want int) {
	req := newBenchRequest(b, "/events")
	w := &echoSink{h: http.Header{}}
	r.ServeHTTP(w, req)
	if w.status != want || w.n == 0 {
		b.Fatalf("first response: status %d, %d body bytes; want %d and a body", w.status, w.n, want)
	}
	loopWithCPU(b, func() {
		w.reset()
		r.ServeHTTP(w, req)
	})
}

// serveGinTCP serves r (a Gin engine, or any handler) on 127.0.0.1 and
// requests GET /events b.N times over one keep-alive connection, after
// checking the first response has status want.
func serveGinTCP(b *testing.B, r http.Handler, want int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: r}
	go srv.Serve(ln)
	defer srv.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	req := newBenchRequest(b, "http://"+ln.Addr().String()+"/events")
	get := func() {
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			b.Fatalf("status %d, want %d", resp.StatusCode, want)
		}
	}
	get()
	loopWithCPU(b, get)
}

func bareRefusingGin() *gin.Engine {
	r := newBenchGin()
	r.GET("/events", func(c *gin.Context) {
		c.Header("Retry-After", "3")
		c.AbortWithStatusJSON(http.StatusTooManyRequests, gin.H{"error": "too many streams for this user"})
	})
	return r
}

// refusingGin is an engine whose middleware refuses every request at the
// global cap, another client holding the only slot.
func refusingGin(b *testing.B, opts ...sselimitgin.Option) *gin.Engine {
	gate := fullGate(b)
	r := newBenchGin()
	r.GET("/events", sselimitgin.New(gate, opts...), func(*gin.Context) {
		b.Error("a refused request reached the handler")
	})
	return r
}

// byUserHeader identifies clients by the X-User header instead of
// c.ClientIP(), whose cost is Gin's: what is left is the middleware's and
// the gate's.
var byUserHeader = sselimitgin.WithKeyFunc(func(c *gin.Context) (string, error) { return c.GetHeader("X-User"), nil })

func BenchmarkGinRefusal(b *testing.B) {
	b.Run("impl=bare", func(b *testing.B) {
		serveGin(b, bareRefusingGin(), http.StatusTooManyRequests)
	})
	b.Run("impl=sselimitgin", func(b *testing.B) {
		serveGin(b, refusingGin(b), http.StatusServiceUnavailable)
	})
	b.Run("impl=sselimitgin-keyfunc", func(b *testing.B) {
		serveGin(b, refusingGin(b, byUserHeader), http.StatusServiceUnavailable)
	})
}

func BenchmarkGinRefusalOverTCP(b *testing.B) {
	b.Run("impl=bare", func(b *testing.B) {
		serveGinTCP(b, bareRefusingGin(), http.StatusTooManyRequests)
	})
	b.Run("impl=sselimitgin", func(b *testing.B) {
		serveGinTCP(b, refusingGin(b), http.StatusServiceUnavailable)
	})
}

func BenchmarkGinShortStream(b *testing.B) {
	b.Run("impl=bare", func(b *testing.B) {
		r := newBenchGin()
		r.GET("/events", func(c *gin.Context) {
			sselimit.SetStreamHeaders(c.Writer.Header())
			c.Status(http.StatusOK)
			c.Writer.Write(benchEvent)
			c.Writer.Flush()
		})
		serveGin(b, r, http.StatusOK)
	})
	b.Run("impl=sselimitgin", func(b *testing.B) {
		gate := roomyGate(b)
		r := newBenchGin()
		r.GET("/events", sselimitgin.New(gate), func(c *gin.Context) {
			sselimitgin.Stream(c).Send(sselimit.Event{Name: "tick", Data: "hello"})
		})
		serveGin(b, r, http.StatusOK)
	})
}
