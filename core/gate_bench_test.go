package sselimit

import (
	"context"
	"testing"
)

// BenchmarkAdmitRefused is the gate's share of a refused request: the
// identity checks, the limiter's read-only refusal and the Refusal.
func BenchmarkAdmitRefused(b *testing.B) {
	for _, bc := range []struct {
		name    string
		id      Identity
		userCap int // the limiter's: with one, a refusal looks the user up
	}{
		{"by=address", Identity{ByIP: true, IP: "192.0.2.10"}, 0},
		{"by=user", Identity{Key: "user-1234", IP: "192.0.2.10"}, 0},
		{"by=address/usercap=5", Identity{ByIP: true, IP: "192.0.2.10"}, 5},
		{"by=user/usercap=5", Identity{Key: "user-1234", IP: "192.0.2.10"}, 5},
	} {
		b.Run(bc.name, func(b *testing.B) {
			lim := NewSSELimiter(1, bc.userCap)
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
