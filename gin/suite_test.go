package sselimitgin_test

import (
	"io"
	"log"
	"net"
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"
	"go.uber.org/goleak"

	"github.com/sselimit/sselimit/core/sselimittest"
	sselimitgin "github.com/sselimit/sselimit/gin"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	goleak.VerifyTestMain(m)
}

func TestBehaviour(t *testing.T) {
	sselimittest.Run(t, sselimittest.Harness{Start: startSuiteServer})
}

// startSuiteServer serves the suite's route on a real Gin engine behind
// Gin's own recovery middleware.
func startSuiteServer(t *testing.T, cfg sselimittest.Config) string {
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
	return serve(t, &http.Server{Handler: r})
}

// recovery is gin.CustomRecovery with its panic log discarded.
func recovery(recovered func(any)) gin.HandlerFunc {
	return gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, v any) {
		recovered(v)
		c.AbortWithStatus(http.StatusInternalServerError)
	})
}

// serve runs srv on 127.0.0.1 with a random port until the test ends and
// returns its base URL.
func serve(t testing.TB, srv *http.Server) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if srv.ErrorLog == nil {
		srv.ErrorLog = log.New(io.Discard, "", 0)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}
