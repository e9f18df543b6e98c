package examples_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

// binDir holds the apps built for this run of the tests.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sselimit-examples-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		os.RemoveAll(dir)
		os.Exit(code)
	}))
}

var built struct {
	sync.Mutex
	bins map[string]string
}

// buildApp builds ./name once per run of the tests, with the race
// detector when the tests run with it, and returns the binary's path.
func buildApp(t *testing.T, name string) string {
	t.Helper()
	built.Lock()
	defer built.Unlock()
	if bin, ok := built.bins[name]; ok {
		return bin
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build the app: %v", err)
	}
	bin := filepath.Join(binDir, name)
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	out, err := exec.Command(goTool, append(args, "./"+name)...).CombinedOutput()
	if err != nil {
		t.Fatalf("go build ./%s: %v\n%s", name, err, out)
	}
	if built.bins == nil {
		built.bins = make(map[string]string)
	}
	built.bins[name] = bin
	return bin
}
