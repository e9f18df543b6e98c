package sselimitfiber_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/core/sselimittest"
	sselimitfiber "github.com/sselimit/sselimit/fiber"
)

// TestEachGoneClientEndsItsOwnStream: one watcher serves every stream, so
// a client's close must end its stream and no other.
func TestEachGoneClientEndsItsOwnStream(t *testing.T) {
	const n = 20
	f := newFixture(t, sselimit.NewSSELimiter(0, 0), sselimit.WithHeartbeat(time.Hour))
	base := f.serveStream(sselimitfiber.Config{KeyGenerator: func(c *fiber.Ctx) string { return c.Get("X-User") }}, holdHandler)
	var kept []*sselimittest.Conn
	for i := range n {
		user := "u" + strconv.Itoa(i)
		if i%2 == 0 {
			sselimittest.OpenRaw(t, base, "/stream", user).Close()
			continue
		}
		kept = append(kept, sselimittest.NewClient(t, base).MustStream("/stream", user))
	}
	f.Active(n / 2)
	byKey := f.Gate.ActiveByKey()
	for i := 1; i < n; i += 2 {
		if k := "u" + strconv.Itoa(i); byKey[k] != 1 {
			t.Errorf("streams of u%d, whose client stayed: got %d, want 1 (all: %v)", i, byKey[k], byKey)
		}
	}
	if n, err := f.Gate.Drain(context.Background()); n != 0 || err != nil {
		t.Fatalf("Drain: got (%d, %v), want (0, nil)", n, err)
	}
	for i, conn := range kept {
		ev, err := conn.Next()
		if err != nil || ev.Name != "close" || !strings.Contains(ev.Data, "shutdown") {
			t.Errorf("kept stream %d after Drain: got %+v, %v; want its close frame", i, ev, err)
		}
	}
}
