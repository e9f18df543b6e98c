package sselimitfiber_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/core/sselimittest"
	sselimitfiber "github.com/sselimit/sselimit/fiber"
)

// fixture is a watched gate that also keeps count of releases and of
// the keys its admissions saw.
type fixture struct {
	*sselimittest.Watch
	t        *testing.T
	released atomic.Int64
	keys     chan string // every admitted key, as the OnAdmit hook got it
}

func newFixture(t *testing.T, lim *sselimit.SSELimiter, opts ...sselimit.Option) *fixture {
	f := &fixture{t: t, keys: make(chan string, 64)}
	f.Watch = sselimittest.NewWatch(t, lim, sselimit.Hooks{
		OnAdmit:   func(key string) { f.keys <- key },
		OnRelease: func(string, time.Duration) { f.released.Add(1) },
	}, opts...)
	return f
}

// serveStream serves handler behind the middleware at GET /stream.
func (f *fixture) serveStream(mw sselimitfiber.Config, handler fiber.Handler) string {
	mw.Gate = f.Gate
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/stream", sselimitfiber.New(mw), handler)
	return serve(f.t, app)
}

// hold is a stream function that says hello and waits for the stream's end.
func hold(s *sselimit.Stream) {
	if s.Send(sselimit.Event{Name: "hello", Data: s.Key()}) == nil {
		<-s.Context().Done()
	}
}

func holdHandler(c *fiber.Ctx) error { return sselimitfiber.Stream(c, hold) }

// openRaw opens GET /stream on a TCP connection the test controls, up to
// the hello event.
func openRaw(t *testing.T, base string) *net.TCPConn {
	return sselimittest.OpenRaw(t, base, "/stream", "")
}

func TestCountedWhileOpenAndReleasedWhenTheClientVanishes(t *testing.T) {
	// The heartbeat is an hour away: only the connection watcher can see
	// the client go within the test's time.
	f := newFixture(t, sselimit.NewSSELimiter(10, 1), sselimit.WithHeartbeat(time.Hour))
	base := f.serveStream(sselimitfiber.Config{}, holdHandler)
	conn := openRaw(t, base)
	f.Active(1)
	if got := f.Lim.ActiveConnections(); got != 1 {
		t.Fatalf("ActiveConnections with a stream open: got %d, want 1", got)
	}
	sselimittest.Vanish(conn)
	f.Active(0)
}

func TestClientClosingItsEndIsSeenWithoutAHeartbeat(t *testing.T) {
	f := newFixture(t, sselimit.NewSSELimiter(10, 1), sselimit.WithHeartbeat(time.Hour))
	base := f.serveStream(sselimitfiber.Config{}, holdHandler)
	conn := openRaw(t, base)
	f.Active(1)
	conn.Close() // an orderly close: a FIN, which no write would reveal
	f.Active(0)
}

// wrapListener hands fasthttp every accepted connection wrapped by wrap,
// as PROXY-protocol and limiting listeners do.
type wrapListener struct {
	net.Listener
	wrap func(net.Conn) net.Conn
}

func (l wrapListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return l.wrap(c), nil
}

// opaqueConn is a connection of a type the adapter does not know, so
// streams on it have no watcher and no write deadline.
type opaqueConn struct{ net.Conn }

// wrappingConn exposes the connection it wraps through NetConn.
type wrappingConn struct{ net.Conn }

func (c wrappingConn) NetConn() net.Conn { return c.Conn }

func TestVanishedClientReleasedWithinTwoHeartbeatsByWritesAlone(t *testing.T) {
	const beat = 300 * time.Millisecond
	f := newFixture(t, sselimit.NewSSELimiter(10, 1), sselimit.WithHeartbeat(beat))
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/stream", sselimitfiber.New(sselimitfiber.Config{Gate: f.Gate}), holdHandler)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := serveOn(t, app, wrapListener{ln, func(c net.Conn) net.Conn { return opaqueConn{c} }})
	conn := openRaw(t, base)
	f.Active(1)
	sselimittest.Vanish(conn)
	gone := time.Now()
	f.Active(0)
	if took := time.Since(gone); took > 2*beat+time.Second {
		t.Errorf("vanished client released after %v, want within two heartbeats (%v) plus scheduling slack", took, 2*beat)
	}
}

