package bench

import (
	"context"
	"testing"

	sselimit "github.com/sselimit/sselimit/core"
)

// The gates of the adapter benchmarks, each case's the same on every
// framework.

// fullGate is a gate at its global cap of one, another client holding
// the only slot until b ends: it refuses every request.
func fullGate(b *testing.B) *sselimit.Gate {
	gate, err := sselimit.NewGate(sselimit.NewSSELimiter(1, 0))
	if err != nil {
		b.Fatal(err)
	}
	held, refusal := gate.Admit(context.Background(), sselimit.Identity{ByIP: true, IP: "192.0.2.1"})
	if refusal != nil {
		b.Fatal(refusal)
	}
	b.Cleanup(held.End)
	return gate
}

// roomyGate is a gate whose caps the streams of one benchmark never
// reach; once b ends, it fails the benchmark if a slot is still held.
func roomyGate(b *testing.B) *sselimit.Gate {
	lim := sselimit.NewSSELimiter(1000, 10)
	gate, err := sselimit.NewGate(lim)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if n := lim.ActiveConnections(); n != 0 {
			b.Errorf("%d slots held after the benchmark, want 0", n)
		}
	})
	return gate
}
