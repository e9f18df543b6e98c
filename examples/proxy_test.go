package examples_test

import (
	"maps"
	"net/http"
	"testing"
)

func TestGinTrustedProxy(t *testing.T)   { testTrustedProxy(t, "gin") }
func TestEchoTrustedProxy(t *testing.T)  { testTrustedProxy(t, "echo") }
func TestFiberTrustedProxy(t *testing.T) { testTrustedProxy(t, "fiber") }

// testTrustedProxy checks who a stream is counted for, with a per-user
// cap of 1: the X-Real-IP header of a peer named by -trusted-proxy, and
// otherwise the peer's own address, whatever headers it sends.
func testTrustedProxy(t *testing.T, name string) {
	bin := buildApp(t, name)

	t.Run("no trusted proxy", func(t *testing.T) {
		srv := startApp(t, bin, "-addr", "127.0.0.1:0", "-max-per-user", "1")
		open := func(want int, header ...string) {
			t.Helper()
			if res := openEvents(t, srv.url+"/events", "127.0.0.1", header...); res.StatusCode != want {
				t.Errorf("GET /events from 127.0.0.1 with %q: %s, want %d", header, res.Status, want)
			}
		}
		open(http.StatusOK, "X-Real-IP", "203.0.113.7")
		open(http.StatusTooManyRequests, "X-Real-IP", "203.0.113.8")
		open(http.StatusTooManyRequests, "X-Forwarded-For", "203.0.113.9")
		if got, want := srv.stats(t).Users, map[string]int{"ip:127.0.0.1": 1}; !maps.Equal(got, want) {
			t.Errorf("/stats users %v, want %v", got, want)
		}
	})

	t.Run("trusted proxy", func(t *testing.T) {
		srv := startApp(t, bin, "-addr", "127.0.0.1:0", "-max-per-user", "1", "-trusted-proxy", "127.0.0.1/32")
		for _, c := range []struct {
			from   string
			header []string
			want   int
		}{
			{"127.0.0.1", []string{"X-Real-IP", "203.0.113.7"}, http.StatusOK},
			{"127.0.0.1", []string{"X-Real-IP", "203.0.113.7"}, http.StatusTooManyRequests},
			{"127.0.0.1", []string{"X-Real-IP", "203.0.113.8"}, http.StatusOK},
			// Not a trusted proxy: its header is not believed.
			{"127.0.0.2", []string{"X-Real-IP", "203.0.113.9"}, http.StatusOK},
			{"127.0.0.2", []string{"X-Real-IP", "203.0.113.10"}, http.StatusTooManyRequests},
			// A header that holds no address: the proxy's own address.
			{"127.0.0.1", []string{"X-Real-IP", "not an address"}, http.StatusOK},
			// Only X-Real-IP is believed, so this is the proxy again.
			{"127.0.0.1", []string{"X-Forwarded-For", "203.0.113.11"}, http.StatusTooManyRequests},
		} {
			if res := openEvents(t, srv.url+"/events", c.from, c.header...); res.StatusCode != c.want {
				t.Errorf("GET /events from %s with %q: %s, want %d", c.from, c.header, res.Status, c.want)
			}
		}
		want := map[string]int{"ip:203.0.113.7": 1, "ip:203.0.113.8": 1, "ip:127.0.0.2": 1, "ip:127.0.0.1": 1}
		if got := srv.stats(t).Users; !maps.Equal(got, want) {
			t.Errorf("/stats users %v, want %v", got, want)
		}
	})

	t.Run("bad CIDR", func(t *testing.T) {
		out, err := runApp(t, bin, "-trusted-proxy", "10.0.0.0/33")
		if err == nil {
			t.Fatalf("the app started with -trusted-proxy 10.0.0.0/33; output:\n%s", out)
		}
	})
}
