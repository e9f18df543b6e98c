package sselimit_test

import (
	"bufio"
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	sselimit "github.com/sselimit/sselimit/core"
)

// TestQuietHTTP2StreamOutlivesItsWriteTimeout: over HTTP/2, a write
// deadline that passes resets the stream even when nothing is being
// written, so a quiet stream must have none pending. It stays quiet for
// several write timeouts, then drains with its close frame intact.
func TestQuietHTTP2StreamOutlivesItsWriteTimeout(t *testing.T) {
	const writeTimeout = 100 * time.Millisecond
	gate, err := sselimit.NewGate(sselimit.NewSSELimiter(0, 0), sselimit.WithWriteTimeout(writeTimeout))
	if err != nil {
		t.Fatal(err)
	}
	h := sselimit.Middleware(gate)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := sselimit.StreamFromContext(r.Context())
		s.Send(sselimit.Event{Name: "hello"})
		<-s.Context().Done()
	}))
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, Protocols: &protocols, ErrorLog: log.New(io.Discard, "", 0)}
	go srv.Serve(ln)
	defer srv.Close()
	tr := &http.Transport{Protocols: &protocols}
	defer tr.CloseIdleConnections()

	resp, err := (&http.Client{Transport: tr}).Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.ProtoMajor != 2 || resp.Header.Get("Connection") != "" {
		t.Fatalf("got %s with Connection %q, want HTTP/2 without a Connection header", resp.Proto, resp.Header.Get("Connection"))
	}
	body := bufio.NewReader(resp.Body)
	readEvent := func() (string, error) {
		var lines []string
		for {
			line, err := body.ReadString('\n')
			if err != nil {
				return strings.Join(lines, "|"), err
			}
			if line = strings.TrimSuffix(line, "\n"); line == "" {
				return strings.Join(lines, "|"), nil
			}
			lines = append(lines, line)
		}
	}
	if ev, err := readEvent(); err != nil || ev != "event: hello|data: " {
		t.Fatalf("first event: got %q, %v", ev, err)
	}
	// The stimulus is time itself: several write timeouts of silence.
	time.Sleep(3 * writeTimeout)
	if n, err := gate.Drain(context.Background()); n != 0 || err != nil {
		t.Fatalf("Drain: got (%d, %v), want (0, nil)", n, err)
	}
	ev, err := readEvent()
	if err != nil || !strings.HasPrefix(ev, `event: close|data: {"reason":"shutdown"`) {
		t.Fatalf("after a quiet spell: got %q, %v; want the shutdown close frame", ev, err)
	}
	if _, err := body.ReadString('\n'); err != io.EOF {
		t.Errorf("after the close frame: got %v, want a clean end (EOF)", err)
	}
}
