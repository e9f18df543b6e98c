package sselimitotel

import (
	"errors"
	"time"

	sselimit "github.com/sselimit/sselimit/core"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// instruments are one gate's, with their attribute sets built once: a
// measurement then allocates nothing for its attributes.
type instruments struct {
	meter   metric.Meter
	gate    *sselimit.Gate
	cluster sselimit.ClusterCounter
	timeout time.Duration

	active, admitted, refused, closed, draining, clusterActive metric.Int64Observable
	duration                                                   metric.Float64Histogram

	base       metric.MeasurementOption
	baseRecord []metric.RecordOption // one option, kept as a slice so that Record allocates none
	reasons    map[sselimit.Reason]metric.MeasurementOption
	attrs      []attribute.KeyValue
}

func newInstruments(m metric.Meter, g *sselimit.Gate, o options) (*instruments, error) {
	in := &instruments{meter: m, gate: g, timeout: o.timeout, attrs: o.attrs, reasons: map[sselimit.Reason]metric.MeasurementOption{}}
	in.cluster, _ = g.Limiter().(sselimit.ClusterCounter)
	set := attribute.NewSet(o.attrs...)
	in.base, in.baseRecord = metric.WithAttributeSet(set), []metric.RecordOption{metric.WithAttributeSet(set)}

	var errs []error
	gauge := func(name, desc string) metric.Int64Observable {
		i, err := m.Int64ObservableGauge(name, metric.WithDescription(desc), metric.WithUnit("{stream}"))
		errs = append(errs, err)
		return i
	}
	counter := func(name, desc, unit string) metric.Int64Observable {
		i, err := m.Int64ObservableCounter(name, metric.WithDescription(desc), metric.WithUnit(unit))
		errs = append(errs, err)
		return i
	}
	in.active = gauge("sselimit_streams_active", "Streams open through the gate.")
	in.admitted = counter("sselimit_streams_admitted_total", "Streams admitted.", "{stream}")
	in.refused = counter("sselimit_streams_refused_total", "Requests refused, by reason.", "{request}")
	in.closed = counter("sselimit_streams_closed_total", "Streams released, by why they ended.", "{stream}")
	in.draining = gauge("sselimit_draining", "1 while the gate drains, 0 otherwise.")
	if in.cluster != nil {
		in.clusterActive = gauge("sselimit_cluster_streams_active", "Streams open across every gate sharing the limiter.")
	}
	var err error
	in.duration, err = m.Float64Histogram("sselimit_stream_duration_seconds",
		metric.WithDescription("How long released streams were open, from admission to release."),
		metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(g.Stats().Durations.Bounds...))
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	st := g.Stats()
	for _, m := range []map[sselimit.Reason]uint64{st.Refused, st.Closed} {
		for r := range m {
			in.reasons[r] = in.withReason(r)
		}
	}
	return in, nil
}

func (in *instruments) observables() []metric.Observable {
	l := []metric.Observable{in.active, in.admitted, in.refused, in.closed, in.draining}
	if in.clusterActive != nil {
		l = append(l, in.clusterActive)
	}
	return l
}

// withReason is the measurement option of the base attributes plus
// reason. The options of the gate's reasons are built once, at
// registration, and only read after.
func (in *instruments) withReason(r sselimit.Reason) metric.MeasurementOption {
	if opt, ok := in.reasons[r]; ok {
		return opt
	}
	kv := append(append([]attribute.KeyValue(nil), in.attrs...), attribute.String("reason", string(r)))
	return metric.WithAttributeSet(attribute.NewSet(kv...))
}
