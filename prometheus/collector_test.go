package sselimitprom_test

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	sselimit "github.com/sselimit/sselimit/core"
	sselimitprom "github.com/sselimit/sselimit/prometheus"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// streamServer serves streams through g on a real server, limited by the
// "user" query parameter; each stream sends a hello event and waits.
// Releases are reported on the returned channel.
func streamServer(t *testing.T, g *sselimit.Gate) (string, <-chan struct{}) {
	t.Helper()
	released := make(chan struct{}, 16)
	t.Cleanup(g.Observe(sselimit.Hooks{OnRelease: func(string, time.Duration) { released <- struct{}{} }}))
	byUser := sselimit.WithKeyFunc(func(r *http.Request) (string, error) { return r.URL.Query().Get("user"), nil })
	srv := httptest.NewServer(sselimit.Middleware(g, byUser)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := sselimit.StreamFromContext(r.Context())
		s.Send(sselimit.Event{Name: "hello", Data: "hi"})
		<-r.Context().Done()
	})))
	t.Cleanup(srv.Close)
	return srv.URL, released
}

// open requests a stream for user; an admitted one returns once its first
// event arrived, with the function that disconnects it.
func open(t *testing.T, url, user string) (status int, disconnect func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"?user="+user, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	disconnect = func() { cancel(); res.Body.Close() }
	if res.StatusCode == http.StatusOK {
		if _, err := bufio.NewReader(res.Body).ReadString('\n'); err != nil {
			t.Fatalf("first line of %s's stream: %v", user, err)
		}
	} else {
		disconnect()
	}
	t.Cleanup(disconnect)
	return res.StatusCode, disconnect
}

func TestCollectorReportsTheGate(t *testing.T) {
	g, err := sselimit.NewGate(sselimit.NewSSELimiter(3, 2))
	if err != nil {
		t.Fatal(err)
	}
	url, released := streamServer(t, g)
	var leaveBob func()
	for _, c := range []struct {
		user string
		want int
	}{{"alice", 200}, {"alice", 200}, {"alice", 429}, {"bob", 200}, {"carol", 503}, {"dave", 503}, {"", 401}} {
		got, leave := open(t, url, c.user)
		if got != c.want {
			t.Fatalf("stream for %q: got %d, want %d", c.user, got, c.want)
		}
		if c.user == "bob" {
			leaveBob = leave
		}
	}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sselimitprom.NewCollector(g))
	names := []string{"sselimit_draining", "sselimit_streams_active", "sselimit_streams_admitted_total", "sselimit_streams_closed_total", "sselimit_streams_refused_total"}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(exposition("3", "0", "0", "0")), names...); err != nil {
		t.Error(err)
	}
	wantDurations(t, reg, 0)

	leaveBob()
	<-released
	if err := testutil.GatherAndCompare(reg, strings.NewReader(exposition("2", "1", "0", "0")), names...); err != nil {
		t.Error(err)
	}
	wantDurations(t, reg, 1)

	if _, err := g.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		<-released
	}
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
