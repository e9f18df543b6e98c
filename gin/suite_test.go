package sselimitgin_test

import (
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"
	"go.uber.org/goleak"

	"github.com/sselimit/sselimit/core/sselimittest"
	"github.com/sselimit/sselimit/gin/sselimitgintest"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	goleak.VerifyTestMain(m)
}

func TestBehaviour(t *testing.T) {
	sselimittest.Run(t, sselimitgintest.Harness())
}

func serve(t testing.TB, srv *http.Server) string { return sselimittest.Serve(t, srv) }
