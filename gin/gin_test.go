package sselimitgin_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/core/sselimittest"
	sselimitgin "github.com/sselimit/sselimit/gin"
)

// fixture is a watched gate and a Gin engine to route through it.
type fixture struct {
	*sselimittest.Watch
	t      *testing.T
	engine *gin.Engine
}

func newFixture(t *testing.T, maxTotal, maxPerUser int, opts ...sselimit.Option) *fixture {
	w := sselimittest.NewWatch(t, sselimit.NewSSELimiter(maxTotal, maxPerUser), sselimit.Hooks{}, opts...)
	return &fixture{Watch: w, t: t, engine: gin.New()}
}

// serve starts the engine on srv (a plain server when nil) and returns a
// client for it.
func (f *fixture) serve(srv *http.Server) *sselimittest.Client {
	if srv == nil {
		srv = &http.Server{}
	}
	srv.Handler = f.engine
	return sselimittest.NewClient(f.t, serve(f.t, srv))
}

// byHeader limits by the X-User header, as the suite's client sends it.
var byHeader = sselimitgin.WithKeyFunc(func(c *gin.Context) (string, error) { return c.GetHeader("X-User"), nil })

// hold sends the hello event and waits for the stream's end.
func hold(c *gin.Context) {
	s := sselimitgin.Stream(c)
	if s.Send(sselimit.Event{Name: "hello", Data: s.Key()}) == nil {
		<-c.Request.Context().Done()
	}
}

// nextClose reads past ticks and comments to the close frame and returns
// its reason.
func nextClose(t *testing.T, conn *sselimittest.Conn) string {
	t.Helper()
	for {
		ev, err := conn.Next()
		if err != nil {
			t.Fatalf("reading to the close frame: %v", err)
		}
		if ev.Name == "close" {
			var data struct{ Reason string }
			if err := json.Unmarshal([]byte(ev.Data), &data); err != nil {
				t.Fatalf("close frame %+v: %v", ev, err)
			}
			return data.Reason
		}
	}
}

func TestNewPanicsOnNilGate(t *testing.T) {
	defer func() {
		if v := recover(); v == nil || !strings.Contains(fmt.Sprint(v), "needs a *sselimit.Gate") {
			t.Errorf("New(nil): recovered %v, want a panic naming the missing gate", v)
		}
	}()
	sselimitgin.New(nil)
}

func TestMountedOnGroupAndRouteCountsOnce(t *testing.T) {
	f := newFixture(t, 10, 1)
	admitted := make(chan *sselimit.Stream, 2)
	api := f.engine.Group("/api", sselimitgin.New(f.Gate, byHeader))
	api.GET("/stream", sselimitgin.New(f.Gate, byHeader), func(c *gin.Context) {
		admitted <- sselimitgin.Stream(c)
		hold(c)
	})
	client := f.serve(nil)

	// With a cap of one per user, a stream counted twice would be refused.
	client.MustStream("/api/stream", "alice")
	f.Active(1)
	if s := sselimittest.Receive(t, admitted, "the handler"); s == nil || s.Key() != "alice" {
		t.Errorf("Stream(c) in the handler: got %v, want alice's stream", s)
	}
	if st := f.Gate.Stats(); st.Admitted != 1 {
		t.Errorf("Stats().Admitted: got %d, want 1", st.Admitted)
	}
	if _, resp, _, err := client.Open("/api/stream", "alice"); err != nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("second stream for alice: got %v, %v; want 429", resp, err)
	}
	client.MustStream("/api/stream", "bob")
	f.Active(2)
}

// handlerEnd is how a streaming handler saw its stream end.
type handlerEnd struct {
	clientGone bool   // what c.Stream returned
	reason     string // the EndedError's reason, or "" for another cause
}

func endOf(c *gin.Context, clientGone bool) handlerEnd {
	var ended *sselimit.EndedError
	if errors.As(context.Cause(c.Request.Context()), &ended) {
		return handlerEnd{clientGone, string(ended.Reason)}
	}
	return handlerEnd{clientGone, ""}
}

