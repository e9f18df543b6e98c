package sselimitecho_test

import (
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

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/core/sselimittest"
	sselimitecho "github.com/sselimit/sselimit/echo"
)

// newGate is a watched gate over lim: tests wait for its changes instead
// of sleeping.
func newGate(t *testing.T, lim *sselimit.SSELimiter, opts ...sselimit.Option) *sselimittest.Watch {
	return sselimittest.NewWatch(t, lim, sselimit.Hooks{}, opts...)
}

// hello sends a hello event naming the stream's key, then waits for the
// stream's end.
func hello(c echo.Context) error {
	s := sselimitecho.Stream(c)
	if err := s.Send(sselimit.Event{Name: "hello", Data: s.Key()}); err != nil {
		return nil
	}
	<-c.Request().Context().Done()
	return nil
}

// get sends GET base+path with the given headers (pairs of name, value).
func get(t *testing.T, c *sselimittest.Client, path string, headers ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.Base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.HC.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// body reads and closes resp's body.
func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSkipperAndBeforeFunc(t *testing.T) {
	g := newGate(t, sselimit.NewSSELimiter(1, 5))
	var before atomic.Int32
	e := newEcho()
	e.GET("/stream", func(c echo.Context) error {
		if sselimitecho.Stream(c) == nil {
			return c.String(http.StatusOK, "unlimited")
		}
		return hello(c)
	}, sselimitecho.MiddlewareWithConfig(sselimitecho.Config{
		Gate:       g.Gate,
		Skipper:    func(c echo.Context) bool { return c.QueryParam("skip") == "1" },
		BeforeFunc: func(echo.Context) { before.Add(1) },
	}))
	client := sselimittest.NewClient(t, serve(t, e))

	client.MustStream("/stream", "")
	g.Active(1)
	if n := before.Load(); n != 1 {
		t.Errorf("BeforeFunc ran %d times for one limited request, want 1", n)
	}
	// The global cap is full, yet a skipped request goes through, unlimited.
	resp := get(t, client, "/stream?skip=1")
	if b := body(t, resp); resp.StatusCode != http.StatusOK || b != "unlimited" {
		t.Errorf("skipped request: got %d %q, want 200 \"unlimited\"", resp.StatusCode, b)
	}
	if n := before.Load(); n != 1 {
		t.Errorf("BeforeFunc ran %d times, want 1: it must not run on skipped requests", n)
	}
	st := g.Gate.Stats()
	if st.Admitted != 1 || st.Refused[sselimit.RefusedGlobalLimit] != 0 {
		t.Errorf("gate stats after a skipped request: %+v, want 1 admitted and no refusal", st)
	}
	g.Active(1)
	// Not skipped: refused at the global cap.
	resp = get(t, client, "/stream")
	body(t, resp)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("second limited stream: got %d, want 503", resp.StatusCode)
	}
}

func TestBeforeFuncRunsBeforeTheIdentifierExtractor(t *testing.T) {
	g := newGate(t, sselimit.NewSSELimiter(10, 1))
	e := newEcho()
	e.GET("/stream", hello, sselimitecho.MiddlewareWithConfig(sselimitecho.Config{
		Gate:                g.Gate,
		BeforeFunc:          func(c echo.Context) { c.Set("user", "alice") },
		IdentifierExtractor: sselimitecho.FromContext("user"),
	}))
	sselimittest.NewClient(t, serve(t, e)).MustStream("/stream", "")
	if got := g.Lim.ActiveForUser("alice"); got != 1 {
		t.Errorf("ActiveForUser(alice): got %d, want 1", got)
	}
}

var errExtractor = errors.New("token expired")