func TestStreamThatEndsByItselfIsReleasedAtOnce(t *testing.T) {
	f := newFixture(t, sselimit.NewSSELimiter(10, 1), sselimit.WithHeartbeat(time.Hour))
	base := f.serveStream(sselimitfiber.Config{}, func(c *fiber.Ctx) error {
		return sselimitfiber.Stream(c, func(s *sselimit.Stream) {
			s.Send(sselimit.Event{Name: "hello"})
			s.Send(sselimit.Event{Name: "bye"})
		})
	})
	client := sselimittest.NewClient(t, base)
	conn := client.MustStream("/stream", "")
	if !conn.Resp.Close {
		t.Error("a stream response must close its connection (Connection: close)")
	}
	if ev, err := conn.Next(); err != nil || ev.Name != "bye" {
		t.Fatalf("second event: got %+v, %v; want bye", ev, err)
	}
	if _, err := conn.Next(); err != io.EOF {
		t.Fatalf("after the stream function returned: got %v, want EOF", err)
	}
	// The slot is released before fasthttp ends the body, so it is free by
	// the time the client sees the end: no heartbeat, no waiting.
	if n := f.Lim.ActiveConnections(); n != 0 {
		t.Errorf("ActiveConnections when the client saw the end: got %d, want 0", n)
	}
	if n := f.released.Load(); n != 1 {
		t.Errorf("releases: got %d, want 1", n)
	}
}

func TestDrainThenShutdownClosesEveryStreamAndReturns(t *testing.T) {
	const streams = 20
	f := newFixture(t, sselimit.NewSSELimiter(0, 0))
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/stream", sselimitfiber.New(sselimitfiber.Config{Gate: f.Gate}), holdHandler)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- app.Listener(ln) }()
	client := sselimittest.NewClient(t, "http://"+ln.Addr().String())
	conns := make([]*sselimittest.Conn, streams)
	for i := range conns {
		conns[i] = client.MustStream("/stream", "")
	}
	f.Active(streams)

	var wg sync.WaitGroup
	for i, conn := range conns {
		wg.Go(func() {
			ev, err := conn.Next()
			if err != nil || ev.Name != "close" || !strings.Contains(ev.Data, `"reason":"shutdown"`) {
				t.Errorf("stream %d: got %+v, %v; want a shutdown close frame", i, ev, err)
				return
			}
			if _, err := conn.Next(); err != io.EOF {
				t.Errorf("stream %d after its close frame: got %v, want EOF", i, err)
			}
		})
	}

	// The wiring the package documents.
	ctx, cancel := context.WithTimeout(context.Background(), sselimittest.WaitLimit)
	defer cancel()
	if n, err := f.Gate.Drain(ctx); n != 0 || err != nil {
		t.Fatalf("Drain: got (%d, %v), want (0, nil)", n, err)
	}
	if err := app.ShutdownWithContext(ctx); err != nil {
		t.Fatalf("ShutdownWithContext after Drain: %v", err)
	}
	if err := <-served; err != nil {
		t.Fatalf("Listener: %v", err)
	}
	wg.Wait()
	f.Active(0)
}

func TestShutdownWithoutDrainWaitsForStreams(t *testing.T) {
	f := newFixture(t, sselimit.NewSSELimiter(0, 0))
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/stream", sselimitfiber.New(sselimitfiber.Config{Gate: f.Gate}), holdHandler)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- app.Listener(ln) }()
	conn := sselimittest.NewClient(t, "http://"+ln.Addr().String()).MustStream("/stream", "")

	// ShutdownWithContext waits for open connections, which a stream
	// keeps open: it can only give up.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := app.ShutdownWithContext(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ShutdownWithContext with a stream open: got %v, want context.DeadlineExceeded", err)
	}
	if err := <-served; err != nil {
		t.Fatalf("Listener: %v", err)
	}
	f.Active(1)

	if n, err := f.Gate.Drain(context.Background()); n != 0 || err != nil {
		t.Fatalf("Drain: got (%d, %v), want (0, nil)", n, err)
	}
	if ev, err := conn.Next(); err != nil || ev.Name != "close" {
		t.Fatalf("after Drain: got %+v, %v; want the close frame", ev, err)
	}
}

