package examples_test

import (
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// daemon is a server process a test started, with its output; the end of
// the test stops it (see startDaemon).
type daemon struct {
	name    string
	exited  chan struct{} // closed once waitErr is set
	waitErr error
	out     *readyWriter // ready once the process printed its ready line
}

// startDaemon starts cmd as name, collecting its output, in which ready
// is the line it prints once it serves. When the test ends, the process
// gets SIGTERM, and is killed if it has not exited within exitWait; if
// the test failed, its output is logged, followed by extra.
func startDaemon(t *testing.T, name string, cmd *exec.Cmd, ready, extra string) *daemon {
	d := &daemon{name: name, exited: make(chan struct{}), out: &readyWriter{want: ready, ready: make(chan struct{})}}
	cmd.Stdout, cmd.Stderr = d.out, d.out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	go func() {
		d.waitErr = cmd.Wait()
		close(d.exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.exited:
		case <-time.After(exitWait):
			cmd.Process.Kill()
			<-d.exited
		}
		if t.Failed() {
			t.Logf("%s (%v):\n%s%s", name, d.waitErr, d.out.String(), extra)
		}
	})
	return d
}

// ready waits until d printed its ready line and reports true, or false
// if d exited first; it fails the test after pageWait.
func (d *daemon) ready(t *testing.T) bool {
	t.Helper()
	select {
	case <-d.out.ready:
		return true
	case <-d.exited:
		return false
	case <-time.After(pageWait):
		t.Fatalf("%s was not ready within %v:\n%s", d.name, pageWait, d.out.String())
		return false
	}
}
