package sselimit

import (
	"context"
	"testing"
)

// BenchmarkAdmitRefused is the gate's share of a refused request: the
// identity checks, the limiter's read-only refusal and the Refusal.
func BenchmarkAdmitRefused(b *testing.B) {
	for _, bc := range []struct {
		name string
		id   Identity
	}{
		{"by=address", Identity{ByIP: true, IP: "192.0.2.10"}},
		{"by=user", Identity{Key: "user-1234", IP: "192.0.2.10"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			lim := NewSSELimiter(1, 0)
			g, _ := NewGate(lim)
			release, _ := lim.Acquire("holder")
			defer release()
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, r := g.Admit(ctx, bc.id); r == nil {
					b.Fatal("admitted past the cap")
				}
			}
		})
	}
}
