package sselimitotel

import (
	"context"
	"errors"
	"time"

	sselimit "github.com/sselimit/sselimit/core"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// ScopeName is the instrumentation scope of the meter Register uses.
const ScopeName = "github.com/sselimit/sselimit/otel"

// An Option configures Register.
type Option func(*options)

type options struct {
	attrs   []attribute.KeyValue
	timeout time.Duration
}

// WithAttributes adds attributes with fixed values to every measurement,
// to tell gates apart (for example route="/events"). "reason" is taken.
func WithAttributes(kv ...attribute.KeyValue) Option {
	return func(o *options) { o.attrs = append(o.attrs, kv...) }
}

// WithClusterTimeout bounds the limiter's ActiveConnections call at each
// collection (default 2s). When it fails or times out, that collection
// has no sselimit_cluster_streams_active.
func WithClusterTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// A Registration reports one gate's figures until Unregister.
type Registration struct {
	callback metric.Registration
	stop     func()
}

// Register creates the instruments on a meter of mp and reports g's
// figures through them. Bad arguments are an error, and register nothing.
func Register(g *sselimit.Gate, mp metric.MeterProvider, opts ...Option) (*Registration, error) {
	o := options{timeout: 2 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	switch {
	case g == nil:
		return nil, errors.New("sselimitotel: Register needs a gate, got nil")
	case mp == nil:
		return nil, errors.New("sselimitotel: Register needs a meter provider, got nil")
	case o.timeout <= 0:
		return nil, errors.New("sselimitotel: the cluster timeout must be positive")
	}
	for _, kv := range o.attrs {
		if kv.Key == "reason" {
			return nil, errors.New(`sselimitotel: the attribute "reason" is the instruments' own`)
		}
	}
	in, err := newInstruments(mp.Meter(ScopeName), g, o)
	if err != nil {
		return nil, err
	}
	callback, err := in.meter.RegisterCallback(in.observe, in.observables()...)
	if err != nil {
		return nil, err
	}
	return &Registration{callback: callback, stop: g.Observe(sselimit.Hooks{OnRelease: in.record})}, nil
}

// Unregister stops reporting: the callback is removed from the meter and
// the histogram records no more.
func (r *Registration) Unregister() error {
	r.stop()
	return r.callback.Unregister()
}

// observe is the callback that reads the gate at each collection.
func (in *instruments) observe(ctx context.Context, o metric.Observer) error {
	st := in.gate.Stats()
	o.ObserveInt64(in.active, int64(st.Active), in.base)
	o.ObserveInt64(in.admitted, int64(st.Admitted), in.base)
	for r, n := range st.Refused {
		o.ObserveInt64(in.refused, int64(n), in.withReason(r))
	}
	for r, n := range st.Closed {
		o.ObserveInt64(in.closed, int64(n), in.withReason(r))
	}
	var draining int64
	if in.gate.Draining() {
		draining = 1
	}
	o.ObserveInt64(in.draining, draining, in.base)
	if in.cluster != nil {
		ctx, cancel := context.WithTimeout(ctx, in.timeout)
		defer cancel()
		if n, err := in.cluster.ActiveConnections(ctx); err == nil {
			o.ObserveInt64(in.clusterActive, n, in.base)
		}
	}
	return nil
}

// record runs when a stream's slot is released.
func (in *instruments) record(_ string, open time.Duration) {
	in.duration.Record(context.Background(), open.Seconds(), in.baseRecord...)
}
