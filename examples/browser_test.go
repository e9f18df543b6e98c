package examples_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

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
