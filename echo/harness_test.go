package sselimitecho_test

import (
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newEcho returns an Echo that prints nothing: no banner, no port, no logs.
func newEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Logger.SetOutput(io.Discard)
	e.StdLogger = log.New(io.Discard, "", 0)
	return e
}

// serve starts e on 127.0.0.1 with a random port through e.Start, returns
// its base URL, and stops it in a t.Cleanup, waiting for Start to return.
func serve(t testing.TB, e *echo.Echo) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.Listener = ln
	served := make(chan error, 1)
	go func() { served <- e.Start("") }()
	t.Cleanup(func() {
		e.Close()
		ln.Close() // in case Close ran before Start began serving on ln
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("e.Start: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}
