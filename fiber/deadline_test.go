package sselimitfiber_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/core/sselimittest"
	sselimitfiber "github.com/sselimit/sselimit/fiber"
)

// TestQuietStreamOutlivesItsWriteTimeout: each write's deadline bounds
// that write only, so a stream quiet for longer than the write timeout
// still reaches its client.
func TestQuietStreamOutlivesItsWriteTimeout(t *testing.T) {
	const writeTimeout = 50 * time.Millisecond
	f := newFixture(t, sselimit.NewSSELimiter(10, 1),
		sselimit.WithWriteTimeout(writeTimeout), sselimit.WithHeartbeat(4*writeTimeout))
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/stream", sselimitfiber.New(sselimitfiber.Config{Gate: f.Gate}), holdHandler)
	conn := sselimittest.NewClient(t, serve(t, app)).MustStream("/stream", "")
	for i := range 3 {
		if line, err := conn.ReadLine(); err != nil || !strings.HasPrefix(line, ":") {
			t.Fatalf("heartbeat %d, after a silence of four write timeouts: got %q, %v", i, line, err)
		}
	}
	f.Active(1)
}