func TestBodyNeverSentReleasesWithoutRunningTheStream(t *testing.T) {
	f := newFixture(t, sselimit.NewSSELimiter(10, 1))
	var ran atomic.Bool
	base := f.serveStream(sselimitfiber.Config{}, func(c *fiber.Ctx) error {
		return sselimitfiber.Stream(c, func(*sselimit.Stream) { ran.Store(true) })
	})
	resp, err := http.Head(base + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Errorf("HEAD: got %s %q, want 200 text/event-stream", resp.Status, resp.Header.Get("Content-Type"))
	}
	f.Active(0)
	if ran.Load() {
		t.Error("the stream function ran for a response whose body fasthttp never read")
	}
}

func TestErrorAfterStreamReleasesWithoutRunningTheStream(t *testing.T) {
	f := newFixture(t, sselimit.NewSSELimiter(10, 1))
	var ran atomic.Bool
	base := f.serveStream(sselimitfiber.Config{}, func(c *fiber.Ctx) error {
		if err := sselimitfiber.Stream(c, func(*sselimit.Stream) { ran.Store(true) }); err != nil {
			return err
		}
		return fiber.NewError(fiber.StatusTeapot, "changed my mind")
	})
	resp, err := http.Get(base + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != fiber.StatusTeapot || string(b) != "changed my mind" {
		t.Errorf("got %s %q, want the error handler's 418", resp.Status, b)
	}
	f.Active(0)
	if ran.Load() {
		t.Error("the stream function ran although the error handler replaced the body")
	}
}

func TestHandlersOwnBodyStreamFailsLoudly(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(c *fiber.Ctx, writerDone chan struct{})
	}{
		{"SetBodyStreamWriter", func(c *fiber.Ctx, writerDone chan struct{}) {
			c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
				defer close(writerDone)
				for {
					if _, err := w.WriteString("data: unlimited\n\n"); err != nil {
						return
					}
					if w.Flush() != nil {
						return
					}
				}
			})
		}},
		{"SetBodyStream after Stream", func(c *fiber.Ctx, writerDone chan struct{}) {
			if err := sselimitfiber.Stream(c, hold); err != nil {
				panic(err)
			}
			c.Response().SetBodyStream(strings.NewReader("data: unlimited\n\n"), -1)
			close(writerDone)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, sselimit.NewSSELimiter(10, 1))
			writerDone := make(chan struct{})
			var handled error
			app := fiber.New(fiber.Config{
				DisableStartupMessage: true,
				ErrorHandler: func(c *fiber.Ctx, err error) error {
					handled = err
					return fiber.DefaultErrorHandler(c, err)
				},
			})
			app.Get("/stream", sselimitfiber.New(sselimitfiber.Config{Gate: f.Gate}), func(c *fiber.Ctx) error {
				tc.set(c, writerDone)
				return nil
			})
			base := serve(t, app)
			resp, err := http.Get(base + "/stream")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(string(b), "sselimitfiber.Stream") {
				t.Errorf("got %s %q, want 500 naming sselimitfiber.Stream", resp.Status, b)
			}
			if !errors.Is(handled, sselimitfiber.ErrForeignBodyStream) {
				t.Errorf("the app's ErrorHandler got %v, want ErrForeignBodyStream", handled)
			}
			f.Active(0)
			sselimittest.Receive(t, writerDone, "the handler's own stream writer to stop")
		})
	}
}