func TestFailingIdentifierExtractor(t *testing.T) {
	failing := func(echo.Context) (string, error) { return "", errExtractor }

	t.Run("default ErrorHandler", func(t *testing.T) {
		g := newGate(t, sselimit.NewSSELimiter(10, 1))
		e := newEcho()
		e.GET("/stream", hello, sselimitecho.MiddlewareWithConfig(sselimitecho.Config{Gate: g.Gate, IdentifierExtractor: failing}))
		resp := get(t, sselimittest.NewClient(t, serve(t, e)), "/stream")
		b := body(t, resp)
		if resp.StatusCode != http.StatusForbidden || strings.TrimSpace(b) != `{"message":"error while extracting identifier"}` {
			t.Errorf("got %d %q, want Echo's ErrExtractorError: 403 {\"message\":\"error while extracting identifier\"}", resp.StatusCode, b)
		}
		if strings.Contains(b, errExtractor.Error()) {
			t.Errorf("body %q names the extractor's error", b)
		}
	})

	t.Run("custom ErrorHandler", func(t *testing.T) {
		g := newGate(t, sselimit.NewSSELimiter(10, 1))
		got := make(chan error, 1)
		e := newEcho()
		e.GET("/stream", hello, sselimitecho.MiddlewareWithConfig(sselimitecho.Config{
			Gate:                g.Gate,
			IdentifierExtractor: failing,
			ErrorHandler: func(c echo.Context, err error) error {
				got <- err
				return c.JSON(http.StatusForbidden, echo.Map{"error": "sign in again"})
			},
			DenyHandler: func(echo.Context, string, error) error {
				t.Error("DenyHandler called for an identity error")
				return nil
			},
		}))
		resp := get(t, sselimittest.NewClient(t, serve(t, e)), "/stream")
		if b := body(t, resp); resp.StatusCode != http.StatusForbidden || strings.TrimSpace(b) != `{"error":"sign in again"}` {
			t.Errorf("got %d %q, want the custom handler's 403", resp.StatusCode, b)
		}
		err := sselimittest.Receive(t, got, "the error handler")
		var r *sselimit.Refusal
		if !errors.As(err, &r) || r.Reason != sselimit.RefusedNoIdentity || r.Status != http.StatusUnauthorized {
			t.Errorf("ErrorHandler got %v, want a *sselimit.Refusal for no_identity, 401", err)
		}
		if !errors.Is(err, errExtractor) {
			t.Errorf("ErrorHandler got %v, want it to wrap the extractor's error", err)
		}
		if st := g.Gate.Stats(); st.Admitted != 0 || g.Lim.ActiveConnections() != 0 {
			t.Errorf("after an identity error: gate %+v, limiter %d; want nothing admitted", st, g.Lim.ActiveConnections())
		}
	})
}

func TestCustomDenyHandler(t *testing.T) {
	type denial struct {
		identifier string
		err        error
	}
	g := newGate(t, sselimit.NewSSELimiter(10, 1))
	denials := make(chan denial, 2)
	e := newEcho()
	e.GET("/stream", hello, sselimitecho.MiddlewareWithConfig(sselimitecho.Config{
		Gate: g.Gate,
		IdentifierExtractor: func(c echo.Context) (string, error) {
			return c.Request().Header.Get("X-User"), nil
		},
		DenyHandler: func(c echo.Context, identifier string, err error) error {
			denials <- denial{identifier, err}
			var r *sselimit.Refusal
			errors.As(err, &r)
			c.Response().Header().Set("Retry-After", r.RetryAfterHeader())
			return c.JSON(r.Status, echo.Map{"error": "busy", "reason": r.Reason})
		},
	}))
	client := sselimittest.NewClient(t, serve(t, e))
	client.MustStream("/stream", "alice")

	resp := get(t, client, "/stream", "X-User", "alice")
	if b := body(t, resp); resp.StatusCode != http.StatusTooManyRequests || strings.TrimSpace(b) != `{"error":"busy","reason":"user_limit"}` {
		t.Errorf("user cap: got %d %q, want the custom 429", resp.StatusCode, b)
	}
	d := sselimittest.Receive(t, denials, "the deny handler")
	if d.identifier != "alice" || !errors.Is(d.err, sselimit.ErrTooManyConnectionsForUser) {
		t.Errorf("DenyHandler got (%q, %v), want (alice, the user-cap error)", d.identifier, d.err)
	}

	drained := make(chan int, 1)
	go func() {
		n, _ := g.Gate.Drain(context.Background())
		drained <- n
	}()
	if n := sselimittest.Receive(t, drained, "Drain"); n != 0 {
		t.Fatalf("Drain left %d streams", n)
	}
	resp = get(t, client, "/stream", "X-User", "bob")
	if b := body(t, resp); resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(b, `"reason":"draining"`) {
		t.Errorf("while draining: got %d %q, want the custom 503", resp.StatusCode, b)
	}
	d = sselimittest.Receive(t, denials, "the deny handler")
	if d.identifier != "bob" || !errors.Is(d.err, sselimit.ErrDraining) {
		t.Errorf("DenyHandler got (%q, %v), want (bob, ErrDraining)", d.identifier, d.err)
	}
}

