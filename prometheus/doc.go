// Package sselimitprom exports a sselimit gate's figures to Prometheus.
//
// NewCollector returns a prometheus.Collector that reads the gate's
// counters when it is scraped, so admitting and releasing streams costs
// nothing more with it registered:
//
//	sselimit_streams_active                  gauge
//	sselimit_streams_admitted_total          counter
//	sselimit_streams_refused_total{reason}   counter
//	sselimit_streams_closed_total{reason}    counter
//	sselimit_stream_duration_seconds         histogram
//	sselimit_draining                        gauge
//	sselimit_cluster_streams_active          gauge, when the limiter is a sselimit.ClusterCounter
//
// The refusal reasons are user_limit, global_limit, draining, no_identity,
// bad_identity and unavailable; the close reasons are shutdown, replaced,
// max_lifetime, lease_lost, client_gone, handler_returned and
// write_failed. A soft refusal is counted as a refusal (user_limit or
// global_limit), not as a closed stream. No user key is ever a label
// value: the number of series stays fixed, whatever the number of users.
//
// Several gates register in one registry when each collector has
// distinct constant labels (WithConstLabels).
package sselimitprom
