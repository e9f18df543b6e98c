// Package sselimitotel reports a sselimit gate's figures through the
// OpenTelemetry metric API, under the names the sselimitprom collector
// uses:
//
//	sselimit_streams_active                  Int64ObservableGauge
//	sselimit_streams_admitted_total          Int64ObservableCounter
//	sselimit_streams_refused_total{reason}   Int64ObservableCounter
//	sselimit_streams_closed_total{reason}    Int64ObservableCounter
//	sselimit_stream_duration_seconds         Float64Histogram, unit "s"
//	sselimit_draining                        Int64ObservableGauge
//	sselimit_cluster_streams_active          Int64ObservableGauge, when the limiter is a sselimit.ClusterCounter
//
// The gauges and counters are asynchronous: one callback reads the gate's
// counters when the reader collects, so admitting a stream costs nothing
// more. The histogram records each stream's duration when its slot is
// released, through a hook added with Gate.Observe; its buckets are the
// gate's own (Stats().Durations.Bounds). No user key is ever an
// attribute value.
package sselimitotel