// The ways Gin users write SSE handlers today.
var ginHandlers = map[string]func(ended chan<- handlerEnd) gin.HandlerFunc{
	// c.Stream with c.SSEvent; the step never looks at the context, so
	// only CloseNotify can end the loop.
	"c.Stream": func(ended chan<- handlerEnd) gin.HandlerFunc {
		return func(c *gin.Context) {
			c.SSEvent("hello", "gin")
			c.Writer.Flush()
			tick := time.NewTicker(10 * time.Millisecond)
			defer tick.Stop()
			i := 0
			gone := c.Stream(func(io.Writer) bool {
				<-tick.C
				c.SSEvent("tick", i)
				i++
				return true
			})
			ended <- endOf(c, gone)
		}
	},
	// Direct writes to c.Writer with Flush, until the request's context ends.
	"c.Writer": func(ended chan<- handlerEnd) gin.HandlerFunc {
		return func(c *gin.Context) {
			io.WriteString(c.Writer, "event: hello\ndata: gin\n\n")
			c.Writer.Flush()
			tick := time.NewTicker(10 * time.Millisecond)
			defer tick.Stop()
			for i := 0; ; i++ {
				select {
				case <-c.Request.Context().Done():
					ended <- endOf(c, false)
					return
				case <-tick.C:
					fmt.Fprintf(c.Writer, "event: tick\ndata: %d\n\n", i)
					c.Writer.Flush()
				}
			}
		}
	},
}

func TestGinHandlersEndWithTheStream(t *testing.T) {
	for name, handler := range ginHandlers {
		usesStream := name == "c.Stream"
		t.Run(name+"/drain", func(t *testing.T) {
			f := newFixture(t, 10, 1)
			ended := make(chan handlerEnd, 1)
			f.engine.GET("/stream", sselimitgin.New(f.Gate, byHeader), handler(ended))
			conn := f.serve(nil).MustStream("/stream", "alice")
			drained := make(chan error, 1)
			go func() { _, err := f.Gate.Drain(context.Background()); drained <- err }()
			if got := nextClose(t, conn); got != "shutdown" {
				t.Errorf("close frame reason %q, want shutdown", got)
			}
			if got := sselimittest.Receive(t, ended, "the handler's end"); got != (handlerEnd{usesStream, "shutdown"}) {
				t.Errorf("handler saw %+v", got)
			}
			if err := sselimittest.Receive(t, drained, "Drain"); err != nil {
				t.Errorf("Drain: %v", err)
			}
		})
		t.Run(name+"/eviction", func(t *testing.T) {
			f := newFixture(t, 10, 1, sselimit.WithEvictOldest())
			ended := make(chan handlerEnd, 2)
			f.engine.GET("/stream", sselimitgin.New(f.Gate, byHeader), handler(ended))
			client := f.serve(nil)
			old := client.MustStream("/stream", "alice")
			client.MustStream("/stream", "alice")
			if got := nextClose(t, old); got != "replaced" {
				t.Errorf("close frame reason %q, want replaced", got)
			}
			if got := sselimittest.Receive(t, ended, "the handler's end"); got != (handlerEnd{usesStream, "replaced"}) {
				t.Errorf("handler saw %+v", got)
			}
			f.Active(1)
		})
		t.Run(name+"/max_lifetime", func(t *testing.T) {
			f := newFixture(t, 10, 1, sselimit.WithMaxLifetime(100*time.Millisecond, 0))
			ended := make(chan handlerEnd, 1)
			f.engine.GET("/stream", sselimitgin.New(f.Gate, byHeader), handler(ended))
			conn := f.serve(nil).MustStream("/stream", "alice")
			if got := nextClose(t, conn); got != "max_lifetime" {
				t.Errorf("close frame reason %q, want max_lifetime", got)
			}
			if got := sselimittest.Receive(t, ended, "the handler's end"); got != (handlerEnd{usesStream, "max_lifetime"}) {
				t.Errorf("handler saw %+v", got)
			}
			f.Active(0)
		})
		t.Run(name+"/disconnect", func(t *testing.T) {
			f := newFixture(t, 10, 1)
			ended := make(chan handlerEnd, 1)
			f.engine.GET("/stream", sselimitgin.New(f.Gate, byHeader), handler(ended))
			conn := f.serve(nil).MustStream("/stream", "alice")
			if ev, err := conn.Next(); err != nil || ev.Name != "tick" {
				t.Fatalf("first tick: %+v, %v", ev, err)
			}
			f.Active(1)
			conn.Close()
			if got := sselimittest.Receive(t, ended, "the handler's end"); got != (handlerEnd{usesStream, ""}) {
				t.Errorf("handler saw %+v", got)
			}
			f.Active(0)
		})
	}
}

