package sselimitecho_test

import (
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/sselimit/sselimit/core/sselimittest"
	sselimitecho "github.com/sselimit/sselimit/echo"
)

func TestMiddlewareBehaviour(t *testing.T) {
	sselimittest.Run(t, sselimittest.Harness{Start: startEcho, KeyErrorStatus: http.StatusForbidden})
}

// startEcho serves the suite's route through the middleware on a real Echo
// server, behind Echo's Recover middleware.
func startEcho(t *testing.T, cfg sselimittest.Config) string {
	e := newEcho()
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
	return serve(t, e)
}
