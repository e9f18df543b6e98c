package examples_test

import (
	"bufio"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestNginxGin(t *testing.T)   { testNginx(t, "gin") }
func TestNginxEcho(t *testing.T)  { testNginx(t, "echo") }
func TestNginxFiber(t *testing.T) { testNginx(t, "fiber") }

// testNginx runs the app behind nginx configured by nginx.conf.
func testNginx(t *testing.T, name string) {
	bin := buildApp(t, name)

	t.Run("distinct clients, distinct quotas", func(t *testing.T) {
		srv := startApp(t, bin, "-addr", "127.0.0.1:0", "-max-per-user", "1", "-trusted-proxy", "127.0.0.1")
		proxy := startNginx(t, hostPort(srv.url), "60s")

		first := openEvents(t, proxy.url+"/events", "127.0.0.2")
		if first.StatusCode != http.StatusOK {
			t.Fatalf("first stream from 127.0.0.2 through nginx: %s, want 200", first.Status)
		}
		if line := nextLine(t, lines(t, first), "event: tick", pageWait); line == "" {
			t.Fatal("the first stream ended before its first tick")
		}
		// A forged header is overwritten by nginx: still 127.0.0.2, over its cap.
		again := openEvents(t, proxy.url+"/events", "127.0.0.2", "X-Real-IP", "203.0.113.7", "X-Forwarded-For", "203.0.113.7")
		if again.StatusCode != http.StatusTooManyRequests || again.Header.Get("Retry-After") == "" {
			t.Errorf("second stream from 127.0.0.2, claiming to be 203.0.113.7: %s, Retry-After %q; want 429 with Retry-After",
				again.Status, again.Header.Get("Retry-After"))
		}
		if other := openEvents(t, proxy.url+"/events", "127.0.0.3"); other.StatusCode != http.StatusOK {
			t.Errorf("stream from 127.0.0.3 through nginx: %s, want 200", other.Status)
		}
		want := map[string]int{"ip:127.0.0.2": 1, "ip:127.0.0.3": 1}
		if got := srv.stats(t).Users; !maps.Equal(got, want) {
			t.Errorf("/stats users %v, want %v", got, want)
		}
	})

	// The app's heartbeat keeps a silent stream open past nginx's read
	// timeout; a heartbeat slower than that timeout does not, which shows
	// the test can fail.
	const readTimeout = 2 * time.Second
	t.Run("open past proxy_read_timeout", func(t *testing.T) {
		t.Parallel()
		srv := startApp(t, bin, "-addr", "127.0.0.1:0", "-tick", "1h", "-heartbeat", seconds(readTimeout/2))
		proxy := startNginx(t, hostPort(srv.url), seconds(readTimeout))
		ls := lines(t, openEvents(t, proxy.url+"/events", "127.0.0.2"))
		if nextLine(t, ls, "event: tick", pageWait) == "" {
			t.Fatal("the stream ended before its first tick")
		}
		heartbeats := 0
		held := time.After(3 * readTimeout)
		for {
			select {
			case line, ok := <-ls:
				if !ok {
					t.Fatalf("the stream ended after %d heartbeats, within %v: nginx's read timeout cut it", heartbeats, 3*readTimeout)
				}
				if strings.HasPrefix(line, ":") {
					heartbeats++
				}
				continue
			case <-held:
			}
			break
		}
		if heartbeats == 0 {
			t.Errorf("no heartbeat in %v", 3*readTimeout)
		}
	})
	t.Run("cut with a slower heartbeat", func(t *testing.T) {
		t.Parallel()
		srv := startApp(t, bin, "-addr", "127.0.0.1:0", "-tick", "1h", "-heartbeat", seconds(3*readTimeout))
		proxy := startNginx(t, hostPort(srv.url), seconds(readTimeout))
		ls := lines(t, openEvents(t, proxy.url+"/events", "127.0.0.2"))
		if nextLine(t, ls, "event: tick", pageWait) == "" {
			t.Fatal("the stream ended before its first tick")
		}
		if line := nextLine(t, ls, ":", pageWait); line != "" {
			t.Errorf("a heartbeat came through (%q), want nginx to end the stream first", line)
		}
	})
}

// lines reads the body of res line by line until it ends or the test
// does.
func lines(t *testing.T, res *http.Response) <-chan string {
	ch := make(chan string)
	done := t.Context().Done()
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			select {
			case ch <- sc.Text():
			case <-done:
				return
			}
		}
	}()
	return ch
}

// nextLine returns the next line with the given prefix, or "" if the
// stream ends first.
func nextLine(t *testing.T, ls <-chan string, prefix string, within time.Duration) string {
	t.Helper()
	timeout := time.After(within)
	for {
		select {
		case line, ok := <-ls:
			if !ok {
				return ""
			}
			if strings.HasPrefix(line, prefix) {
				return line
			}
		case <-timeout:
			t.Fatalf("no line starting with %q within %v", prefix, within)
		}
	}
}
