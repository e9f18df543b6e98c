package examples_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"go.uber.org/goleak"
)

var screenshot = flag.String("screenshot", "", "write a PNG of the page, with a stream refused, to this file (run one app's test with it)")

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestGinApp(t *testing.T)   { testApp(t, "gin") }
func TestEchoApp(t *testing.T)  { testApp(t, "echo") }
func TestFiberApp(t *testing.T) { testApp(t, "fiber") }

// Bounds that detect a hang; none of them is a speed expectation.
const (
	pageWait = 20 * time.Second // for a page to reach a state
	exitWait = 10 * time.Second // from SIGTERM to the process's exit
)

// testApp walks through the "Example apps" contract of DESIGN.md with
// the app in ./name, started with a per-user cap of 2, and three pages:
// alice opens three streams, bob one, and a page without a user one.
func testApp(t *testing.T, name string) {
	srv := startApp(t, buildApp(t, name), "-addr", "127.0.0.1:0", "-max-per-user", "2")
	browser := newBrowser(t)

	alice := openPage(t, browser, srv.url+"/?user=alice")
	waitPage(t, alice, "alice's first stream receives ticks",
		`streams().filter(s => s.state === "open" && s.ticks >= 2).length === 1`)

	// The per-user cap: alice asks for two more streams, one is refused.
	if err := chromedp.Do(alice,
		chromedp.SetValue(chromedp.ID("count"), "2"),
		chromedp.Click(chromedp.ID("open")),
	); err != nil {
		t.Fatalf("opening two more streams: %v", err)
	}
	waitPage(t, alice, "alice has two streams with ticks and one refused",
		`streams().filter(s => s.state === "open" && s.ticks >= 1).length === 2 &&
		 streams().filter(s => s.state === "refused").length === 1`)
	refused := evaluate[string](t, alice, `streams().find(s => s.state === "refused").text`)
	for _, want := range []string{"refused", "too many streams for this user", "(429)", "retrying in"} {
		if !strings.Contains(refused, want) {
			t.Errorf("the refused stream says %q, want it to mention %q", refused, want)
		}
	}
	if n := evaluate[int](t, alice, `document.querySelectorAll('#log li[data-status="429"]').length`); n != 1 {
		t.Errorf("the log reports %d refusals with status 429, want 1", n)
	}

	bob := openPage(t, browser, srv.url+"/?user=bob")
	anonymous := openPage(t, browser, srv.url+"/")
	for _, p := range []context.Context{bob, anonymous} {
		waitPage(t, p, "the page's stream receives ticks",
			`streams().filter(s => s.state === "open" && s.ticks >= 1).length === 1`)
	}

	stats := srv.stats(t)
	wantUsers := map[string]int{"alice": 2, "bob": 1, "ip:127.0.0.1": 1}
	if stats.Active != 4 || !maps.Equal(stats.Users, wantUsers) {
		t.Errorf("/stats: active %d, users %v; want 4, %v", stats.Active, stats.Users, wantUsers)
	}
	// Two refusals: the EventSource's request, and the page's own request
	// asking why the EventSource gave up.
	if stats.MaxPerUser != 2 || stats.Refused["user_limit"] != 2 || stats.Draining {
		t.Errorf("/stats: max_per_user %d, refused %v, draining %v; want 2, two user_limit refusals, not draining",
			stats.MaxPerUser, stats.Refused, stats.Draining)
	}
	waitPage(t, alice, "the page shows the server's counts",
		`document.querySelector("#active").dataset.active === "4" &&
		 document.querySelector('#users tr[data-user="alice"] td:last-child')?.textContent === "2"`)

	if *screenshot != "" {
		takeScreenshot(t, alice, *screenshot)
	}

	// Drain: every open stream gets its shutdown close frame, then the
	// process exits 0.
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	signalled := time.Now()
	select {
	case <-srv.exited:
	case <-time.After(exitWait):
		t.Fatalf("the app did not exit within %v of SIGTERM", exitWait)
	}
	if srv.waitErr != nil {
		t.Errorf("the app exited after %v with %v, want exit status 0", time.Since(signalled).Round(time.Millisecond), srv.waitErr)
	}
	for _, p := range []struct {
		ctx     context.Context
		streams int
	}{{alice, 2}, {bob, 1}, {anonymous, 1}} {
		waitPage(t, p.ctx, fmt.Sprintf("%d shutdown close frames with a retry delay", p.streams), fmt.Sprintf(
			`[...document.querySelectorAll('#log li[data-reason="shutdown"]')].filter(li => +li.dataset.retryMs > 0).length === %d`,
			p.streams))
	}
	if out := srv.output(); !strings.Contains(out, "drained") {
		t.Errorf("the app's log does not report the drain:\n%s", out)
	}
}

// buildApp builds ./name into a temporary directory, with the race
// detector when the tests run with it, and returns the binary's path.
func buildApp(t *testing.T, name string) string {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the app: %v", err)
	}
	bin := filepath.Join(t.TempDir(), name)
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	out, err := exec.Command(goTool, append(args, "./"+name)...).CombinedOutput()
	if err != nil {
		t.Fatalf("go build ./%s: %v\n%s", name, err, out)
	}
	return bin
}

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
	MaxPerUser int               `json:"max_per_user"`
	Users      map[string]int    `json:"users"`
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

// newBrowser starts headless Chromium with a fresh profile; it is stopped
// at the end of the test. A missing Chromium fails the test: the test
// command installs it.
func newBrowser(t *testing.T) context.Context {
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("Chromium is needed and missing (%v): install Debian's chromium package, as `make test` does", err)
	}
	allocator, cancelAllocator := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	browser, cancelBrowser := chromedp.NewContext(allocator)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAllocator()
	})
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return browser
}

// inPage makes a JavaScript expression in which streams() lists the
// page's streams as the tests read them.
func inPage(expression string) string {
	return `(() => {
		const streams = () => [...document.querySelectorAll("#streams li")].map(li => ({
			state: li.dataset.state, ticks: +(li.dataset.ticks || 0), text: li.textContent}));
		return (` + expression + `);
	})()`
}

// openPage opens url in a new tab of browser; the tab closes at the end of
// the test.
func openPage(t *testing.T, browser context.Context, url string) context.Context {
	tab, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	if err := chromedp.Do(tab, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.ID("streams"))); err != nil {
		t.Fatalf("opening %s: %v", url, err)
	}
	return tab
}

// waitPage waits until the JavaScript condition (see inPage) holds in the page.
func waitPage(t *testing.T, page context.Context, what, condition string) {
	t.Helper()
	_, err := chromedp.Run(page, chromedp.Poll[bool](inPage(condition),
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(pageWait)))
	if err != nil {
		if errors.Is(err, chromedp.ErrPollingTimeout) {
			err = fmt.Errorf("not within %v", pageWait)
		}
		text, _ := chromedp.Run(page, chromedp.Evaluate[string](`document.querySelector("main").innerText`))
		t.Fatalf("waiting until %s: %v; the page shows:\n%s", what, err, text)
	}
}

func evaluate[T any](t *testing.T, page context.Context, expression string) T {
	t.Helper()
	v, err := chromedp.Run(page, chromedp.Evaluate[T](inPage(expression)))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expression, err)
	}
	return v
}

func takeScreenshot(t *testing.T, page context.Context, file string) {
	png, err := chromedp.Run(page, func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
		if _, err := chromedp.EmulateViewport(900, 700)(ctx, tg); err != nil {
			return nil, err
		}
		return chromedp.FullScreenshot(100)(ctx, tg)
	})
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatal(err)
	}
}
