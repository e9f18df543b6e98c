package examples_test

import (
	"bufio"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// app is an example app running as a process.
type app struct {
	cmd     *exec.Cmd
	url     string
	exited  chan struct{} // closed once waitErr is set
	waitErr error

	mu  sync.Mutex
	out strings.Builder
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// startApp starts bin with args and waits until it prints the address it
// listens on. The process is killed at the end of the test if it still runs.
func startApp(t *testing.T, bin string, args ...string) *app {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	a := &app{cmd: exec.Command(bin, args...), exited: make(chan struct{})}
	a.cmd.Stdout, a.cmd.Stderr = w, w
	err = a.cmd.Start()
	w.Close()
	if err != nil {
		r.Close()
		t.Fatal(err)
	}
	url := make(chan string, 1)
	read := make(chan struct{})
	go func() {
		defer close(read)
		defer r.Close()
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			a.mu.Lock()
			a.out.WriteString(sc.Text() + "\n")
			a.mu.Unlock()
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case url <- m[1]:
				default:
				}
			}
		}
	}()
	go func() {
		a.waitErr = a.cmd.Wait()
		close(a.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-a.exited:
		default:
			a.cmd.Process.Kill()
			<-a.exited
		}
		<-read
		if t.Failed() {
			t.Logf("output of %s:\n%s", filepath.Base(bin), a.output())
		}
	})
	select {
	case a.url = <-url:
	case <-a.exited:
		<-read
		t.Fatalf("%s exited before listening: %v\n%s", filepath.Base(bin), a.waitErr, a.output())
	case <-time.After(pageWait):
		t.Fatalf("%s printed no listening address within %v:\n%s", filepath.Base(bin), pageWait, a.output())
	}
	return a
}

func (a *app) output() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.out.String()
}

// statsJSON is what the contract promises of GET /stats.
type statsJSON struct {
	Active     int               `json:"active"`
	Scope      string            `json:"scope"`
	MaxPerUser int               `json:"max_per_user"`
	Users      map[string]int    `json:"users"`
	UserCaps   map[string]int    `json:"user_caps"`
	Refused    map[string]uint64 `json:"refused"`
	Draining   bool              `json:"draining"`
}

func (a *app) stats(t *testing.T) statsJSON {
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: pageWait}
	res, err := client.Get(a.url + "/stats")
	if err != nil {
		t.Fatalf("GET /stats: %v", err)
	}
	defer res.Body.Close()
	var s statsJSON
	if ct := res.Header.Get("Content-Type"); res.StatusCode != http.StatusOK || !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("GET /stats: %s, Content-Type %q; want 200 application/json", res.Status, ct)
	}
	if err := json.NewDecoder(res.Body).Decode(&s); err != nil {
		t.Fatalf("GET /stats: %v", err)
	}
	return s
}

// clientFrom is an HTTP client whose connections come from the local
// address ip (any address of 127.0.0.0/8 is loopback on Linux), one
// connection per request.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
}

// openEvents sends GET url from the local address ip with the given
// header fields (name, value, name, value...) and returns the response
// once its head arrived; an admitted stream stays open until the end of
// the test.
func openEvents(t *testing.T, url, ip string, header ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := clientFrom(ip).Do(req)
	if err != nil {
		t.Fatalf("GET %s from %s: %v", url, ip, err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

// runApp runs bin with args to its end and returns its output.
func runApp(t *testing.T, bin string, args ...string) (string, error) {
	out, err := exec.Command(bin, args...).CombinedOutput()
	return string(out), err
}

// readyWriter collects a process's output and closes ready once it holds want.
type readyWriter struct {
	want  string
	ready chan struct{}

	mu  sync.Mutex
	out strings.Builder
}

func (w *readyWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.out.Write(p)
	if strings.Contains(w.out.String(), w.want) {
		select {
		case <-w.ready:
		default:
			close(w.ready)
		}
	}
	return len(p), nil
}

func (w *readyWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.out.String()
}
