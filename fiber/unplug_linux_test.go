package sselimitfiber_test

import (
	"net"
	"testing"

	"github.com/gofiber/fiber/v2"
	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/core/sselimittest"
	sselimitfiber "github.com/sselimit/sselimit/fiber"
)

// On Fiber the adapter reaches the connection itself: the app does nothing.
func TestUnpluggedClientReleased(t *testing.T) {
	sselimittest.UnpluggedClient(t, true, func(t *testing.T, g *sselimit.Gate) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		return serveOn(t, newUnpluggable(g), ln)
	})
}

// The control: on a connection the adapter cannot reach, the kernel keeps
// retransmitting to the vanished client long past the test.
func TestUnpluggedClientHeldOnAnOpaqueConnection(t *testing.T) {
	sselimittest.UnpluggedClient(t, false, func(t *testing.T, g *sselimit.Gate) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		return serveOn(t, newUnpluggable(g), wrapListener{ln, func(c net.Conn) net.Conn { return opaqueConn{c} }})
	})
}

// newUnpluggable returns an app serving the suite's route through the
// middleware on g.
func newUnpluggable(g *sselimit.Gate) *fiber.App {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/stream", sselimitfiber.New(sselimitfiber.Config{Gate: g}), func(c *fiber.Ctx) error {
		query := string(c.Request().URI().QueryString()) // a copy: the stream outlives c
		return sselimitfiber.Stream(c, func(s *sselimit.Stream) { sselimittest.Behave(s, query) })
	})
	return app
}
