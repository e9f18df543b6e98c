package sselimit_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sselimit "github.com/sselimit/sselimit/core"
)

// observedServer serves handler through Middleware and g on a real server,
// and reports every release on the returned channel.
func observedServer(t *testing.T, g *sselimit.Gate, handler http.HandlerFunc) (string, <-chan string) {
	t.Helper()
	released := make(chan string, 16)
	stop := g.Observe(sselimit.Hooks{OnRelease: func(key string, _ time.Duration) { released <- key }})
	t.Cleanup(stop)
	srv := httptest.NewServer(sselimit.Middleware(g)(handler))
	t.Cleanup(srv.Close)
	return srv.URL, released
}

// openStream starts a request and returns once the stream's first event
// arrived.
func openStream(t *testing.T, ctx context.Context, url string) *http.Response {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(res.Body).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "event: hello") {
		t.Fatalf("first line: got %q, %v; want the hello event", line, err)
	}
	return res
}

func hello(s *sselimit.Stream) { s.Send(sselimit.Event{Name: "hello", Data: "hi"}) }

func wantClosed(t *testing.T, g *sselimit.Gate, want sselimit.Reason) {
	t.Helper()
	st := g.Stats()
	for r, n := range st.Closed {
		if w := map[bool]uint64{true: 1}[r == want]; n != w {
			t.Errorf("Stats().Closed[%q]: got %d, want %d", r, n, w)
		}
	}
	if st.Durations.Count != 1 {
		t.Errorf("Stats().Durations.Count: got %d, want 1", st.Durations.Count)
	}
}

func TestClosedHandlerReturned(t *testing.T) {
	g := newGate(t)
	url, released := observedServer(t, g, func(w http.ResponseWriter, r *http.Request) {
		hello(sselimit.StreamFromContext(r.Context()))
	})
	res := openStream(t, context.Background(), url)
	io.Copy(io.Discard, res.Body) // to the end the server's return makes
	res.Body.Close()
	<-released
	wantClosed(t, g, sselimit.ReasonHandlerReturned)
}

func TestClosedClientGone(t *testing.T) {
	g := newGate(t)
	url, released := observedServer(t, g, func(w http.ResponseWriter, r *http.Request) {
		hello(sselimit.StreamFromContext(r.Context()))
		<-r.Context().Done()
	})
	ctx, cancel := context.WithCancel(context.Background())
	res := openStream(t, ctx, url)
	cancel()
	res.Body.Close()
	<-released
	wantClosed(t, g, sselimit.ReasonClientGone)
}

func TestClosedShutdown(t *testing.T) {
	g := newGate(t)
	url, released := observedServer(t, g, func(w http.ResponseWriter, r *http.Request) {
		hello(sselimit.StreamFromContext(r.Context()))
		<-r.Context().Done()
	})
	res := openStream(t, context.Background(), url)
	defer res.Body.Close()
	if _, err := g.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-released
	wantClosed(t, g, sselimit.ReasonShutdown)
	if got := g.Stats().Ended[sselimit.ReasonShutdown]; got != 1 {
		t.Errorf("Stats().Ended[shutdown]: got %d, want 1", got)
	}
}

func newGate(t *testing.T, opts ...sselimit.Option) *sselimit.Gate {
	t.Helper()
	g, err := sselimit.NewGate(sselimit.NewSSELimiter(10, 2), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestObserveAddsAndRemovesHooks(t *testing.T) {
	var calls []string
	g := newGate(t, sselimit.WithHooks(sselimit.Hooks{
		OnAdmit: func(key string) { calls = append(calls, "config admit "+key) },
	}))
	stop := g.Observe(sselimit.Hooks{
		OnAdmit:   func(key string) { calls = append(calls, "observer admit "+key) },
		OnRefuse:  func(key string, why sselimit.Reason) { calls = append(calls, "observer refuse "+key+" "+string(why)) },
		OnRelease: func(key string, _ time.Duration) { calls = append(calls, "observer release "+key) },
	})
	admit := func() *sselimit.Stream {
		s, _ := g.Admit(context.Background(), sselimit.Identity{Key: "alice"})
		return s
	}
	a, b := admit(), admit()
	admit() // refused: alice's cap is 2
	a.End()
	stop()
	stop()
	b.End()
	admit().End()
	want := []string{
		"config admit alice", "observer admit alice",
		"config admit alice", "observer admit alice",
		"observer refuse alice user_limit",
		"observer release alice",
		"config admit alice",
	}
	if strings.Join(calls, "\n") != strings.Join(want, "\n") {
		t.Errorf("hook calls:\ngot  %q\nwant %q", calls, want)
	}
}

func TestObserverPanicEndsStream(t *testing.T) {
	lim := sselimit.NewSSELimiter(1, 1)
	g, err := sselimit.NewGate(lim)
	if err != nil {
		t.Fatal(err)
	}
	g.Observe(sselimit.Hooks{OnAdmit: func(string) { panic("observer") }})
	func() {
		defer func() { recover() }()
		g.Admit(context.Background(), sselimit.Identity{Key: "alice"})
	}()
	if got := lim.ActiveForUser("alice"); got != 0 {
		t.Errorf("alice's streams after a panicking observer: got %d, want 0", got)
	}
}

func TestObserveWhileStreamsComeAndGo(t *testing.T) {
	g := newGate(t)
	var wg sync.WaitGroup
	var admitted atomic.Int64
	for range 4 {
		wg.Go(func() {
			for range 200 {
				if s, r := g.Admit(context.Background(), sselimit.Identity{Key: "alice"}); r == nil {
					s.End()
				}
			}
		})
	}
	for range 100 {
		stop := g.Observe(sselimit.Hooks{OnAdmit: func(string) { admitted.Add(1) }})
		stop()
	}
	wg.Wait()
	st := g.Stats()
	var closed uint64
	for _, n := range st.Closed {
		closed += n
	}
	if closed != st.Admitted || st.Durations.Count != st.Admitted || uint64(admitted.Load()) > st.Admitted {
		t.Errorf("admitted %d, closed %d, durations %d, observed admissions %d: want the first three equal and the last at most as many",
			st.Admitted, closed, st.Durations.Count, admitted.Load())
	}
}
