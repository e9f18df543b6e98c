package sselimitotel_test

import (
	"context"
	"fmt"

	sselimit "github.com/sselimit/sselimit/core"
	sselimitotel "github.com/sselimit/sselimit/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

func ExampleRegister() {
	gate, err := sselimit.NewGate(sselimit.NewSSELimiter(100, 2))
	if err != nil {
		panic(err)
	}
	// An application passes its own meter provider, with an exporter.
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	reg, err := sselimitotel.Register(gate, mp)
	if err != nil {
		panic(err)
	}
	defer reg.Unregister()

	s, _ := gate.Admit(context.Background(), sselimit.Identity{Key: "alice"})
	defer s.End()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		panic(err)
	}
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if m.Name == "sselimit_streams_active" {
			fmt.Println(m.Name, m.Data.(metricdata.Gauge[int64]).DataPoints[0].Value)
		}
	}
	// Output: sselimit_streams_active 1
}
