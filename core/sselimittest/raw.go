package sselimittest

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
)

// OpenRaw sends GET path over a TCP connection of its own to base, as user
// (in X-User, when not ""), and reads up to the stream's hello event: a
// client whose connection the test controls. The connection closes with t.
func OpenRaw(t testing.TB, base, path, user string) *net.TCPConn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	req := "GET " + path + " HTTP/1.1\r\nHost: test\r\n"
	if user != "" {
		req += "X-User: " + user + "\r\n"
	}
	io.WriteString(conn, req+"\r\n")
	ReadHello(t, bufio.NewReader(conn))
	return conn.(*net.TCPConn)
}

// ReadHello reads a raw response up to and including its hello event's
// first line.
func ReadHello(t testing.TB, r *bufio.Reader) {
	t.Helper()
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading up to the hello event: %v", err)
		}
		if strings.HasPrefix(line, "event: hello") {
			return
		}
	}
}

// Vanish drops conn without a goodbye: no more reads, and a reset instead
// of a FIN.
func Vanish(conn *net.TCPConn) {
	conn.SetLinger(0)
	conn.Close()
}