func TestDefaultRefusalGoesThroughEchosErrorHandler(t *testing.T) {
	g := newGate(t, sselimit.NewSSELimiter(10, 1))
	handled := make(chan error, 1)
	e := newEcho()
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		handled <- err
		e.DefaultHTTPErrorHandler(err, c)
	}
	e.GET("/stream", hello, sselimitecho.Middleware(g.Gate))
	client := sselimittest.NewClient(t, serve(t, e))
	client.MustStream("/stream", "")

	resp := get(t, client, "/stream")
	b := body(t, resp)
	if resp.StatusCode != http.StatusTooManyRequests || strings.TrimSpace(b) != `{"message":"too many streams for this user"}` {
		t.Errorf("got %d %q, want 429 {\"message\":\"too many streams for this user\"}", resp.StatusCode, b)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want Echo's JSON error", ct)
	}
	if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 {
		t.Errorf("Retry-After %q, want whole seconds >= 1", resp.Header.Get("Retry-After"))
	}
	err := sselimittest.Receive(t, handled, "Echo's error handler")
	var he *echo.HTTPError
	var r *sselimit.Refusal
	if !errors.As(err, &he) || he.Code != http.StatusTooManyRequests || !errors.As(err, &r) || r.Reason != sselimit.RefusedUserLimit {
		t.Errorf("HTTPErrorHandler got %#v, want an *echo.HTTPError 429 wrapping the refusal", err)
	}
}

func TestDefaultIdentityIsTheClientAddress(t *testing.T) {
	for _, tc := range []struct {
		name      string
		extractor echo.IPExtractor
		wantKey   string
		secondOK  bool
	}{
		{"no IPExtractor", nil, "ip:127.0.0.1", false},
		{"XFF IPExtractor trusting loopback", echo.ExtractIPFromXFFHeader(), "ip:203.0.113.7", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newGate(t, sselimit.NewSSELimiter(10, 1))
			e := newEcho()
			e.IPExtractor = tc.extractor
			e.GET("/stream", hello, sselimitecho.Middleware(g.Gate))
			client := sselimittest.NewClient(t, serve(t, e))

			resp := get(t, client, "/stream", "X-Forwarded-For", "203.0.113.7", "X-Real-IP", "203.0.113.7")
			defer resp.Body.Close()
			first := readEvent(t, resp)
			if first.Name != "hello" || first.Data != tc.wantKey {
				t.Fatalf("hello event %+v, want key %s", first, tc.wantKey)
			}
			resp2 := get(t, client, "/stream", "X-Forwarded-For", "203.0.113.8", "X-Real-IP", "203.0.113.8")
			defer resp2.Body.Close()
			if ok := resp2.StatusCode == http.StatusOK; ok != tc.secondOK {
				t.Errorf("a second client address in the headers: got status %d, want admitted %v", resp2.StatusCode, tc.secondOK)
			}
		})
	}
}

