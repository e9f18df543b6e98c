package sselimitredistest

import (
	"context"
	"net"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// takenPort returns a port of 127.0.0.1 that a listener holds until the
// test ends.
func takenPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().(*net.TCPAddr).Port
}

// TestStartTakesAnotherPortWhenItsOwnIsTaken starts a server on a port
// that another listener holds: the server must start on another one.
func TestStartTakesAnotherPortWhenItsOwnIsTaken(t *testing.T) {
	taken := takenPort(t)
	s := newServer(t, nil)
	s.port = taken
	start(t, s)
	if s.port == taken {
		t.Errorf("server port = %d, the port another listener holds; want another", s.port)
	}
	mustPing(t, s)
}

// TestStartTakesOtherPortsWhenItsBusPortIsTaken starts a cluster node
// whose cluster bus port another listener holds: the node must start on
// other ports.
func TestStartTakesOtherPortsWhenItsBusPortIsTaken(t *testing.T) {
	taken := takenPort(t)
	s := newServer(t, []string{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"})
	s.bus = taken
	start(t, s)
	if s.bus == taken {
		t.Errorf("cluster bus port = %d, the port another listener holds; want another", s.bus)
	}
	mustPing(t, s)
}

func mustPing(t *testing.T, s *Server) {
	t.Helper()
	if got, err := s.Client().Ping(context.Background()).Result(); err != nil || got != "PONG" {
		t.Errorf("PING = %q, %v; want PONG, nil", got, err)
	}
}
