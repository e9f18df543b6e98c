package examples_test

import (
	"io"
	"net/http"
	"testing"
)

func TestGinEventsMethods(t *testing.T)   { testEventsMethods(t, "gin") }
func TestEchoEventsMethods(t *testing.T)  { testEventsMethods(t, "echo") }
func TestFiberEventsMethods(t *testing.T) { testEventsMethods(t, "fiber") }

// testEventsMethods checks that /events answers every method but GET with
// 405 and "Allow: GET", the same on every app, without asking the limiter.
func testEventsMethods(t *testing.T, name string) {
	srv := startApp(t, buildApp(t, name), "-addr", "127.0.0.1:0", "-max-per-user", "1")
	const wantBody = "405 method not allowed: /events answers GET only\n"
	for _, method := range []string{"HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"} {
		req, err := http.NewRequest(method, srv.url+"/events", nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := clientFrom("127.0.0.1").Do(req)
		if err != nil {
			t.Fatalf("%s /events: %v", method, err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatalf("%s /events: reading the body: %v", method, err)
		}
		want := wantBody
		if method == http.MethodHead {
			want = ""
		}
		if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET" || string(body) != want {
			t.Errorf("%s /events: %s, Allow %q, body %q; want 405, Allow \"GET\", body %q",
				method, res.Status, res.Header.Get("Allow"), body, want)
		}
	}
	st := srv.stats(t)
	for reason, n := range st.Refused {
		if n != 0 {
			t.Errorf("/stats: %d refusals for %s, want none", n, reason)
		}
	}
	if res := openEvents(t, srv.url+"/events", "127.0.0.1"); res.StatusCode != http.StatusOK {
		t.Errorf("GET /events after the other methods: %s, want 200 (no slot taken)", res.Status)
	}
}

func TestGinResume(t *testing.T)   { testResume(t, "gin") }
func TestEchoResume(t *testing.T)  { testResume(t, "echo") }
func TestFiberResume(t *testing.T) { testResume(t, "fiber") }

// testResume checks that the ticks go on from the ID a reconnecting client
// names: in the Last-Event-ID header an EventSource sends when it
// reconnects by itself, or in the lastEventId query parameter of a new
// EventSource; the header wins.
func testResume(t *testing.T, name string) {
	srv := startApp(t, buildApp(t, name), "-addr", "127.0.0.1:0", "-max-per-user", "0")
	for _, c := range []struct {
		query  string
		header []string
		want   string
	}{
		{"", nil, "id: 1"},
		{"", []string{"Last-Event-ID", "41"}, "id: 42"},
		{"?lastEventId=41", nil, "id: 42"},
		{"?user=ann&lastEventId=41", []string{"Last-Event-ID", "7"}, "id: 8"},
		{"?lastEventId=x", nil, "id: 1"},
		{"", []string{"Last-Event-ID", "-5"}, "id: 1"},
	} {
		res := openEvents(t, srv.url+"/events"+c.query, "127.0.0.1", c.header...)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET /events%s with %q: %s, want 200", c.query, c.header, res.Status)
		}
		if got := nextLine(t, lines(t, res), "id:", pageWait); got != c.want {
			t.Errorf("GET /events%s with %q: first tick %q, want %q", c.query, c.header, got, c.want)
		}
		res.Body.Close()
	}
}
