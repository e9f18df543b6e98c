package sselimitfiber_test

import (
	"net"
	"testing"

	"github.com/gofiber/fiber/v2"
	"go.uber.org/goleak"

	"github.com/sselimit/sselimit/core/sselimittest"
	"github.com/sselimit/sselimit/fiber/sselimitfibertest"
)

func TestMain(m *testing.M) {
	var opts []goleak.Option
	for _, f := range sselimitfibertest.BackgroundGoroutines {
		opts = append(opts, goleak.IgnoreAnyFunction(f))
	}
	goleak.VerifyTestMain(m, opts...)
}

func TestBehaviour(t *testing.T) {
	sselimittest.Run(t, sselimitfibertest.Harness())
}

// serve runs app on 127.0.0.1 until the test ends.
func serve(t *testing.T, app *fiber.App) string { return sselimitfibertest.Serve(t, app) }

func serveOn(t *testing.T, app *fiber.App, ln net.Listener) string {
	return sselimitfibertest.ServeListener(t, app, ln)
}
