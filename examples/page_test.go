package examples_test

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestPageBehindNginxRestart restarts the app behind nginx while a page
// holds a stream: the stream gets its shutdown close frame, the page's
// reconnect meets nginx's 502 and says so without nginx's HTML, tries
// again, and once the app is back the ticks go on from the last one the
// page saw.
func TestPageBehindNginxRestart(t *testing.T) {
	bin := buildApp(t, "gin")
	first := startApp(t, bin, "-addr", "127.0.0.1:0")
	proxy := startNginx(t, hostPort(first.url), "60s")
	browser := newBrowser(t)

	carol := openPage(t, browser, proxy.url+"/?user=carol")
	waitPage(t, carol, "carol's stream receives ticks through nginx",
		`streams().filter(s => s.state === "open" && s.ticks >= 2).length === 1`)

	if err := first.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-first.exited:
	case <-time.After(exitWait):
		t.Fatalf("the app did not exit within %v of SIGTERM", exitWait)
	}
	waitPage(t, carol, "the page reports nginx's 502 and retries",
		`document.querySelector('#log li[data-status="502"]') !== null &&
		 streams()[0].state !== "open"`)
	for _, text := range []string{
		evaluate[string](t, carol, `document.querySelector('#log li[data-status="502"]').textContent`),
		evaluate[string](t, carol, `document.querySelector("main").innerText`),
	} {
		if strings.Contains(text, "<") || strings.Contains(strings.ToLower(text), "nginx") {
			t.Errorf("the page shows nginx's error page: %q", text)
		}
	}
	if text := evaluate[string](t, carol, `document.querySelector('#log li[data-status="502"]').textContent`); !strings.Contains(text, "unavailable (502") || !strings.Contains(text, "retrying in") {
		t.Errorf("the page says %q after a 502, want it to say the server is unavailable (502) and when it retries", text)
	}

	startApp(t, bin, "-addr", hostPort(first.url))
	waitPage(t, carol, "the stream is back and its ticks go on from the last one seen",
		`streams()[0].state === "open" &&
		 [...document.querySelectorAll('#log li[data-via="page"]')].some(li =>
			+li.dataset.resumedFrom >= 2 && +li.dataset.resumedAt === +li.dataset.resumedFrom + 1)`)
}

// TestPageGlobalCap has the page meet the global cap: the refused stream
// says 503 and when it retries, and is admitted on a later try once a
// slot is free.
func TestPageGlobalCap(t *testing.T) {
	srv := startApp(t, buildApp(t, "fiber"), "-addr", "127.0.0.1:0", "-max-total", "1")
	dan := openPage(t, newBrowser(t), srv.url+"/?user=dan")
	waitPage(t, dan, "dan's stream receives ticks",
		`streams().filter(s => s.state === "open" && s.ticks >= 1).length === 1`)
	if err := chromedp.Do(dan, chromedp.Click(chromedp.ID("open"))); err != nil {
		t.Fatalf("opening a second stream: %v", err)
	}
	waitPage(t, dan, "the second stream is refused by the global cap",
		`streams().some(s => s.state === "refused" && s.text.includes("(503)") && s.text.includes("retrying in"))`)
	if err := chromedp.Do(dan, chromedp.Click(`#streams li[data-state="open"] button`)); err != nil {
		t.Fatalf("closing dan's first stream: %v", err)
	}
	waitPage(t, dan, "the refused stream is admitted on a later try",
		`streams().length === 1 && streams()[0].state === "open" && streams()[0].ticks >= 1`)
}

// TestPageResumesAfterCrash kills the app without a drain: the connection
// drops without a close frame, the browser reconnects the EventSource by
// itself with a Last-Event-ID header, and the ticks go on from there once
// the app is back.
func TestPageResumesAfterCrash(t *testing.T) {
	bin := buildApp(t, "echo")
	first := startApp(t, bin, "-addr", "127.0.0.1:0")
	eve := openPage(t, newBrowser(t), first.url+"/?user=eve")
	waitPage(t, eve, "eve's stream receives ticks",
		`streams().filter(s => s.state === "open" && s.ticks >= 2).length === 1`)

	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-first.exited
	startApp(t, bin, "-addr", hostPort(first.url))
	waitPage(t, eve, "the browser reconnected by itself and the ticks go on from the last one seen",
		`streams()[0].state === "open" &&
		 [...document.querySelectorAll('#log li[data-via="browser"]')].some(li =>
			+li.dataset.resumedFrom >= 2 && +li.dataset.resumedAt === +li.dataset.resumedFrom + 1)`)
}
