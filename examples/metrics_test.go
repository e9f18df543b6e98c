package examples_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"testing"
)

func TestGinMetrics(t *testing.T)   { testMetrics(t, "gin") }
func TestEchoMetrics(t *testing.T)  { testMetrics(t, "echo") }
func TestFiberMetrics(t *testing.T) { testMetrics(t, "fiber") }

// testMetrics reads /metrics and /debug/streams with two streams open and
// one refused: promtool finds nothing to say about the metrics, which
// count what the test did, and the open streams are listed.
func testMetrics(t *testing.T, name string) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatalf("promtool is needed and missing (%v): install Debian's prometheus package, as `make test` does", err)
	}
	srv := startApp(t, buildApp(t, name), "-addr", "127.0.0.1:0", "-max-per-user", "1")
	for _, c := range []struct {
		user string
		want int
	}{{"ann", http.StatusOK}, {"ann", http.StatusTooManyRequests}, {"ben", http.StatusOK}} {
		if res := openEvents(t, srv.url+"/events?user="+c.user, "127.0.0.1"); res.StatusCode != c.want {
			t.Fatalf("GET /events as %s: %s, want %d", c.user, res.Status, c.want)
		}
	}

	metrics, ctype := get(t, srv.url+"/metrics")
	if !regexp.MustCompile(`^text/plain; version=0\.0\.4`).MatchString(ctype) {
		t.Errorf("/metrics Content-Type %q, want the Prometheus text format", ctype)
	}
	check := exec.Command(promtool, "check", "metrics")
	check.Stdin = bytes.NewReader(metrics)
	if out, err := check.CombinedOutput(); err != nil || len(out) != 0 {
		t.Errorf("promtool check metrics: %v\n%s\non:\n%s", err, out, metrics)
	}
	for _, want := range []string{
		`(?m)^sselimit_streams_active 2$`,
		`(?m)^sselimit_streams_admitted_total 2$`,
		`(?m)^sselimit_streams_refused_total\{reason="user_limit"\} 1$`,
	} {
		if !regexp.MustCompile(want).Match(metrics) {
			t.Errorf("/metrics has no line matching %s:\n%s", want, metrics)
		}
	}

	body, _ := get(t, srv.url+"/debug/streams")
	var snap struct {
		Open    int `json:"open"`
		Streams []struct {
			Key string `json:"key"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(body, &snap); err != nil {
		t.Fatalf("/debug/streams: %v\n%s", err, body)
	}
	keys := map[string]bool{}
	for _, s := range snap.Streams {
		keys[s.Key] = true
	}
	if snap.Open != 2 || !keys["ann"] || !keys["ben"] {
		t.Errorf("/debug/streams: %d open, keys %v; want 2, ann and ben", snap.Open, keys)
	}
}

// get returns the body and Content-Type of a GET of url, which must answer 200.
func get(t *testing.T, url string) ([]byte, string) {
	t.Helper()
	res, err := clientFrom("127.0.0.1").Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s, %v", url, res.Status, err)
	}
	return body, res.Header.Get("Content-Type")
}