func TestRefusalAbortsTheChain(t *testing.T) {
	var reached atomic.Int32
	counted := func(c *gin.Context) {
		reached.Add(1)
		hold(c)
	}
	checkReached := func(t *testing.T, want int32) {
		t.Helper()
		if got := reached.Swap(0); got != want {
			t.Errorf("the handler after the middleware ran %d times, want %d", got, want)
		}
	}

	t.Run("default", func(t *testing.T) {
		f := newFixture(t, 1, 1)
		f.engine.GET("/stream", sselimitgin.New(f.Gate, byHeader), counted)
		client := f.serve(nil)
		client.MustStream("/stream", "alice")
		_, resp, body, err := client.Open("/stream", "bob")
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("refusal: got %s %q, want 503 JSON", resp.Status, resp.Header.Get("Content-Type"))
		}
		if n, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || n < 1 {
			t.Errorf("Retry-After %q, want whole seconds >= 1", resp.Header.Get("Retry-After"))
		}
		if body != `{"error":"too many streams, retry later"}` {
			t.Errorf("body %q", body)
		}
		checkReached(t, 1)
	})

	t.Run("custom deny handler that does not abort", func(t *testing.T) {
		f := newFixture(t, 10, 1)
		deny := sselimitgin.WithDenyHandler(func(c *gin.Context, r *sselimit.Refusal) {
			c.String(r.Status, "custom %s", r.Reason)
		})
		f.engine.GET("/stream", sselimitgin.New(f.Gate, byHeader, deny), counted)
		client := f.serve(nil)
		client.MustStream("/stream", "alice")
		_, resp, body, err := client.Open("/stream", "alice")
		if err != nil || resp.StatusCode != http.StatusTooManyRequests || body != "custom user_limit" {
			t.Errorf("refusal: got %v %q %v, want 429 from the custom handler", resp, body, err)
		}
		checkReached(t, 1)
	})

	t.Run("error handler for a key function's error", func(t *testing.T) {
		f := newFixture(t, 10, 1)
		errNoSession := errors.New("no session")
		refusals := make(chan *sselimit.Refusal, 1)
		f.engine.GET("/stream", sselimitgin.New(f.Gate,
			sselimitgin.WithKeyFunc(func(*gin.Context) (string, error) { return "", errNoSession }),
			sselimitgin.WithDenyHandler(func(*gin.Context, *sselimit.Refusal) { t.Error("deny handler called for an identity error") }),
			sselimitgin.WithErrorHandler(func(c *gin.Context, r *sselimit.Refusal) {
				refusals <- r
				c.AbortWithStatusJSON(r.Status, gin.H{"message": r.Message()})
			}),
		), counted)
		_, resp, body, err := f.serve(nil).Open("/stream", "")
		if err != nil || resp.StatusCode != http.StatusUnauthorized || body != `{"message":"identity required"}` {
			t.Errorf("refusal: got %v %q %v, want 401 from the error handler", resp, body, err)
		}
		if r := sselimittest.Receive(t, refusals, "the error handler"); r.Reason != sselimit.RefusedNoIdentity || !errors.Is(r, errNoSession) {
			t.Errorf("refusal %v, want no_identity wrapping the key function's error", r)
		}
		checkReached(t, 0)
	})
}

