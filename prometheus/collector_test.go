package sselimitprom_test

import (
	"context"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	sselimit "github.com/sselimit/sselimit/core"
	"github.com/sselimit/sselimit/core/sselimittest"
	sselimitprom "github.com/sselimit/sselimit/prometheus"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestCollectorReportsTheGate(t *testing.T) {
	w := sselimittest.NewWatch(t, sselimit.NewSSELimiter(3, 2), sselimit.Hooks{})
	g := w.Gate
	bob := sselimittest.MixedTraffic(t, g)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sselimitprom.NewCollector(g))
	names := []string{"sselimit_draining", "sselimit_streams_active", "sselimit_streams_admitted_total", "sselimit_streams_closed_total", "sselimit_streams_refused_total"}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(exposition("3", "0", "0", "0")), names...); err != nil {
		t.Error(err)
	}
	wantDurations(t, reg, 0)

	// A stream's duration is counted after why it closed: once it shows,
	// so does the rest.
	bob.Close()
	w.Await("bob's stream counted", func() bool { return g.Stats().Durations.Count == 1 })
	if err := testutil.GatherAndCompare(reg, strings.NewReader(exposition("2", "1", "0", "0")), names...); err != nil {
		t.Error(err)
	}
	wantDurations(t, reg, 1)

	if _, err := g.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.Await("the drained streams counted", func() bool { return g.Stats().Durations.Count == 3 })
	if err := testutil.GatherAndCompare(reg, strings.NewReader(exposition("0", "1", "2", "1")), names...); err != nil {
		t.Error(err)
	}
	wantDurations(t, reg, 3)
}

// exposition is what TestCollectorReportsTheGate's gate shows: three
// streams admitted, one refused for the user's cap, two for the global
// cap, one for want of an identity.
func exposition(active, clientGone, shutdown, draining string) string {
	return `
# HELP sselimit_draining 1 while the gate drains, 0 otherwise.
# TYPE sselimit_draining gauge
sselimit_draining ` + draining + `
# HELP sselimit_streams_active Streams open through the gate.
# TYPE sselimit_streams_active gauge
sselimit_streams_active ` + active + `
# HELP sselimit_streams_admitted_total Streams admitted.
# TYPE sselimit_streams_admitted_total counter
sselimit_streams_admitted_total 3
# HELP sselimit_streams_closed_total Streams released, by why they ended.
# TYPE sselimit_streams_closed_total counter
sselimit_streams_closed_total{reason="client_gone"} ` + clientGone + `
sselimit_streams_closed_total{reason="handler_returned"} 0
sselimit_streams_closed_total{reason="lease_lost"} 0
sselimit_streams_closed_total{reason="max_lifetime"} 0
sselimit_streams_closed_total{reason="replaced"} 0
sselimit_streams_closed_total{reason="shutdown"} ` + shutdown + `
sselimit_streams_closed_total{reason="write_failed"} 0
# HELP sselimit_streams_refused_total Requests refused, by reason.
# TYPE sselimit_streams_refused_total counter
sselimit_streams_refused_total{reason="bad_identity"} 0
sselimit_streams_refused_total{reason="draining"} 0
sselimit_streams_refused_total{reason="global_limit"} 2
sselimit_streams_refused_total{reason="no_identity"} 1
sselimit_streams_refused_total{reason="unavailable"} 0
sselimit_streams_refused_total{reason="user_limit"} 1
`
}

// wantDurations checks the duration histogram's count and buckets: the
// streams of a test last under a second.
func wantDurations(t *testing.T, reg prometheus.Gatherer, count uint64) {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "sselimit_stream_duration_seconds" {
			continue
		}
		h := f.GetMetric()[0].GetHistogram()
		if h.GetSampleCount() != count || len(h.GetBucket()) != 11 {
			t.Fatalf("duration histogram: got %d samples in %d buckets, want %d in 11", h.GetSampleCount(), len(h.GetBucket()), count)
		}
		if b := h.GetBucket()[0]; b.GetUpperBound() != 1 || b.GetCumulativeCount() != count {
			t.Errorf("first bucket: got le=%v count %d, want le=1 count %d", b.GetUpperBound(), b.GetCumulativeCount(), count)
		}
		return
	}
	t.Fatal("no sselimit_stream_duration_seconds")
}