// readEvent reads one event of resp's stream (up to a blank line).
func readEvent(t *testing.T, resp *http.Response) sselimittest.Event {
	t.Helper()
	var ev sselimittest.Event
	var line []byte
	b := make([]byte, 1)
	for {
		if _, err := resp.Body.Read(b); err != nil {
			t.Fatalf("reading an event: %v", err)
		}
		if b[0] != '\n' {
			line = append(line, b[0])
			continue
		}
		if len(line) == 0 {
			return ev
		}
		field, value, _ := strings.Cut(string(line), ": ")
		switch field {
		case "event":
			ev.Name = value
		case "data":
			ev.Data = value
		}
		line = line[:0]
	}
}

type userID int

func (u userID) String() string { return fmt.Sprintf("user-%d", int(u)) }

func TestFromContext(t *testing.T) {
	g := newGate(t, sselimit.NewSSELimiter(10, 1))
	handled := make(chan error, 4)
	e := newEcho()
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		handled <- err
		e.DefaultHTTPErrorHandler(err, c)
	}
	auth := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			switch c.Request().Header.Get("X-Kind") {
			case "string":
				c.Set("user", "alice")
			case "stringer":
				c.Set("user", userID(7))
			case "int":
				c.Set("user", 42)
			}
			return next(c)
		}
	}
	e.GET("/stream", hello, auth, sselimitecho.MiddlewareWithConfig(sselimitecho.Config{
		Gate:                g.Gate,
		IdentifierExtractor: sselimitecho.FromContext("user"),
	}))
	client := sselimittest.NewClient(t, serve(t, e))

	for kind, key := range map[string]string{"string": "alice", "stringer": "user-7"} {
		resp := get(t, client, "/stream", "X-Kind", kind)
		defer resp.Body.Close()
		if ev := readEvent(t, resp); ev.Data != key {
			t.Errorf("%s value: hello %+v, want key %q", kind, ev, key)
		}
	}
	for kind, status := range map[string]int{"missing": http.StatusUnauthorized, "int": http.StatusForbidden} {
		resp := get(t, client, "/stream", "X-Kind", kind)
		body(t, resp)
		if resp.StatusCode != status {
			t.Errorf("%s value: got %d, want %d", kind, resp.StatusCode, status)
		}
		var r *sselimit.Refusal
		if err := sselimittest.Receive(t, handled, "Echo's error handler"); !errors.As(err, &r) {
			t.Errorf("%s value: error handler got %v, want a refusal", kind, err)
		} else if kind == "int" && (r.Err == nil || !strings.Contains(r.Err.Error(), "int")) {
			t.Errorf("int value: refusal cause %v, want it to name the type", r.Err)
		} else if kind == "missing" && !errors.Is(r, sselimit.ErrNoIdentity) {
			t.Errorf("missing value: refusal cause %v, want ErrNoIdentity", r.Err)
		}
	}
	g.Active(2)
}

func TestFromContextMissingFallsBackToClientAddress(t *testing.T) {
	g := newGate(t, sselimit.NewSSELimiter(10, 1), sselimit.WithEmptyKey(sselimit.FallbackToIP))
	e := newEcho()
	e.GET("/stream", hello, sselimitecho.MiddlewareWithConfig(sselimitecho.Config{
		Gate:                g.Gate,
		IdentifierExtractor: sselimitecho.FromContext("user"),
	}))
	conn := sselimittest.NewClient(t, serve(t, e))
	resp := get(t, conn, "/stream")
	defer resp.Body.Close()
	if ev := readEvent(t, resp); ev.Data != "ip:127.0.0.1" {
		t.Errorf("hello %+v, want key ip:127.0.0.1", ev)
	}
}