func TestPanicInStreamFunctionIsRecoveredAndReleased(t *testing.T) {
	f := newFixture(t, sselimit.NewSSELimiter(10, 1))
	logged := captureFiberLog(t)
	base := f.serveStream(sselimitfiber.Config{}, func(c *fiber.Ctx) error {
		return sselimitfiber.Stream(c, func(s *sselimit.Stream) {
			s.Send(sselimit.Event{Name: "hello"})
			panic("deliberate panic in a stream")
		})
	})
	client := sselimittest.NewClient(t, base)
	conn := client.MustStream("/stream", "")
	if _, err := conn.Next(); err == nil || err == io.EOF {
		t.Errorf("after a panic in the stream: got %v, want the connection aborted", err)
	}
	f.Active(0)
	if !strings.Contains(logged.String(), "deliberate panic in a stream") {
		t.Errorf("the panic was not logged; log: %q", logged.String())
	}
	client.MustStream("/stream", "") // the server is fine, the slot free
}

func TestStreamNeedsTheMiddleware(t *testing.T) {
	f := newFixture(t, sselimit.NewSSELimiter(10, 1))
	errs := make(chan error, 4)
	streamOrReport := func(c *fiber.Ctx) error {
		err := sselimitfiber.Stream(c, hold)
		errs <- err
		if err != nil {
			return c.SendString("not streamed")
		}
		return nil
	}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/bare", streamOrReport)
	app.Get("/skipped", sselimitfiber.New(sselimitfiber.Config{
		Gate: f.Gate,
		Next: func(*fiber.Ctx) bool { return true },
	}), streamOrReport)
	app.Get("/twice", sselimitfiber.New(sselimitfiber.Config{Gate: f.Gate}), func(c *fiber.Ctx) error {
		errs <- sselimitfiber.Stream(c, nil)
		if err := sselimitfiber.Stream(c, hold); err != nil {
			return err
		}
		errs <- sselimitfiber.Stream(c, hold)
		return nil
	})
	base := serve(t, app)
	for _, path := range []string{"/bare", "/skipped"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if err := <-errs; !errors.Is(err, sselimitfiber.ErrNotAdmitted) {
			t.Errorf("Stream on %s: got %v, want ErrNotAdmitted", path, err)
		}
	}
	if n := f.Gate.Stats().Admitted; n != 0 {
		t.Errorf("admitted %d streams for requests the middleware did not limit", n)
	}
	conn := sselimittest.NewClient(t, base).MustStream("/twice", "")
	for _, what := range []string{"a nil function", "a second call"} {
		if err := <-errs; err == nil {
			t.Errorf("Stream with %s: got no error", what)
		}
	}
	f.Active(1)
	conn.Close()
	f.Active(0)
}

// TestZeroConfigUsesTheDefaultGate: New never panics; without a gate it
// limits by client address through DefaultGate, 5 streams per client.
// Each case's client connects from an address of its own, since the
// default gate is shared by the whole process.
func TestZeroConfigUsesTheDefaultGate(t *testing.T) {
	for i, tc := range []struct {
		name string
		mw   fiber.Handler
	}{
		{"New()", sselimitfiber.New()},
		{"New(Config{})", sselimitfiber.New(sselimitfiber.Config{})},
		{"New(ConfigDefault)", sselimitfiber.New(sselimitfiber.ConfigDefault)},
		{"New(Config{Next})", sselimitfiber.New(sselimitfiber.Config{Next: func(*fiber.Ctx) bool { return false }})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := fiber.New(fiber.Config{DisableStartupMessage: true})
			app.Get("/stream", tc.mw, holdHandler)
			client := sselimittest.NewClient(t, serve(t, app))
			from := net.IPv4(127, 0, 0, byte(20+i))
			tr := &http.Transport{DisableCompression: true, DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: from}}).DialContext}
			t.Cleanup(tr.CloseIdleConnections)
			client.HC = &http.Client{Transport: tr}
			key := sselimit.DisplayKey(sselimit.IPKey(from.String()))
			for range 5 {
				if conn := client.MustStream("/stream", ""); conn == nil {
					return
				}
			}
			if got := sselimitfiber.DefaultGate().ActiveByKey()[key]; got != 5 {
				t.Errorf("DefaultGate().ActiveByKey()[%s]: got %d, want 5", key, got)
			}
			if _, resp, _, err := client.Open("/stream", ""); err != nil || resp.StatusCode != http.StatusTooManyRequests {
				t.Errorf("sixth stream from %s: got %v %v, want 429 (5 per client)", from, status(resp), err)
			}
		})
	}
}

