package sselimitprom

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	sselimit "github.com/sselimit/sselimit/core"
)

// A Collector reports one gate's figures at every scrape.
type Collector struct {
	gate    *sselimit.Gate
	cluster sselimit.ClusterCounter // the gate's limiter, when it counts cluster-wide
	timeout time.Duration
	err     error // a bad argument, reported when the collector is registered

	active, admitted, refused, closed, duration, draining, clusterActive *prometheus.Desc
}

// An Option configures a Collector.
type Option func(*options)

type options struct {
	namespace string
	labels    prometheus.Labels
	timeout   time.Duration
}

// WithNamespace prefixes every metric name with namespace and "_":
// "myapp" gives myapp_sselimit_streams_active.
func WithNamespace(namespace string) Option { return func(o *options) { o.namespace = namespace } }

// WithConstLabels adds labels with fixed values to every metric, to tell
// gates apart (for example {"route": "/events"}). "reason" is taken.
func WithConstLabels(l prometheus.Labels) Option { return func(o *options) { o.labels = l } }

// WithClusterTimeout bounds the limiter's ActiveConnections call at each
// scrape (default 2s). When it fails or times out, that scrape omits
// sselimit_cluster_streams_active and reports the gate's figures as usual.
func WithClusterTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// NewCollector returns a collector for g, to register with
// prometheus.MustRegister or a registry of your own. A nil gate or a bad
// option is reported by the registration, as an error.
func NewCollector(g *sselimit.Gate, opts ...Option) *Collector {
	o := options{timeout: 2 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	c := &Collector{gate: g, timeout: o.timeout}
	switch {
	case g == nil:
		c.err = errors.New("sselimitprom: NewCollector needs a gate, got nil")
	case !validNamespace(o.namespace):
		c.err = fmt.Errorf("sselimitprom: namespace %q is not a metric name prefix: letters, digits and underscores, not starting with a digit", o.namespace)
	case o.timeout <= 0:
		c.err = errors.New("sselimitprom: the cluster timeout must be positive")
	default:
		c.cluster, _ = g.Limiter().(sselimit.ClusterCounter)
	}
	desc := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(o.namespace, "sselimit", name), help, labels, o.labels)
	}
	c.active = desc("streams_active", "Streams open through the gate.")
	c.admitted = desc("streams_admitted_total", "Streams admitted.")
	c.refused = desc("streams_refused_total", "Requests refused, by reason.", "reason")
	c.closed = desc("streams_closed_total", "Streams released, by why they ended.", "reason")
	c.duration = desc("stream_duration_seconds", "How long released streams were open, from admission to release.")
	c.draining = desc("draining", "1 while the gate drains, 0 otherwise.")
	c.clusterActive = desc("cluster_streams_active", "Streams open across every gate sharing the limiter.")
	return c
}

// Describe sends the descriptions of the collector's metrics.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	if c.err != nil {
		ch <- prometheus.NewInvalidDesc(c.err)
		return
	}
	for _, d := range []*prometheus.Desc{c.active, c.admitted, c.refused, c.closed, c.duration, c.draining} {
		ch <- d
	}
	if c.cluster != nil {
		ch <- c.clusterActive
	}
}

// Collect reads the gate's figures and sends them as metrics.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	if c.err != nil {
		return
	}
	st := c.gate.Stats()
	ch <- prometheus.MustNewConstMetric(c.active, prometheus.GaugeValue, float64(st.Active))
	ch <- prometheus.MustNewConstMetric(c.admitted, prometheus.CounterValue, float64(st.Admitted))
	for r, n := range st.Refused {
		ch <- prometheus.MustNewConstMetric(c.refused, prometheus.CounterValue, float64(n), string(r))
	}
	for r, n := range st.Closed {
		ch <- prometheus.MustNewConstMetric(c.closed, prometheus.CounterValue, float64(n), string(r))
	}
	d := st.Durations
	buckets := make(map[float64]uint64, len(d.Bounds))
	for i, b := range d.Bounds {
		buckets[b] = d.Counts[i]
	}
	ch <- prometheus.MustNewConstHistogram(c.duration, d.Count, d.Sum, buckets)
	draining := 0.0
	if c.gate.Draining() {
		draining = 1
	}
	ch <- prometheus.MustNewConstMetric(c.draining, prometheus.GaugeValue, draining)
	if c.cluster != nil {
		ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
		defer cancel()
		if n, err := c.cluster.ActiveConnections(ctx); err == nil {
			ch <- prometheus.MustNewConstMetric(c.clusterActive, prometheus.GaugeValue, float64(n))
		}
	}
}

// validNamespace reports whether ns is empty or a metric name in the
// classic character set, which every Prometheus version accepts.
func validNamespace(ns string) bool {
	for i, r := range ns {
		if !(r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || i > 0 && '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}
