package sselimittest

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"testing"
)

// HTTP1AndUnencryptedHTTP2 is the http.Protocols of a server that speaks
// HTTP/1.x and, to clients that know it does, HTTP/2 without TLS: the
// server UnpluggedHTTP2Client and OpenHTTP2 need.
func HTTP1AndUnencryptedHTTP2() *http.Protocols {
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	return &p
}

// OpenHTTP2 sends GET path to base over HTTP/2 without TLS, on a
// connection of its own, and reads up to the stream's hello event. It
// returns the TCP connection under the client, which closes with t; it
// fails the test unless the response came over HTTP/2.
func OpenHTTP2(t testing.TB, base, path string) net.Conn {
	t.Helper()
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	dialed := make(chan net.Conn, 1)
	tr := &http.Transport{Protocols: &protocols, DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			select {
			case dialed <- c:
			default: // a second connection, which the test does not control
			}
		}
		return c, err
	}}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	conn := <-dialed
	t.Cleanup(func() {
		conn.Close()
		resp.Body.Close()
		tr.CloseIdleConnections()
	})
	if resp.ProtoMajor != 2 {
		t.Fatalf("GET %s came over %s, want HTTP/2", path, resp.Proto)
	}
	ReadHello(t, bufio.NewReader(resp.Body))
	return conn
}