func status(resp *http.Response) string {
	if resp == nil {
		return "no response"
	}
	return resp.Status
}

type userID int

func (u userID) String() string { return "user-" + strings.Repeat("7", int(u)) }

func TestKeyFromLocals(t *testing.T) {
	f := newFixture(t, sselimit.NewSSELimiter(10, 1))
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(func(c *fiber.Ctx) error { // an auth middleware
		switch c.Query("as") {
		case "string":
			c.Locals("user", "alice")
		case "stringer":
			c.Locals("user", userID(3))
		case "number":
			c.Locals("user", 42)
		}
		return c.Next()
	})
	app.Get("/stream", sselimitfiber.New(sselimitfiber.Config{
		Gate:         f.Gate,
		KeyGenerator: sselimitfiber.KeyFromLocals("user"),
	}), holdHandler)
	client := sselimittest.NewClient(t, serve(t, app))
	for _, tc := range []struct {
		as, key string
		status  int
	}{
		{"string", "alice", http.StatusOK},
		{"stringer", "user-777", http.StatusOK},
		{"number", "", http.StatusUnauthorized},
		{"nothing", "", http.StatusUnauthorized},
	} {
		conn, resp, body, err := client.Open("/stream?as="+tc.as, "")
		if err != nil {
			t.Fatalf("as %s: %v", tc.as, err)
		}
		if resp.StatusCode != tc.status {
			t.Errorf("as %s: got %s %q, want %d", tc.as, resp.Status, body, tc.status)
			continue
		}
		if conn == nil {
			continue
		}
		if ev, err := conn.Next(); err != nil || ev.Data != tc.key {
			t.Errorf("as %s: hello %+v, %v; want key %q", tc.as, ev, err, tc.key)
		}
	}
	f.Active(2)
}

func TestKeysOutliveTheRequest(t *testing.T) {
	// The key function returns a string backed by the request's header
	// buffer, which fasthttp reuses for later requests; the key the gate
	// keeps (here, as its hook reported it) must not change with them.
	f := newFixture(t, sselimit.NewSSELimiter(0, 0))
	base := f.serveStream(sselimitfiber.Config{
		KeyGenerator: func(c *fiber.Ctx) string { return c.Get("X-User") },
	}, func(c *fiber.Ctx) error {
		return sselimitfiber.Stream(c, func(s *sselimit.Stream) { s.Send(sselimit.Event{Name: "hello"}) })
	})
	client := sselimittest.NewClient(t, base)
	var kept []string
	for i := range 20 {
		user := strings.Repeat(string(rune('a'+i)), 16)
		conn := client.MustStream("/stream", user)
		conn.Next() // the end
		kept = append(kept, <-f.keys)
	}
	for i, key := range kept {
		if want := strings.Repeat(string(rune('a'+i)), 16); key != want {
			t.Errorf("key %d changed after its request: got %q, want %q", i, key, want)
		}
	}
}

