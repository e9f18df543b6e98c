package sselimitredistest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// A Server is a redis-server process without persistence that a test
// started on a free port of 127.0.0.1.
type Server struct {
	t     testing.TB
	port  int
	bus   int // the cluster bus port, or 0 for a server outside a cluster
	dir   string
	args  []string
	conf  string // a config file, first on the command line, or ""
	ready string // the log line that says the server is ready
	cmd   *exec.Cmd
	exit  chan struct{}
}

// Start starts a redis-server, with args added to its command line, and
// waits until it is ready; it is killed when the test ends. It fails the
// test if redis-server is missing or does not start.
func Start(t testing.TB, args ...string) *Server {
	t.Helper()
	return start(t, newServer(t, args))
}

func newServer(t testing.TB, args []string) *Server {
	return &Server{t: t, port: freePort(t), dir: t.TempDir(), args: args, ready: "Ready to accept connections"}
}

// start starts s, killed when the test ends. Another process may bind a
// free port s was given before the server does: it then starts on others.
func start(t testing.TB, s *Server) *Server {
	t.Helper()
	t.Cleanup(s.Kill)
	for attempt := 1; ; attempt++ {
		err := s.launch()
		if err == nil {
			return s
		}
		if !errors.Is(err, errPortTaken) || attempt == 5 {
			t.Fatal(err)
		}
		s.port = freePort(t)
		if s.bus != 0 {
			s.bus = freePort(t)
		}
	}
}

// errPortTaken: the server could not bind its port.
var errPortTaken = errors.New("port taken")

// Addr is the server's host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// URL is the server's redis:// URL.
func (s *Server) URL() string { return "redis://" + s.Addr() }

// PID is the server process's id, or 0 when it is not running.
func (s *Server) PID() int {
	if s.cmd == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Restart starts the server again after Kill, on the same port and
// directory (a cluster node keeps its cluster configuration, not its data).
func (s *Server) Restart() {
	s.t.Helper()
	if err := s.launch(); err != nil {
		s.t.Fatal(err)
	}
}

// launch starts the server and waits until it is ready, or says why not.
func (s *Server) launch() error {
	path, err := exec.LookPath("redis-server")
	if err != nil {
		return fmt.Errorf("redis-server is not installed: %v", err)
	}
	var args []string
	if s.conf != "" {
		args = append(args, s.conf)
	}
	args = append(append(args, "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir), s.args...)
	if s.bus != 0 {
		args = append(args, "--cluster-port", strconv.Itoa(s.bus))
	}
	s.cmd = exec.Command(path, args...)
	dieWithParent(s.cmd)
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := s.cmd.Start(); err != nil {
		s.cmd = nil
		return fmt.Errorf("starting redis-server: %v", err)
	}
	exit, ready := make(chan struct{}), make(chan struct{})
	s.exit = exit
	cmd, readyLine := s.cmd, s.ready
	var said strings.Builder // what it logged before it was ready; read once exit is closed
	go func() {
		defer close(exit)
		sc := bufio.NewScanner(out)
		for isReady := false; sc.Scan(); {
			if isReady {
				continue
			}
			said.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), readyLine) {
				isReady = true
				close(ready)
			}
		}
		_ = cmd.Wait()
	}()
	select {
	case <-ready:
		return nil
	case <-exit:
		s.cmd = nil
		err := fmt.Errorf("redis-server on port %d exited before it was ready:\n%s", s.port, said.String())
		if strings.Contains(said.String(), "Address already in use") {
			err = fmt.Errorf("%w: %w", errPortTaken, err)
		}
		return err
	case <-time.After(30 * time.Second):
		return fmt.Errorf("redis-server on port %d not ready after 30s", s.port)
	}
}

// Kill ends the server with SIGKILL, so it saves nothing, and waits for it
// to exit.
func (s *Server) Kill() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.exit
	s.cmd = nil
}

// Client returns a client of the server that applies its contexts'
// deadlines, closed when the test ends.
func (s *Server) Client() *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), ContextTimeoutEnabled: true, MaxRetries: -1})
	s.t.Cleanup(func() { c.Close() })
	return c
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