func TestMiddlewareWithoutGatePanics(t *testing.T) {
	defer func() {
		v := recover()
		if msg, _ := v.(string); !strings.Contains(msg, "Config.Gate is required") {
			t.Errorf("recovered %v, want a panic naming Config.Gate", v)
		}
	}()
	sselimitecho.MiddlewareWithConfig(sselimitecho.Config{})
	t.Error("MiddlewareWithConfig without a gate did not panic")
}

func TestPanicReachesRecoverAndReleasesTheSlot(t *testing.T) {
	g := newGate(t, sselimit.NewSSELimiter(1, 1))
	type handled struct {
		err       error
		committed bool
	}
	errs := make(chan handled, 1)
	e := newEcho()
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		errs <- handled{err, c.Response().Committed}
		e.DefaultHTTPErrorHandler(err, c)
	}
	e.Use(middleware.Recover())
	e.GET("/stream", func(c echo.Context) error {
		if c.QueryParam("panic") == "" {
			return hello(c)
		}
		w := c.Response()
		fmt.Fprint(w, "event: hello\ndata: before the panic\n\n")
		w.Flush()
		panic("handler bug")
	}, sselimitecho.Middleware(g.Gate))
	client := sselimittest.NewClient(t, serve(t, e))

	resp := get(t, client, "/stream?panic=1")
	if b := body(t, resp); resp.StatusCode != http.StatusOK || b != "event: hello\ndata: before the panic\n\n" {
		t.Errorf("got %d %q, want 200 and the event written before the panic, nothing else", resp.StatusCode, b)
	}
	h := sselimittest.Receive(t, errs, "Echo's error handler")
	if h.err == nil || !strings.Contains(h.err.Error(), "handler bug") || !h.committed {
		t.Errorf("Echo's error handler got %v (committed %v), want Recover's error for the panic on a committed response", h.err, h.committed)
	}
	g.Active(0)
	client.MustStream("/stream", "") // the global cap of 1 is free again
}

func TestHandlerErrorAfterCommitWritesNoSecondResponse(t *testing.T) {
	g := newGate(t, sselimit.NewSSELimiter(10, 1))
	committed := make(chan bool, 1)
	e := newEcho()
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		committed <- c.Response().Committed
		e.DefaultHTTPErrorHandler(err, c)
	}
	e.GET("/stream", func(c echo.Context) error {
		sselimitecho.Stream(c).Send(sselimit.Event{Name: "hello", Data: "one"})
		return echo.NewHTTPError(http.StatusInternalServerError, "upstream gone")
	}, sselimitecho.Middleware(g.Gate))
	resp := get(t, sselimittest.NewClient(t, serve(t, e)), "/stream")
	if b := body(t, resp); resp.StatusCode != http.StatusOK || b != "event: hello\ndata: one\n\n" {
		t.Errorf("got %d %q, want 200 and the one event", resp.StatusCode, b)
	}
	if !sselimittest.Receive(t, committed, "Echo's error handler") {
		t.Error("Echo's error handler saw an uncommitted response")
	}
}

// cookbook is a handler written as Echo's SSE cookbook writes one: headers
// set, then events written to c.Response() and flushed with its Flush,
// whose errors Echo swallows, until the request's context ends. It sends
// the numbers it gets from events, and closes returned when it returns.
func cookbook(events <-chan int, returned chan<- struct{}) echo.HandlerFunc {
	return func(c echo.Context) error {
		defer close(returned)
		w := c.Response()
		w.Header().Set(echo.HeaderContentType, "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		for {
			select {
			case <-c.Request().Context().Done():
				return nil
			case n := <-events:
				fmt.Fprintf(w, "event: tick\ndata: %d\n\n", n)
				w.Flush()
			}
		}
	}
}

