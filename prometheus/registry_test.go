package sselimitprom_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/client_golang/prometheus/testutil"
	sselimit "github.com/sselimit/sselimit/core"
	sselimitprom "github.com/sselimit/sselimit/prometheus"
)

func mustGate(t *testing.T, lim sselimit.Limiter) *sselimit.Gate {
	t.Helper()
	g, err := sselimit.NewGate(lim)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestTwoGatesInOneRegistry(t *testing.T) {
	a, b := mustGate(t, sselimit.NewSSELimiter(10, 2)), mustGate(t, sselimit.NewSSELimiter(10, 2))
	s, _ := a.Admit(context.Background(), sselimit.Identity{Key: "alice"})
	defer s.End()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(
		sselimitprom.NewCollector(a, sselimitprom.WithConstLabels(prometheus.Labels{"gate": "a"})),
		sselimitprom.NewCollector(b, sselimitprom.WithConstLabels(prometheus.Labels{"gate": "b"})),
	)
	want := `
# HELP sselimit_streams_active Streams open through the gate.
# TYPE sselimit_streams_active gauge
sselimit_streams_active{gate="a"} 1
sselimit_streams_active{gate="b"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "sselimit_streams_active"); err != nil {
		t.Error(err)
	}
	if err := reg.Register(sselimitprom.NewCollector(b, sselimitprom.WithConstLabels(prometheus.Labels{"gate": "a"}))); err == nil {
		t.Error("registering a third collector with gate=\"a\": got no error")
	}
}

func TestNamespace(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sselimitprom.NewCollector(mustGate(t, sselimit.NewSSELimiter(1, 1)), sselimitprom.WithNamespace("chat")))
	want := `
# HELP chat_sselimit_draining 1 while the gate drains, 0 otherwise.
# TYPE chat_sselimit_draining gauge
chat_sselimit_draining 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "chat_sselimit_draining"); err != nil {
		t.Error(err)
	}
}

func TestBadArgumentsFailRegistration(t *testing.T) {
	g := mustGate(t, sselimit.NewSSELimiter(1, 1))
	for name, c := range map[string]*sselimitprom.Collector{
		"nil gate":        sselimitprom.NewCollector(nil),
		"reason label":    sselimitprom.NewCollector(g, sselimitprom.WithConstLabels(prometheus.Labels{"reason": "x"})),
		"bad namespace":   sselimitprom.NewCollector(g, sselimitprom.WithNamespace("my-app")),
		"no timeout":      sselimitprom.NewCollector(g, sselimitprom.WithClusterTimeout(0)),
		"bad label value": sselimitprom.NewCollector(g, sselimitprom.WithConstLabels(prometheus.Labels{"gate": "\xff"})),
	} {
		if err := prometheus.NewRegistry().Register(c); err == nil {
			t.Errorf("%s: registration got no error", name)
		}
	}
}

// clusterLimiter is a limiter that also counts streams cluster-wide, as a
// network backend does.
type clusterLimiter struct {
	*sselimit.SSELimiter
	n   int64
	err error
}

func (c *clusterLimiter) ActiveConnections(context.Context) (int64, error) { return c.n, c.err }

func TestActiveConnections(t *testing.T) {
	lim := &clusterLimiter{SSELimiter: sselimit.NewSSELimiter(10, 10), n: 42}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sselimitprom.NewCollector(mustGate(t, lim)))
	want := `
# HELP sselimit_cluster_streams_active Streams open across every gate sharing the limiter.
# TYPE sselimit_cluster_streams_active gauge
sselimit_cluster_streams_active 42
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "sselimit_cluster_streams_active"); err != nil {
		t.Error(err)
	}
	lim.err = errors.New("backend down")
	if n, err := testutil.GatherAndCount(reg, "sselimit_cluster_streams_active", "sselimit_streams_active"); err != nil || n != 1 {
		t.Errorf("while the backend is down: got %d series, %v; want only sselimit_streams_active", n, err)
	}
}

// scrape serves reg on a real server and returns what a GET of it reads.
func scrape(t *testing.T, reg *prometheus.Registry) string {
	t.Helper()
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

func TestPromtoolChecksMetrics(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatalf("promtool is needed (Debian's prometheus package ships it): %v", err)
	}
	lim := &clusterLimiter{SSELimiter: sselimit.NewSSELimiter(10, 1), n: 3}
	g := mustGate(t, lim)
	s, _ := g.Admit(context.Background(), sselimit.Identity{Key: "alice"})
	g.Admit(context.Background(), sselimit.Identity{Key: "alice"})
	s.End()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(sselimitprom.NewCollector(g, sselimitprom.WithConstLabels(prometheus.Labels{"route": "/events"})))
	text := scrape(t, reg)
	if strings.Contains(text, "alice") {
		t.Errorf("a user key in the metrics:\n%s", text)
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(text)
	if out, err := cmd.CombinedOutput(); err != nil || len(out) != 0 {
		t.Errorf("promtool check metrics: %v\n%s\non:\n%s", err, out, text)
	}
}
