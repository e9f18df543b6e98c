package sselimitredistest

import (
	"context"
	"net"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestStartTakesAnotherPortWhenItsOwnIsTaken starts a server on a port
// that another listener holds: the server must start on another one.
func TestStartTakesAnotherPortWhenItsOwnIsTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	taken := ln.Addr().(*net.TCPAddr).Port

	s := start(t, &Server{t: t, port: taken, dir: t.TempDir(), ready: "Ready to accept connections"})
	if s.port == taken {
		t.Errorf("server port = %d, the port another listener holds; want another", s.port)
	}
	if got, err := s.Client().Ping(context.Background()).Result(); err != nil || got != "PONG" {
		t.Errorf("PING = %q, %v; want PONG, nil", got, err)
	}
}