type userID int

func (u userID) String() string { return "user-" + strconv.Itoa(int(u)) }

func TestKeyFromContext(t *testing.T) {
	for _, tc := range []struct {
		name    string
		value   any
		set     bool
		want    string
		wantErr bool
	}{
		{"string", "alice", true, "alice", false},
		{"fmt.Stringer", userID(7), true, "user-7", false},
		{"missing", nil, false, "", false},
		{"nil", nil, true, "", false},
		{"other type", 42, true, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := gin.CreateTestContext(nil)
			if tc.set {
				c.Set("user", tc.value)
			}
			got, err := sselimitgin.KeyFromContext("user")(c)
			if got != tc.want || (err != nil) != tc.wantErr {
				t.Errorf("got %q, %v; want %q, error %v", got, err, tc.want, tc.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), "int") {
				t.Errorf("error %q does not name the stored type", err)
			}
		})
	}

	t.Run("gin.BasicAuth", func(t *testing.T) {
		f := newFixture(t, 10, 1)
		f.engine.GET("/stream",
			gin.BasicAuth(gin.Accounts{"alice": "secret"}),
			sselimitgin.New(f.Gate, sselimitgin.WithKeyFunc(sselimitgin.KeyFromContext(gin.AuthUserKey))),
			hold)
		client := f.serve(nil)
		req, _ := http.NewRequest(http.MethodGet, client.Base+"/stream", nil)
		req.SetBasicAuth("alice", "secret")
		resp, err := client.HC.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		line, _ := bufio.NewReader(resp.Body).ReadString('\n')
		if line != "event: hello\n" {
			t.Fatalf("first line %q, want the hello event", line)
		}
		f.Active(1)
		if got := f.Lim.ActiveForUser("alice"); got != 1 {
			t.Errorf("ActiveForUser(alice): got %d, want 1", got)
		}
	})
}

func TestSkippedRequestsAreUnlimited(t *testing.T) {
	f := newFixture(t, 1, 1)
	f.engine.GET("/stream", sselimitgin.New(f.Gate, sselimitgin.WithSkip(func(c *gin.Context) bool {
		return c.Query("free") == "yes"
	})), func(c *gin.Context) {
		if sselimitgin.Stream(c) == nil {
			c.String(http.StatusOK, "unlimited")
			return
		}
		hold(c)
	})
	client := f.serve(nil)
	client.MustStream("/stream", "")
	f.Active(1)
	for range 3 {
		if _, resp, body, err := client.Open("/stream?free=yes", ""); err != nil || resp.StatusCode != http.StatusOK || body != "unlimited" {
			t.Fatalf("skipped request: got %v %q %v", resp, body, err)
		}
	}
	if st := f.Gate.Stats(); st.Admitted != 1 || st.Refused[sselimit.RefusedGlobalLimit] != 0 {
		t.Errorf("Stats(): %+v, want 1 admitted and no refusal", st)
	}
}