func TestCookbookHandlerIsDrained(t *testing.T) {
	g := newGate(t, sselimit.NewSSELimiter(10, 1))
	events, returned := make(chan int), make(chan struct{})
	e := newEcho()
	e.Use(middleware.Recover())
	e.GET("/stream", cookbook(events, returned), sselimitecho.Middleware(g.Gate))
	client := sselimittest.NewClient(t, serve(t, e))

	conn, resp, b, err := client.Open("/stream", "")
	if err != nil || conn == nil {
		t.Fatalf("got %v %q %v, want a stream", resp, b, err)
	}
	for i := range 3 {
		events <- i
		if ev, err := conn.Next(); err != nil || ev.Name != "tick" || ev.Data != fmt.Sprint(i) {
			t.Fatalf("event %d: got %+v, %v", i, ev, err)
		}
	}
	remaining, err := g.Gate.Drain(context.Background())
	if remaining != 0 || err != nil {
		t.Fatalf("Drain: got (%d, %v), want (0, nil)", remaining, err)
	}
	sselimittest.Receive(t, returned, "the handler to return")
	ev, err := conn.Next()
	var data struct{ Reason string }
	if err != nil || ev.Name != "close" || json.Unmarshal([]byte(ev.Data), &data) != nil || data.Reason != "shutdown" {
		t.Fatalf("after Drain: got %+v, %v; want the shutdown close frame", ev, err)
	}
	if _, err := conn.Next(); err != io.EOF {
		t.Errorf("after the close frame: got %v, want EOF", err)
	}
}

func TestCookbookHandlerFindsAClientThatStopsReading(t *testing.T) {
	g := newGate(t, sselimit.NewSSELimiter(10, 1), sselimit.WithWriteTimeout(200*time.Millisecond))
	returned := make(chan struct{})
	big := strings.Repeat("x", 64<<10)
	e := newEcho()
	e.GET("/stream", func(c echo.Context) error {
		defer close(returned)
		w := c.Response()
		for c.Request().Context().Err() == nil {
			fmt.Fprintf(w, "data: %s\n\n", big) // errors ignored, as Flush's are
			w.Flush()
		}
		return nil
	}, sselimitecho.Middleware(g.Gate))
	client := sselimittest.NewClient(t, serve(t, e))
	conn, resp, b, err := client.Open("/stream", "")
	if err != nil || conn == nil {
		t.Fatalf("got %v %q %v, want a stream", resp, b, err)
	}
	// Never read: only the write deadline can end the handler's loop.
	sselimittest.Receive(t, returned, "the handler to return")
	g.Active(0)
}

func TestContextIsRestoredAfterTheStream(t *testing.T) {
	g := newGate(t, sselimit.NewSSELimiter(10, 1))
	problems := make(chan string, 1)
	e := newEcho()
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			w, req := c.Response().Writer, c.Request()
			err := next(c)
			var p []string
			if c.Response().Writer != w {
				p = append(p, "writer not restored")
			}
			if c.Request() != req {
				p = append(p, "request not restored")
			}
			if !c.Response().Committed || c.Response().Status != http.StatusOK {
				p = append(p, fmt.Sprintf("response committed %v, status %d", c.Response().Committed, c.Response().Status))
			}
			problems <- strings.Join(p, "; ")
			return err
		}
	})
	seen := make(chan bool, 1)
	e.GET("/stream", func(c echo.Context) error {
		seen <- c.Request().Context() == sselimitecho.Stream(c).Context()
		return nil
	}, sselimitecho.Middleware(g.Gate))
	body(t, get(t, sselimittest.NewClient(t, serve(t, e)), "/stream"))
	if !sselimittest.Receive(t, seen, "the handler") {
		t.Error("the handler's request context is not the stream's")
	}
	if p := sselimittest.Receive(t, problems, "the outer middleware"); p != "" {
		t.Error(p)
	}
}

