package sselimitprom_test

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	sselimit "github.com/sselimit/sselimit/core"
	sselimitprom "github.com/sselimit/sselimit/prometheus"
)

func ExampleNewCollector() {
	gate, err := sselimit.NewGate(sselimit.NewSSELimiter(100, 2))
	if err != nil {
		panic(err)
	}
	// With the default registry: prometheus.MustRegister(...), and
	// promhttp.Handler() on /metrics.
	reg := prometheus.NewRegistry()
	reg.MustRegister(sselimitprom.NewCollector(gate, sselimitprom.WithConstLabels(prometheus.Labels{"route": "/events"})))

	s, _ := gate.Admit(context.Background(), sselimit.Identity{Key: "alice"})
	defer s.End()
	families, err := reg.Gather()
	if err != nil {
		panic(err)
	}
	for _, f := range families {
		if f.GetName() == "sselimit_streams_active" {
			m := f.GetMetric()[0]
			fmt.Println(f.GetName(), m.GetLabel()[0].GetName(), m.GetLabel()[0].GetValue(), m.GetGauge().GetValue())
		}
	}
	// Output: sselimit_streams_active route /events 1
}
