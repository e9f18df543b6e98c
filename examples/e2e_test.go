package examples_test

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

var screenshot = flag.String("screenshot", "", "write a PNG of the page, with a stream refused, to this file (run one app's test with it)")

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
// alice opens three streams, bob one, and a page without a user one. It
// checks the counts, the charts, the refused stream's later admission and
// the drain.
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
	if n := evaluate[int](t, alice, `document.querySelectorAll('#log li[data-status="429"]').length`); n < 1 {
		t.Errorf("the log reports %d refusals with status 429, want at least 1", n)
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
	// At least two refusals: the EventSource's request, and the page's own
	// request asking why the EventSource gave up; two more each time the
	// page tries again.
	if stats.MaxPerUser != 2 || stats.Refused["user_limit"] < 2 || stats.Draining {
		t.Errorf("/stats: max_per_user %d, refused %v, draining %v; want 2, at least two user_limit refusals, not draining",
			stats.MaxPerUser, stats.Refused, stats.Draining)
	}
	waitPage(t, alice, "the page shows the server's counts",
		`document.querySelector("#active").dataset.active === "4" &&
		 document.querySelector('#users tr[data-user="alice"] td:nth-child(2)')?.textContent === "2"`)

	// The charts: alice's page plotted the total before bob and the
	// anonymous page opened theirs, and after, against the caps.
	waitPage(t, alice, "the charts show the streams against the caps",
		`(c => c.cap === "100" && c.last === "4" && c.values.split(" ").some(v => +v < 4))(document.querySelector("#chart-total").dataset) &&
		 document.querySelector('#chart-total line.cap[data-value="100"]') !== null &&
		 (c => c.cap === "2" && c.last === "2")(document.querySelector("#chart-user").dataset) &&
		 document.querySelector('#chart-user line.cap[data-value="2"]') !== null &&
		 +document.querySelector("#chart-refusals").dataset.peak > 0`)

	if *screenshot != "" {
		waitPage(t, alice, "a quarter minute of samples", `+document.querySelector("#chart-total").dataset.samples >= 15`)
		takeScreenshot(t, alice, *screenshot)
	}

	// The chart moves down when a stream closes.
	if err := chromedp.Do(anonymous, chromedp.Click(chromedp.ID("close-all"))); err != nil {
		t.Fatalf("closing the anonymous page's stream: %v", err)
	}
	waitPage(t, alice, "the chart shows the stream closed", `document.querySelector("#chart-total").dataset.last === "3"`)

	// The refused stream tries again after the Retry-After the server
	// sent, and is admitted once alice closed one of her streams.
	if err := chromedp.Do(alice, chromedp.Click(`#streams li[data-state="open"] button`)); err != nil {
		t.Fatalf("closing one of alice's streams: %v", err)
	}
	waitPage(t, alice, "alice's refused stream is admitted on a later try",
		`streams().length === 2 && streams().filter(s => s.state === "open" && s.ticks >= 1).length === 2`)

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
	}{{alice, 2}, {bob, 1}, {anonymous, 0}} {
		waitPage(t, p.ctx, fmt.Sprintf("%d shutdown close frames with a retry delay", p.streams), fmt.Sprintf(
			`[...document.querySelectorAll('#log li[data-reason="shutdown"]')].filter(li => +li.dataset.retryMs > 0).length === %d`,
			p.streams))
	}
	if out := srv.output(); !strings.Contains(out, "drained") {
		t.Errorf("the app's log does not report the drain:\n%s", out)
	}
}
