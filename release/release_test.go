package release

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// loadRepository loads the repository's workspace and the version its
// modules require each other at.
func loadRepository(t *testing.T, root string) ([]Module, string) {
	t.Helper()
	mods, err := Load(root)
	if err != nil {
		t.Fatal(err)
	}
	version, err := Version(mods)
	if err != nil {
		t.Fatalf("the repository is not releasable:\n%v", err)
	}
	return mods, version
}

func TestStrangerServesStreamsAtRelease(t *testing.T) {
	mods, version := loadRepository(t, "..")
	s := newStranger(t, "..", mods, version)
	bin, err := s.build(mods, version)
	if err != nil {
		t.Fatalf("%v\n%s", err, s.log.String())
	}
	serveOneStreamEach(t, bin)
}

// The servers the stranger program starts, in the order it prints them.
var strangerServers = []string{"net/http", "gin", "echo", "fiber"}

// serveOneStreamEach starts the stranger program, opens one stream on each
// of its servers and reads the first event, checks that the metrics count
// them, then stops the program with SIGTERM and checks that every stream
// ends and the program exits 0.
func serveOneStreamEach(t *testing.T, bin string) {
	cmd := exec.Command(bin)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()

	client := &http.Client{Timeout: time.Minute} // a bound on a hung server, not a measurement
	lines := bufio.NewScanner(stdout)
	urls := make(map[string]string)
	var bodies []io.ReadCloser
	for _, want := range strangerServers {
		if !lines.Scan() {
			t.Fatalf("the program printed %d servers and stopped: %v\n%s", len(bodies), lines.Err(), stderr.String())
		}
		name, url, _ := strings.Cut(lines.Text(), " ")
		if name != want {
			t.Fatalf("the program printed %q, want the %s server", lines.Text(), want)
		}
		urls[name] = url
		resp, err := client.Get(url)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		bodies = append(bodies, resp.Body)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("%s: GET %s = %s, Content-Type %q; want 200 text/event-stream", name, url, resp.Status, resp.Header.Get("Content-Type"))
		}
		if got := readEvent(resp.Body); !strings.Contains(got, "event: hello\ndata: stranger\n") {
			t.Fatalf("%s: the first event is %q, want the hello event", name, got)
		}
	}

	metrics := strings.TrimSuffix(urls["net/http"], "/events") + "/metrics"
	resp, err := client.Get(metrics)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := fmt.Sprintf("\nsselimit_streams_active %d\n", len(strangerServers)); err != nil || !strings.Contains(string(body), want) {
		t.Errorf("GET %s: %v; want a line %q in:\n%s", metrics, err, strings.TrimSpace(want), body)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for i, body := range bodies {
		rest, err := io.ReadAll(body)
		body.Close()
		if err != nil || !strings.Contains(string(rest), "event: close") {
			t.Errorf("%s stream after SIGTERM: %q, %v; want a close frame, then the end", strangerServers[i], rest, err)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("the program exited with %v\n%s", err, stderr.String())
	}
}

// readEvent reads up to the end of the first event that has a data line.
func readEvent(r io.Reader) string {
	var ev strings.Builder
	lines := bufio.NewReader(r)
	for {
		line, err := lines.ReadString('\n')
		ev.WriteString(line)
		if err != nil || (line == "\n" && strings.Contains(ev.String(), "data:")) {
			return ev.String()
		}
	}
}

func TestStrangerCannotBuildWithPlaceholder(t *testing.T) {
	mods, version := loadRepository(t, "..")
	root := t.TempDir()
	license, err := os.ReadFile(filepath.Join("..", "LICENSE"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "LICENSE"), license, 0o644); err != nil {
		t.Fatal(err)
	}
	var published []Module
	for _, m := range mods {
		if m.Published {
			published = append(published, m)
			if err := os.CopyFS(filepath.Join(root, m.Dir), os.DirFS(filepath.Join("..", m.Dir))); err != nil {
				t.Fatal(err)
			}
		}
	}
	gin := filepath.Join(root, "gin", "go.mod")
	data, err := os.ReadFile(gin)
	if err != nil {
		t.Fatal(err)
	}
	core := Prefix + "core " + version
	if !strings.Contains(string(data), core) {
		t.Fatalf("gin/go.mod does not require %s", core)
	}
	data = []byte(strings.Replace(string(data), core, Prefix+"core "+Placeholder, 1))
	if err := os.WriteFile(gin, data, 0o644); err != nil {
		t.Fatal(err)
	}

	s := newStranger(t, root, published, version)
	if _, err := s.build(published, version); err == nil {
		t.Fatalf("a stranger built the modules although gin requires core at the placeholder:\n%s", s.log.String())
	}
	if !strings.Contains(s.log.String(), Placeholder) {
		t.Errorf("the build failed without naming the placeholder:\n%s", s.log.String())
	}
}