// TestOuterMiddlewareSeesGinsWriterAgain checks that Gin's logger sees the
// stream's status and size, and that recovery and outer middleware find
// c.Writer and c.Request as they were, after a return and after a panic.
func TestOuterMiddlewareSeesGinsWriterAgain(t *testing.T) {
	f := newFixture(t, 10, 1)
	type logged struct{ status, size int }
	type after struct {
		stream   *sselimit.Stream
		rewired  bool // c.Writer is still the middleware's
		recovery bool
	}
	logs := make(chan logged, 1)
	afters := make(chan after, 1)
	recovered := make(chan any, 1)
	sizes := make(chan int, 1)
	f.engine.Use(gin.LoggerWithConfig(gin.LoggerConfig{
		Output: io.Discard,
		Formatter: func(p gin.LogFormatterParams) string {
			logs <- logged{p.StatusCode, p.BodySize}
			return ""
		},
	}))
	f.engine.Use(gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, v any) {
		_, rewired := c.Writer.(interface{ FlushError() error })
		afters <- after{sselimitgin.Stream(c), rewired, true}
		recovered <- v
		c.Abort()
	}))
	f.engine.Use(func(c *gin.Context) {
		c.Next()
		_, rewired := c.Writer.(interface{ FlushError() error })
		afters <- after{sselimitgin.Stream(c), rewired, false}
	})
	f.engine.GET("/stream", sselimitgin.New(f.Gate, byHeader), func(c *gin.Context) {
		s := sselimitgin.Stream(c)
		s.Send(sselimit.Event{Name: "hello", Data: s.Key()})
		if c.Query("panic") != "" {
			panic("handler panic")
		}
		c.SSEvent("tick", "one")
		c.Writer.Flush()
		if _, _, err := c.Writer.Hijack(); err == nil {
			t.Error("c.Writer.Hijack() on a stream succeeded")
		}
		sizes <- c.Writer.Size()
	})
	client := f.serve(nil)

	t.Run("return", func(t *testing.T) {
		conn := client.MustStream("/stream", "alice")
		if ev, err := conn.Next(); err != nil || ev.Name != "tick" {
			t.Fatalf("after hello: %+v, %v; want the tick", ev, err)
		}
		if _, err := conn.Next(); err != io.EOF {
			t.Fatalf("after the tick: %v, want EOF", err)
		}
		if got := sselimittest.Receive(t, afters, "the outer middleware"); got.stream != nil || got.rewired {
			t.Errorf("outer middleware after the stream: %+v, want Gin's writer and request back", got)
		}
		got := sselimittest.Receive(t, logs, "the logger")
		sent := len("event: hello\ndata: alice\n\n" + "event:tick\ndata:one\n\n")
		if got.status != http.StatusOK || got.size != sent {
			t.Errorf("logger saw status %d size %d, want 200 and %d bytes", got.status, got.size, sent)
		}
		if got := sselimittest.Receive(t, sizes, "the handler"); got != sent {
			t.Errorf("c.Writer.Size() in the handler: %d, want %d", got, sent)
		}
		f.Active(0)
	})
	t.Run("panic", func(t *testing.T) {
		conn := client.MustStream("/stream?panic=1", "alice")
		io.Copy(io.Discard, conn.Resp.Body)
		if v := sselimittest.Receive(t, recovered, "recovery"); v != "handler panic" {
			t.Errorf("recovered %v, want the handler's panic", v)
		}
		if got := sselimittest.Receive(t, afters, "recovery"); got.stream != nil || got.rewired || !got.recovery {
			t.Errorf("recovery saw %+v, want Gin's writer and request back", got)
		}
		if got := sselimittest.Receive(t, logs, "the logger"); got.status != http.StatusOK {
			t.Errorf("logger saw status %d, want 200", got.status)
		}
		f.Active(0)
		client.MustStream("/stream", "alice") // the slot is free again
	})
}

// TestServerWriteTimeout shows what http.Server.WriteTimeout does to
// streams: a plain Gin stream dies when it passes, while the middleware's
// per-write deadlines replace it on the connection.
func TestServerWriteTimeout(t *testing.T) {
	const writeTimeout = 300 * time.Millisecond
	f := newFixture(t, 10, 10, sselimit.WithHeartbeat(30*time.Millisecond))
	f.engine.GET("/limited", sselimitgin.New(f.Gate), hold)
	f.engine.GET("/plain", func(c *gin.Context) {
		sselimit.SetStreamHeaders(c.Writer.Header())
		tick := time.NewTicker(30 * time.Millisecond)
		defer tick.Stop()
		c.Stream(func(io.Writer) bool {
			select {
			case <-tick.C:
				c.SSEvent("tick", "")
				return true
			case <-c.Request.Context().Done():
				return false
			}
		})
	})
	client := f.serve(&http.Server{WriteTimeout: writeTimeout})

	t.Run("plain", func(t *testing.T) {
		conn, resp, _, err := client.Open("/plain", "")
		if err != nil || conn == nil {
			t.Fatalf("plain stream: %v, %v", resp, err)
		}
		opened := time.Now()
		for {
			if _, err := conn.Next(); err != nil {
				if took := time.Since(opened); took < writeTimeout/2 {
					t.Errorf("plain stream ended after %v, before the write timeout", took)
				}
				return
			}
		}
	})
	t.Run("limited", func(t *testing.T) {
		conn := client.MustStream("/limited", "")
		until := time.Now().Add(3 * writeTimeout)
		for time.Now().Before(until) {
			if _, err := conn.ReadLine(); err != nil {
				t.Fatalf("stream through the middleware broke after %v: %v", time.Since(until.Add(-3*writeTimeout)), err)
			}
		}
		if n := f.Gate.Stats().Active; n != 1 {
			t.Errorf("%d streams open past the write timeout, want 1", n)
		}
	})
}

