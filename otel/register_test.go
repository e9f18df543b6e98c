package sselimitotel_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/core/sselimittest"
	sselimitotel "github.com/sselimit/sselimit/otel"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// figures are what a collection shows: each series by instrument name
// and reason ("" for none), and the histogram's count.
type figures struct {
	values    map[string]int64
	durations uint64
	bounds    []float64
}

func collect(t *testing.T, r *sdkmetric.ManualReader) figures {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	f := figures{values: map[string]int64{}}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			var points []metricdata.DataPoint[int64]
			switch d := m.Data.(type) {
			case metricdata.Gauge[int64]:
				points = d.DataPoints
			case metricdata.Sum[int64]:
				if !d.IsMonotonic || d.Temporality != metricdata.CumulativeTemporality {
					t.Errorf("%s: got a sum monotonic %v, %v; want a cumulative counter", m.Name, d.IsMonotonic, d.Temporality)
				}
				points = d.DataPoints
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					f.durations += p.Count
					f.bounds = p.Bounds
				}
			}
			for _, p := range points {
				reason, _ := p.Attributes.Value("reason")
				f.values[m.Name+"/"+reason.AsString()] = p.Value
			}
		}
	}
	return f
}

func (f figures) want(t *testing.T, want map[string]int64, durations uint64) {
	t.Helper()
	for k, v := range want {
		if got, ok := f.values[k]; !ok || got != v {
			t.Errorf("%s: got %d (reported: %v), want %d", k, got, ok, v)
		}
	}
	if f.durations != durations {
		t.Errorf("durations recorded: got %d, want %d", f.durations, durations)
	}
}

func TestReportsTheGate(t *testing.T) {
	w := sselimittest.NewWatch(t, sselimit.NewSSELimiter(3, 2), sselimit.Hooks{})
	g := w.Gate
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	reg, err := sselimitotel.Register(g, mp)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Unregister()
	// The histogram records in a hook of the exporter's, after the Watch's
	// own: this one, added after it, counts the releases it has recorded.
	var recorded atomic.Int64
	t.Cleanup(g.Observe(sselimit.Hooks{OnRelease: func(string, time.Duration) { recorded.Add(1); w.Wake() }}))

	bob := sselimittest.MixedTraffic(t, g)
	refusals := map[string]int64{
		"sselimit_streams_admitted_total/":            3,
		"sselimit_streams_refused_total/user_limit":   1,
		"sselimit_streams_refused_total/global_limit": 2,
		"sselimit_streams_refused_total/no_identity":  1,
		"sselimit_streams_refused_total/draining":     0,
		"sselimit_streams_refused_total/unavailable":  0,
		"sselimit_streams_refused_total/bad_identity": 0,
	}
	with := func(m map[string]int64) map[string]int64 {
		for k, v := range refusals {
			m[k] = v
		}
		return m
	}
	f := collect(t, reader)
	f.want(t, with(map[string]int64{"sselimit_streams_active/": 3, "sselimit_draining/": 0, "sselimit_streams_closed_total/client_gone": 0}), 0)

	bob.Close()
	w.Await("bob's stream recorded", func() bool { return recorded.Load() == 1 })
	f = collect(t, reader)
	f.want(t, with(map[string]int64{"sselimit_streams_active/": 2, "sselimit_streams_closed_total/client_gone": 1}), 1)
	if len(f.bounds) != 11 || f.bounds[0] != 1 || f.bounds[10] != 21600 {
		t.Errorf("histogram bounds: got %v, want the gate's 11, from 1 to 21600", f.bounds)
	}

	if _, err := g.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.Await("the drained streams recorded", func() bool { return recorded.Load() == 3 })
	collect(t, reader).want(t, with(map[string]int64{
		"sselimit_streams_active/": 0, "sselimit_draining/": 1,
		"sselimit_streams_closed_total/client_gone": 1, "sselimit_streams_closed_total/shutdown": 2,
		"sselimit_streams_closed_total/handler_returned": 0, "sselimit_streams_closed_total/write_failed": 0,
	}), 3)
}

// clusterLimiter is a limiter that also counts streams cluster-wide, as a
// network backend does.
type clusterLimiter struct {
	*sselimit.SSELimiter
	n   int64
	err error
}

func (c *clusterLimiter) ActiveConnections(context.Context) (int64, error) { return c.n, c.err }

func TestClusterCountAndAttributes(t *testing.T) {
	lim := &clusterLimiter{SSELimiter: sselimit.NewSSELimiter(10, 10), n: 42}
	g, err := sselimit.NewGate(lim)
	if err != nil {
		t.Fatal(err)
	}
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	reg, err := sselimitotel.Register(g, mp, sselimitotel.WithAttributes(attribute.String("route", "/events")))
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Unregister()

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if m.Name == "sselimit_cluster_streams_active" {
			p := m.Data.(metricdata.Gauge[int64]).DataPoints[0]
			route, _ := p.Attributes.Value("route")
			found = p.Value == 42 && route.AsString() == "/events"
		}
	}
	if !found {
		t.Errorf("no sselimit_cluster_streams_active 42 with route /events in %+v", rm.ScopeMetrics[0].Metrics)
	}

	lim.err = errors.New("backend down")
	if _, ok := collect(t, reader).values["sselimit_cluster_streams_active/"]; ok {
		t.Error("sselimit_cluster_streams_active reported while the backend is down")
	}
}

func TestRegisterRefusesBadArguments(t *testing.T) {
	g, err := sselimit.NewGate(sselimit.NewSSELimiter(1, 1))
	if err != nil {
		t.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider()
	defer mp.Shutdown(context.Background())
	for name, err := range map[string]error{
		"nil gate":     second(sselimitotel.Register(nil, mp)),
		"nil provider": second(sselimitotel.Register(g, nil)),
		"reason":       second(sselimitotel.Register(g, mp, sselimitotel.WithAttributes(attribute.String("reason", "x")))),
		"no timeout":   second(sselimitotel.Register(g, mp, sselimitotel.WithClusterTimeout(0))),
	} {
		if err == nil {
			t.Errorf("%s: got no error", name)
		}
	}
}

func second[T any](_ T, err error) error { return err }
