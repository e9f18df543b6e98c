package sselimitfiber_test

import (
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/core/sselimittest"
	sselimitfiber "github.com/sselimit/sselimit/fiber"
)

// TestEventsLargerThanThePipeArriveWhole: events larger than what the
// stream may leave unread reach the client whole and in order.
func TestEventsLargerThanThePipeArriveWhole(t *testing.T) {
	f := newFixture(t, sselimit.NewSSELimiter(10, 1))
	sizes := []int{1, 100 << 10, 3, 300 << 10, 64 << 10}
	base := f.serveStream(sselimitfiber.Config{}, func(c *fiber.Ctx) error {
		return sselimitfiber.Stream(c, func(s *sselimit.Stream) {
			if s.Send(sselimit.Event{Name: "hello"}) != nil {
				return
			}
			for i, n := range sizes {
				if s.Send(sselimit.Event{Name: "big", Data: strings.Repeat(string(rune('a'+i)), n)}) != nil {
					return
				}
			}
		})
	})
	conn := sselimittest.NewClient(t, base).MustStream("/stream", "")
	for i, n := range sizes {
		ev, err := conn.Next()
		if want := strings.Repeat(string(rune('a'+i)), n); err != nil || ev.Name != "big" || ev.Data != want {
			t.Fatalf("event %d: got %q with %d bytes of data, %v; want %d bytes of %q", i, ev.Name, len(ev.Data), err, n, rune('a'+i))
		}
	}
	f.Active(0)
}