// bufferingWriter is what an earlier middleware (compression, say) may put
// in c.Writer: it holds bytes until flushed.
type bufferingWriter struct {
	gin.ResponseWriter
	buf *bufio.Writer
}

func (w *bufferingWriter) Write(p []byte) (int, error)       { return w.buf.Write(p) }
func (w *bufferingWriter) WriteString(s string) (int, error) { return w.buf.WriteString(s) }
func (w *bufferingWriter) Flush() {
	w.buf.Flush()
	w.ResponseWriter.Flush()
}

type unwrappableBufferingWriter struct{ *bufferingWriter }

func (w unwrappableBufferingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func TestStreamsThroughAnEarlierWritersWrapper(t *testing.T) {
	for name, wrap := range map[string]func(gin.ResponseWriter) gin.ResponseWriter{
		"with Unwrap": func(w gin.ResponseWriter) gin.ResponseWriter {
			return unwrappableBufferingWriter{&bufferingWriter{w, bufio.NewWriter(w)}}
		},
		"without Unwrap": func(w gin.ResponseWriter) gin.ResponseWriter {
			return &bufferingWriter{w, bufio.NewWriter(w)}
		},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, 10, 1)
			f.engine.Use(func(c *gin.Context) {
				w := c.Writer
				c.Writer = wrap(w)
				c.Next()
				c.Writer.Flush()
				c.Writer = w
			})
			f.engine.GET("/stream", sselimitgin.New(f.Gate, byHeader), hold)
			conn := f.serve(nil).MustStream("/stream", "alice") // the hello got through the buffer
			go f.Gate.Drain(context.Background())
			if got := nextClose(t, conn); got != "shutdown" {
				t.Errorf("close frame reason %q, want shutdown", got)
			}
			if _, err := conn.Next(); err != io.EOF {
				t.Errorf("after the close frame: %v, want EOF", err)
			}
		})
	}
}

// TestFlushErrorsReachTheStream checks that a flush to a vanished client
// fails at once, although Gin's Flush drops errors: the middleware flushes
// through the server's own writer.
func TestFlushErrorsReachTheStream(t *testing.T) {
	f := newFixture(t, 10, 1)
	vanished := make(chan struct{})
	failed := make(chan string, 1)
	f.engine.GET("/stream", sselimitgin.New(f.Gate), func(c *gin.Context) {
		io.WriteString(c.Writer, "event: hello\ndata: x\n\n")
		c.Writer.Flush()
		<-vanished
		rc := http.NewResponseController(c.Writer)
		for {
			// Small writes stay in net/http's buffer: only a flush can fail.
			if _, err := io.WriteString(c.Writer, ": x\n"); err != nil {
				failed <- "write: " + err.Error()
				return
			}
			if err := rc.Flush(); err != nil {
				failed <- "flush"
				return
			}
		}
	})
	client := f.serve(nil)
	sselimittest.Vanish(sselimittest.OpenRaw(t, client.Base, "/stream", ""))
	close(vanished)
	if got := sselimittest.Receive(t, failed, "a failed write or flush"); got != "flush" {
		t.Errorf("first failure: %s, want the flush", got)
	}
	f.Active(0)
}
