package sselimitechotest

import (
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/core/sselimittest"
	sselimitecho "github.com/sselimit/sselimit/echo"
)

// Harness serves the suite's route through sselimitecho on an Echo server
// behind Echo's Recover middleware, with sselimit.ConnContext installed.
// The suite's trusted proxy is set with Echo#IPExtractor. A key function's
// error is answered 403, as Echo's RateLimiter answers it.
func Harness() sselimittest.Harness {
	return sselimittest.Harness{Start: start, KeyErrorStatus: http.StatusForbidden}
}

func start(t *testing.T, cfg sselimittest.Config) string {
	e := NewEcho()
	if cfg.TrustProxy {
		e.IPExtractor = echo.ExtractIPFromXFFHeader(echo.TrustLoopback(true), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false))
	}
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, _ []byte) error {
			cfg.Recovered(err)
			return err
		},
	}))
	config := sselimitecho.Config{Gate: cfg.Gate}
	if cfg.UserKey {
		config.IdentifierExtractor = func(c echo.Context) (string, error) {
			return sselimittest.UserKey(c.Request().Header.Get("X-User"))
		}
	}
	if cfg.UserCap {
		config.UserCap = func(c echo.Context) int {
			return sselimittest.UserCap(c.Request().Header.Get("X-Cap"))
		}
	}
	e.GET("/stream", func(c echo.Context) error {
		sselimittest.Behave(sselimitecho.Stream(c), c.Request().URL.RawQuery)
		return nil
	}, sselimitecho.MiddlewareWithConfig(config))
	e.Server.ConnContext = sselimit.ConnContext
	return Serve(t, e)
}

// NewEcho returns an Echo that prints nothing: no banner, no port, no logs.
func NewEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Logger.SetOutput(io.Discard)
	e.StdLogger = log.New(io.Discard, "", 0)
	return e
}

// Serve starts e on 127.0.0.1 with a random port through e.Start, returns
// its base URL, and stops it when t ends, waiting for Start to return.
func Serve(t testing.TB, e *echo.Echo) string {
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