func TestCookbookWritesAreSerialisedWithHeartbeats(t *testing.T) {
	const events = 1000
	// A heartbeat due every millisecond: were the handler's writes not
	// routed through the stream, heartbeats would land between them (a
	// data race, and a comment inside an event's line).
	g := newGate(t, sselimit.NewSSELimiter(10, 1), sselimit.WithHeartbeat(time.Millisecond))
	e := newEcho()
	e.GET("/stream", func(c echo.Context) error {
		w := c.Response()
		for i := range events {
			io.WriteString(w, "data: ")
			fmt.Fprintf(w, "%d\n\n", i)
			w.Flush()
		}
		return nil
	}, sselimitecho.Middleware(g.Gate))
	conn, resp, b, err := sselimittest.NewClient(t, serve(t, e)).Open("/stream", "")
	if err != nil || conn == nil {
		t.Fatalf("got %v %q %v, want a stream", resp, b, err)
	}
	for i := range events {
		ev, err := conn.Next()
		if err != nil || ev.Data != fmt.Sprint(i) {
			t.Fatalf("event %d: got %+v, %v", i, ev, err)
		}
	}
	if _, err := conn.Next(); err != io.EOF {
		t.Errorf("after the last event: got %v, want EOF", err)
	}
}

func TestMountedOnGroupAndRouteCountsOnce(t *testing.T) {
	g := newGate(t, sselimit.NewSSELimiter(10, 1))
	e := newEcho()
	byHeader := sselimitecho.Config{Gate: g.Gate, IdentifierExtractor: func(c echo.Context) (string, error) {
		return c.Request().Header.Get("X-User"), nil
	}}
	api := e.Group("/api", sselimitecho.MiddlewareWithConfig(byHeader))
	api.GET("/stream", hello, sselimitecho.MiddlewareWithConfig(byHeader))
	client := sselimittest.NewClient(t, serve(t, e))

	// With a cap of one per user, a stream counted twice would be refused.
	client.MustStream("/api/stream", "alice")
	g.Active(1)
	if st := g.Gate.Stats(); st.Admitted != 1 {
		t.Errorf("Stats().Admitted: got %d, want 1", st.Admitted)
	}
	resp := get(t, client, "/api/stream", "X-User", "alice")
	if body(t, resp); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("second stream for alice: got %d, want 429", resp.StatusCode)
	}
	client.MustStream("/api/stream", "bob")
	g.Active(2)
}

// TestNoIdentityAndBadIdentity: the default ErrorHandler tells a request
// without an identity (401) from one whose identity is bad: the
// extractor failed (403, Echo's ErrExtractorError) or gave a key the gate
// refuses (400).
func TestNoIdentityAndBadIdentity(t *testing.T) {
	g := newGate(t, sselimit.NewSSELimiter(10, 1))
	e := newEcho()
	e.GET("/stream", hello, sselimitecho.MiddlewareWithConfig(sselimitecho.Config{
		Gate: g.Gate,
		IdentifierExtractor: func(c echo.Context) (string, error) {
			if c.QueryParam("fail") != "" {
				return "", errExtractor
			}
			return c.QueryParam("user"), nil
		},
	}))
	client := sselimittest.NewClient(t, serve(t, e))
	for _, tc := range []struct {
		query, body string
		status      int
	}{
		{"", `{"message":"identity required"}`, http.StatusUnauthorized},
		{"fail=1", `{"message":"error while extracting identifier"}`, http.StatusForbidden},
		{"user=" + strings.Repeat("a", 257), `{"message":"invalid identity"}`, http.StatusBadRequest},
	} {
		resp := get(t, client, "/stream?"+tc.query)
		if b := strings.TrimSpace(body(t, resp)); resp.StatusCode != tc.status || b != tc.body {
			t.Errorf("?%.20s: got %d %s, want %d %s", tc.query, resp.StatusCode, b, tc.status, tc.body)
		}
	}
	st := g.Gate.Stats()
	if st.Refused[sselimit.RefusedNoIdentity] != 2 || st.Refused[sselimit.RefusedBadIdentity] != 1 || st.Admitted != 0 {
		t.Errorf("Stats(): %+v, want no_identity 2 (no key, extractor error), bad_identity 1, nothing admitted", st)
	}
}
