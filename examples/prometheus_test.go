package examples_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestPrometheusScrapes has a real Prometheus scrape an example app every
// second while the test holds streams open and causes refusals, and reads
// the figures back through Prometheus's query API.
func TestPrometheusScrapes(t *testing.T) {
	srv := startApp(t, buildApp(t, "echo"), "-addr", "127.0.0.1:0", "-max-per-user", "1")
	prom := startPrometheus(t, hostPort(srv.url))

	var held []*http.Response
	for _, user := range []string{"ann", "ben", "cat"} {
		res := openEvents(t, srv.url+"/events?user="+user, "127.0.0.1")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET /events as %s: %s, want 200", user, res.Status)
		}
		held = append(held, res)
	}
	for range 2 {
		if res := openEvents(t, srv.url+"/events?user=ann", "127.0.0.1"); res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("a second stream for ann: %s, want 429", res.Status)
		}
	}
	prom.waitValue(t, `sselimit_streams_active`, "3")
	prom.waitValue(t, `sselimit_streams_refused_total{reason="user_limit"}`, "2")

	held[0].Body.Close()
	prom.waitValue(t, `sselimit_streams_active`, "2")
}

// TestPrometheusStartsOnAnotherPortWhenItsOwnIsTaken starts Prometheus on
// a port that another listener holds: it must start on another one.
func TestPrometheusStartsOnAnotherPortWhenItsOwnIsTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	taken := "http://" + ln.Addr().String()

	prom := startPrometheusOn(t, ln.Addr().String(), ln.Addr().String())
	if prom.url == taken {
		t.Fatalf("prometheus URL = %s, the address another listener holds; want another", prom.url)
	}
	res, err := clientFrom("127.0.0.1").Get(prom.url + "/-/ready")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET /-/ready: %s, want 200", res.Status)
	}
}

type prometheusServer struct {
	url string
	*daemon
}

// startPrometheus starts Prometheus scraping target ("host:port") every
// second; it is stopped at the end of the test. Another process may bind
// the free port it is given before Prometheus does: it then starts again
// on another.
func startPrometheus(t *testing.T, target string) *prometheusServer {
	return startPrometheusOn(t, target, freeAddr(t))
}

// startPrometheusOn is startPrometheus listening on addr, or on another
// free port if addr is taken.
func startPrometheusOn(t *testing.T, target, addr string) *prometheusServer {
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Fatalf("prometheus is needed and missing (%v): install Debian's prometheus package, as `make test` does", err)
	}
	dir := t.TempDir()
	conf := "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n" +
		"scrape_configs:\n  - job_name: sselimit\n    static_configs:\n      - targets: ['" + target + "']\n"
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	for attempt := 1; ; attempt++ {
		if attempt > 1 {
			addr = freeAddr(t)
		}
		p := launchPrometheus(t, bin, dir, addr, attempt)
		if p.ready(t) {
			return p
		}
		if !strings.Contains(p.out.String(), "address already in use") || attempt == 5 {
			t.Fatalf("prometheus exited at start: %v\n%s", p.waitErr, p.out.String())
		}
	}
}

// launchPrometheus starts Prometheus with the configuration in dir, on
// addr, storing its data apart from earlier attempts'.
func launchPrometheus(t *testing.T, bin, dir, addr string, attempt int) *prometheusServer {
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"+strconv.Itoa(attempt)), "--web.listen-address="+addr)
	return &prometheusServer{url: "http://" + addr,
		daemon: startDaemon(t, "prometheus", cmd, "Server is ready to receive web requests", "")}
}

// waitValue waits until the instant query expr has one series whose
// value is want.
func (p *prometheusServer) waitValue(t *testing.T, expr, want string) {
	t.Helper()
	deadline := time.Now().Add(pageWait)
	var got []string
	for {
		got = p.query(t, expr)
		if len(got) == 1 && got[0] == want || time.Now().After(deadline) {
			break
		}
		select {
		case <-time.After(200 * time.Millisecond): // a scrape comes every second
		case <-p.exited:
			t.Fatalf("prometheus exited:\n%s", p.out.String())
		}
	}
	if len(got) != 1 || got[0] != want {
		t.Fatalf("Prometheus reports %s = %v, want %s", expr, got, want)
	}
}

// query returns the values of the instant query expr, one per series.
func (p *prometheusServer) query(t *testing.T, expr string) []string {
	t.Helper()
	res, err := clientFrom("127.0.0.1").Get(p.url + "/api/v1/query?query=" + url.QueryEscape(expr))
	if err != nil {
		t.Fatalf("querying prometheus: %v", err)
	}
	defer res.Body.Close()
	var r struct {
		Status string
		Data   struct {
			Result []struct {
				Value [2]any
			}
		}
	}
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil || r.Status != "success" {
		t.Fatalf("querying prometheus for %s: %s, %v, status %q", expr, res.Status, err, r.Status)
	}
	var values []string
	for _, s := range r.Data.Result {
		v, _ := s.Value[1].(string)
		values = append(values, v)
	}
	return values
}

// freeAddr is a loopback address with a port no one listens on now.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
