package sselimit_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/core/sselimittest"
)

// TestShutdownNeedsDrain shows why the wiring is Drain, then Shutdown:
// Shutdown alone waits for streams, which are never idle, and leaves their
// contexts running; after Drain it returns at once.
func TestShutdownNeedsDrain(t *testing.T) {
	lim := sselimit.NewSSELimiter(0, 0)
	gate, err := sselimit.NewGate(lim)
	if err != nil {
		t.Fatal(err)
	}
	handlerCtx := make(chan context.Context, 1)
	h := sselimit.Middleware(gate)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handlerCtx <- r.Context()
		<-r.Context().Done()
	}))
	url, srv := serveServer(t, h)
	conn := sselimittest.NewClient(t, url)
	c, _, _, err := conn.Open("/", "")
	if err != nil || c == nil {
		t.Fatalf("opening a stream: %v", err)
	}
	ctx := <-handlerCtx

	short, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown with a stream open: got %v, want it to wait until its deadline", err)
	}
	if ctx.Err() != nil {
		t.Fatal("Shutdown cancelled the stream's context; want it left running")
	}
	if n, err := gate.Drain(context.Background()); n != 0 || err != nil {
		t.Fatalf("Drain: got (%d, %v), want (0, nil)", n, err)
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown after Drain: %v", err)
	}
	if ev, err := c.Next(); err != nil || ev.Name != "close" {
		t.Errorf("the client's last event: got %+v, %v; want the close frame", ev, err)
	}
}
