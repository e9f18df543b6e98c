package bench

import (
	"context"
	"fmt"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	sselimit "github.com/sselimit/sselimit/core"
	sselimitotel "github.com/sselimit/sselimit/otel"
	sselimitprom "github.com/sselimit/sselimit/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// BenchmarkMetricsAdmitRelease is a stream's admission and release through
// a gate, bare and with each exporter registered: the cost metrics add to
// the hot path. Compare the sub-benchmarks of one run with
// benchstat -col /metrics; on a busy machine, cpu-ns/op is the figure to
// read.
func BenchmarkMetricsAdmitRelease(b *testing.B) {
	keys := make([]sselimit.Identity, 1024)
	for i := range keys {
		keys[i] = sselimit.Identity{Key: fmt.Sprintf("user-%d", i), IP: "192.0.2.10"}
	}
	for _, bc := range []struct {
		name     string
		register func(*testing.B, *sselimit.Gate)
	}{
		{"none", func(*testing.B, *sselimit.Gate) {}},
		{"prometheus", func(b *testing.B, g *sselimit.Gate) {
			prometheus.NewRegistry().MustRegister(sselimitprom.NewCollector(g))
		}},
		{"otel", func(b *testing.B, g *sselimit.Gate) {
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
			b.Cleanup(func() { mp.Shutdown(context.Background()) })
			reg, err := sselimitotel.Register(g, mp)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { reg.Unregister() })
		}},
	} {
		b.Run("metrics="+bc.name, func(b *testing.B) {
			g, err := sselimit.NewGate(sselimit.NewSSELimiter(0, 4))
			if err != nil {
				b.Fatal(err)
			}
			bc.register(b, g)
			ctx := context.Background()
			i := 0
			loopWithCPU(b, func() {
				s, r := g.Admit(ctx, keys[i%len(keys)])
				if r != nil {
					b.Fatal(r)
				}
				s.End()
				i++
			})
		})
	}
}

// BenchmarkMetricsScrape is one collection of a gate's figures by each
// exporter, with 1000 streams open: the cost moved off the hot path.
func BenchmarkMetricsScrape(b *testing.B) {
	g, err := sselimit.NewGate(sselimit.NewSSELimiter(0, 0))
	if err != nil {
		b.Fatal(err)
	}
	for i := range 1000 {
		s, _ := g.Admit(context.Background(), sselimit.Identity{Key: fmt.Sprint("user-", i)})
		defer s.End()
	}
	b.Run("exporter=prometheus", func(b *testing.B) {
		reg := prometheus.NewRegistry()
		reg.MustRegister(sselimitprom.NewCollector(g))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := reg.Gather(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
