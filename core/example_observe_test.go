package sselimit_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	sselimit "github.com/sselimit/sselimit/core"
)

func ExampleGate_Observe() {
	gate, _ := sselimit.NewGate(sselimit.NewSSELimiter(100, 1))
	stop := gate.Observe(sselimit.Hooks{
		OnRefuse:  func(key string, why sselimit.Reason) { fmt.Println("refused", key, why) },
		OnRelease: func(key string, open time.Duration) { fmt.Println("released", key) },
	})
	defer stop()

	s, _ := gate.Admit(context.Background(), sselimit.Identity{Key: "alice"})
	gate.Admit(context.Background(), sselimit.Identity{Key: "alice"})
	s.End()
	fmt.Println(gate.Stats().Closed[sselimit.ReasonHandlerReturned], "closed by its handler")
	// Output:
	// refused alice user_limit
	// released alice
	// 1 closed by its handler
}

func ExampleGate_Snapshot() {
	gate, _ := sselimit.NewGate(sselimit.NewSSELimiter(100, 5))
	for _, user := range []string{"alice", "bob", "alice"} {
		s, _ := gate.Admit(context.Background(), sselimit.Identity{Key: user, Route: "/events"})
		defer s.End()
	}
	snap := gate.Snapshot(context.Background(), sselimit.SnapshotOptions{TopUsers: 1})
	fmt.Println(snap.Open, "open; oldest:", snap.Streams[0].Key, "on", snap.Streams[0].Route)
	fmt.Println("top user:", snap.TopUsers[0].Key, snap.TopUsers[0].Streams)
	// Output:
	// 3 open; oldest: alice on /events
	// top user: alice 2
}

func ExampleWithLogger() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "took" {
				return slog.Attr{} // varies from run to run
			}
			return a
		},
	}))
	gate, _ := sselimit.NewGate(sselimit.NewSSELimiter(100, 5), sselimit.WithLogger(logger))
	gate.Drain(context.Background())
	// Output:
	// level=INFO msg="sselimit: draining" streams=0
	// level=INFO msg="sselimit: drained" streams=0
}