func TestRefusalsInFibersIdiom(t *testing.T) {
	f := newFixture(t, sselimit.NewSSELimiter(10, 1))
	var appErrors []error
	var mu sync.Mutex
	app := fiber.New(fiber.Config{
		DisableStartupMessage: true,
		ErrorHandler: func(c *fiber.Ctx, err error) error {
			mu.Lock()
			appErrors = append(appErrors, err)
			mu.Unlock()
			return fiber.DefaultErrorHandler(c, err)
		},
	})
	keyFromHeader := func(c *fiber.Ctx) string { return c.Get("X-User") }
	app.Get("/default", sselimitfiber.New(sselimitfiber.Config{Gate: f.Gate, KeyGenerator: keyFromHeader}), holdHandler)
	var limited, failed atomic.Int64
	app.Get("/custom", sselimitfiber.New(sselimitfiber.Config{
		Gate:         f.Gate,
		KeyGenerator: keyFromHeader,
		LimitReached: func(c *fiber.Ctx) error {
			limited.Add(1)
			r := sselimitfiber.Refusal(c)
			return c.Status(r.Status).JSON(fiber.Map{"error": r.Message(), "retry": r.RetryAfterHeader()})
		},
		ErrorHandler: func(c *fiber.Ctx, err error) error {
			failed.Add(1)
			var r *sselimit.Refusal
			if !errors.As(err, &r) || r != sselimitfiber.Refusal(c) {
				t.Errorf("ErrorHandler got %v, want the *sselimit.Refusal that Refusal(c) gives", err)
				return err
			}
			return c.Status(r.Status).JSON(fiber.Map{"error": r.Message()})
		},
	}), holdHandler)
	client := sselimittest.NewClient(t, serve(t, app))
	client.MustStream("/default", "alice")

	_, resp, body, err := client.Open("/default", "alice")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || body != "too many streams for this user" {
		t.Errorf("default refusal: got %s, Retry-After %q, body %q", resp.Status, resp.Header.Get("Retry-After"), body)
	}
	mu.Lock()
	var fe *fiber.Error
	if len(appErrors) != 1 || !errors.As(appErrors[0], &fe) || fe.Code != http.StatusTooManyRequests {
		t.Errorf("the app's ErrorHandler got %v, want one *fiber.Error with code 429", appErrors)
	}
	mu.Unlock()

	_, resp, body, _ = client.Open("/custom", "alice")
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, `"retry":"`) {
		t.Errorf("custom LimitReached: got %s %q", resp.Status, body)
	}
	_, resp, body, _ = client.Open("/custom", "")
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "identity required") {
		t.Errorf("custom ErrorHandler: got %s %q", resp.Status, body)
	}
	if limited.Load() != 1 || failed.Load() != 1 {
		t.Errorf("custom handlers called %d and %d times, want 1 and 1", limited.Load(), failed.Load())
	}
}

func TestMountedOnAppAndRouteCountsOnce(t *testing.T) {
	f := newFixture(t, sselimit.NewSSELimiter(10, 1))
	byHeader := sselimitfiber.Config{Gate: f.Gate, KeyGenerator: func(c *fiber.Ctx) string {
		return c.Get("X-User")
	}}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(sselimitfiber.New(byHeader))
	app.Get("/stream", sselimitfiber.New(byHeader), holdHandler)
	client := sselimittest.NewClient(t, serve(t, app))

	// With a cap of one per user, a stream counted twice would be refused.
	client.MustStream("/stream", "alice")
	f.Active(1)
	if st := f.Gate.Stats(); st.Admitted != 1 {
		t.Errorf("Stats().Admitted: got %d, want 1", st.Admitted)
	}
	if conn, resp, _, err := client.Open("/stream", "alice"); err != nil || conn != nil || resp.StatusCode != fiber.StatusTooManyRequests {
		t.Errorf("second stream for alice: got %v, %v; want 429", resp, err)
	}
	client.MustStream("/stream", "bob")
	f.Active(2)
}

func TestWrappedConnectionKeepsWatcherAndDeadline(t *testing.T) {
	// The heartbeat is an hour away: only the watcher, which needs the
	// connection under the wrapper, can see the client go.
	f := newFixture(t, sselimit.NewSSELimiter(10, 1), sselimit.WithHeartbeat(time.Hour))
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/stream", sselimitfiber.New(sselimitfiber.Config{Gate: f.Gate}), holdHandler)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conn := openRaw(t, serveOn(t, app, wrapListener{ln, func(c net.Conn) net.Conn { return wrappingConn{c} }}))
	f.Active(1)
	sselimittest.Vanish(conn)
	f.Active(0)
}
