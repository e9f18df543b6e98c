package sselimit_test

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain fails the package if any test left a goroutine behind: a stream,
// timer callback, server or client connection of ours still running. It
// is the standard-library stand-in for goleak, which the core cannot import.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaked := leftoverGoroutines(); leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines left behind:\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// leftoverGoroutines waits for goroutines to finish, retrying with a
// growing pause as goleak does, and returns those that never do.
func leftoverGoroutines() string {
	var leaked []string
	for pause := time.Millisecond; pause < 5*time.Second; pause *= 2 {
		leaked = leaked[:0]
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "leftoverGoroutines") || strings.Contains(g, "testing.(*M).") ||
				strings.Contains(g, "runtime.goexit0") || strings.HasPrefix(g, "goroutine ") && !strings.Contains(g, "sselimit") && !strings.Contains(g, "net/http") {
				continue
			}
			leaked = append(leaked, g)
		}
		if len(leaked) == 0 {
			return ""
		}
		time.Sleep(pause)
	}
	return strings.Join(leaked, "\n\n")
}
