package sselimitgintest

import (
	"io"
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"

	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/core/sselimittest"
	sselimitgin "github.com/sselimit/sselimit/gin"
)

// Harness serves the suite's route through sselimitgin.New on a Gin
// engine behind Gin's own recovery middleware, with sselimit.ConnContext
// installed. The suite's trusted proxy is set with
// Engine.SetTrustedProxies.
func Harness() sselimittest.Harness { return sselimittest.Harness{Start: start} }

func start(t *testing.T, cfg sselimittest.Config) string {
	var opts []sselimitgin.Option
	if cfg.UserKey {
		opts = append(opts, sselimitgin.WithKeyFunc(func(c *gin.Context) (string, error) {
			return sselimittest.UserKey(c.GetHeader("X-User"))
		}))
	}
	if cfg.UserCap {
		opts = append(opts, sselimitgin.WithUserCap(func(c *gin.Context) int {
			return sselimittest.UserCap(c.GetHeader("X-Cap"))
		}))
	}
	r := gin.New()
	if cfg.TrustProxy {
		if err := r.SetTrustedProxies([]string{"127.0.0.1"}); err != nil {
			t.Fatal(err)
		}
	}
	r.Use(recovery(cfg.Recovered))
	r.GET("/stream", sselimitgin.New(cfg.Gate, opts...), func(c *gin.Context) {
		sselimittest.Behave(sselimitgin.Stream(c), c.Request.URL.RawQuery)
	})
	return sselimittest.Serve(t, &http.Server{Handler: r, ConnContext: sselimit.ConnContext})
}

// recovery is gin.CustomRecovery with its panic log discarded.
func recovery(recovered func(any)) gin.HandlerFunc {
	return gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, v any) {
		recovered(v)
		c.AbortWithStatus(http.StatusInternalServerError)
	})
}
