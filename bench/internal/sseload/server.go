package sseload

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"time"
)

// readyTimeout bounds how long a started server may take to print Ready.
const readyTimeout = 30 * time.Second

// serverProcess is a server the load tool started.
type serverProcess struct {
	cmd     *exec.Cmd
	ready   Ready
	exited  chan struct{} // closed once the process has exited and its output was read
	exitAt  time.Time     // set before exited is closed
	stopped *Stopped      // its Stopped line, if it printed one; set before exited is closed
}

// startServer runs argv and waits for its Ready line. The server's
// standard error, and its standard output after that line, go to logs,
// which must be safe for concurrent writes.
func startServer(argv []string, logs io.Writer) (*serverProcess, error) {
	if len(argv) == 0 {
		return nil, errors.New("no server command")
	}
	out, in, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = in, logs
	err = cmd.Start()
	in.Close()
	if err != nil {
		out.Close()
		return nil, fmt.Errorf("starting the server: %w", err)
	}
	p := &serverProcess{cmd: cmd, exited: make(chan struct{})}
	line := make(chan []byte, 1)
	output := make(chan struct{})
	go func() {
		defer close(output)
		defer out.Close()
		lines := bufio.NewScanner(out)
		first := true
		for lines.Scan() {
			b := lines.Bytes()
			if first {
				line <- bytes.Clone(b)
				first = false
				continue
			}
			var s Stopped
			if json.Unmarshal(b, &s) == nil && b[0] == '{' {
				p.stopped = &s
				continue
			}
			fmt.Fprintf(logs, "%s\n", b)
		}
		if first {
			line <- nil
		}
	}()
	go func() {
		cmd.Wait()
		p.exitAt = time.Now()
		<-output
		close(p.exited)
	}()

	select {
	case b := <-line:
		if err := json.Unmarshal(bytes.TrimSpace(b), &p.ready); err != nil || p.ready.URL == "" {
			p.kill()
			return nil, fmt.Errorf("the server printed %q, not its ready line", b)
		}
	case <-time.After(readyTimeout):
		p.kill()
		return nil, fmt.Errorf("the server printed nothing in %v", readyTimeout)
	}
	return p, nil
}

// kill ends the process and waits for it.
func (p *serverProcess) kill() {
	p.cmd.Process.Kill()
	<-p.exited
}

// exitCode is the process's exit status once it has exited.
func (p *serverProcess) exitCode() int { return p.cmd.ProcessState.ExitCode() }

// sample reads the server's RSS and, through its control server, its Go
// memory after a collection.
func (p *serverProcess) sample(ctx context.Context) (MemorySample, error) {
	var s MemorySample
	rss, err := residentBytes(p.cmd.Process.Pid)
	if err != nil {
		return s, err
	}
	s.RSS = rss
	if s.Go, err = p.stats(ctx, true); err != nil {
		return s, err
	}
	s.GoLive = s.Go.HeapAlloc + s.Go.StackInuse
	return s, nil
}

// stats asks the server's control server for its stats, after a
// collection when gc is set.
func (p *serverProcess) stats(ctx context.Context, gc bool) (ServerStats, error) {
	var st ServerStats
	target := p.ready.Control + "/debug/stats"
	if gc {
		target += "?gc=1"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return st, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return st, fmt.Errorf("reading the server's stats: %w", err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return st, fmt.Errorf("decoding the server's stats: %w", err)
	}
	return st, nil
}

// residentBytes is VmRSS of process pid, from /proc.
func residentBytes(pid int) (uint64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, fmt.Errorf("reading the server's RSS: %w", err)
	}
	for line := range bytes.Lines(b) {
		if v, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			kb, err := strconv.ParseUint(string(bytes.TrimSuffix(bytes.TrimSpace(v), []byte(" kB"))), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parsing VmRSS %q: %w", v, err)
			}
			return kb << 10, nil
		}
	}
	return 0, errors.New("no VmRSS in /proc/PID/status")
}
