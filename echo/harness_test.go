package sselimitecho_test

import (
	"testing"

	"github.com/labstack/echo/v4"
	"go.uber.org/goleak"

	"github.com/sselimit/sselimit/echo/sselimitechotest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newEcho returns an Echo that prints nothing.
func newEcho() *echo.Echo { return sselimitechotest.NewEcho() }

// serve starts e on 127.0.0.1 until the test ends and returns its base URL.
func serve(t testing.TB, e *echo.Echo) string { return sselimitechotest.Serve(t, e) }
