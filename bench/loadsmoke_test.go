package bench

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/sselimit/sselimit/bench/internal/sseload"
	"go.uber.org/goleak"
)

// TestLoadAndDrainSmoke builds the load tool, the bench server and the
// driver, and runs the driver end to end with a few hundred streams for
// every framework, so the tools cannot rot. It checks what the tools
// report, never how fast anything was.
func TestLoadAndDrainSmoke(t *testing.T) {
	defer goleak.VerifyNone(t)
	const streams, flood = 200, 500
	dir := t.TempDir()
	build := []string{"build", "-o", dir + string(filepath.Separator)}
	if raceEnabled {
		build = append(build, "-race")
	}
	build = append(build, "./cmd/sseserver", "./cmd/sseload", "./cmd/benchdrive")
	if b, err := exec.Command("go", build...).CombinedOutput(); err != nil {
		t.Fatalf("go %v: %v\n%s", build, err, b)
	}
	drive := exec.Command(filepath.Join(dir, "benchdrive"), "-json",
		"-server-bin", filepath.Join(dir, "sseserver"), "-load-bin", filepath.Join(dir, "sseload"),
		"-streams", strconv.Itoa(streams), "-hold", "0s", "-flood", strconv.Itoa(flood), "-flood-rounds", "1",
		"-shutdown-timeout", "2s", "-run-timeout", "1m", "-bench", "")
	// The race detector sleeps a second at exit by default.
	drive.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0")
	var stderr bytes.Buffer
	drive.Stderr = &stderr
	out, err := drive.Output()
	if err != nil {
		t.Fatalf("benchdrive: %v\n%s", err, stderr.Bytes())
	}
	var report struct {
		Results []struct {
			Framework     string
			Bare, Limited *sseload.Report
			FloodBare     []*sseload.FloodReport `json:"flood_bare"`
			FloodLimited  []*sseload.FloodReport `json:"flood_limited"`
		}
	}
	if err := json.Unmarshal(out, &report); err != nil {
		t.Fatalf("decoding the driver's report: %v\n%s", err, out)
	}

	var ran []string
	for _, r := range report.Results {
		ran = append(ran, r.Framework)
		for name, v := range map[string]*sseload.Report{"bare": r.Bare, "limited": r.Limited} {
			where := r.Framework + " " + name
			s, m, d := v.Streams, v.Memory, v.Drain
			if s == nil || s.Held != streams || s.Opened != streams || s.Errors != 0 || len(s.Refused) != 0 {
				t.Errorf("%s: streams %+v, want %d held, no refusal or error", where, s, streams)
			}
			if m == nil || m.Before.RSS == 0 || m.After.RSS == 0 || m.After.GoLive <= m.Before.GoLive {
				t.Errorf("%s: memory %+v, want RSS readings and a Go heap that grew with the streams", where, m)
			}
			if d == nil || d.Streams != streams || d.ExitCode != 0 {
				t.Errorf("%s: drain %+v, want %d streams and exit status 0", where, d, streams)
			}
		}
		if d := r.Limited.Drain; d != nil && (d.CloseFrames != streams || d.Reasons["shutdown"] != streams ||
			d.Server == nil || d.Server.Remaining != 0) {
			t.Errorf("%s limited: drain %+v (server %+v), want every stream's shutdown close frame, none left", r.Framework, d, d.Server)
		}
		if m := r.Limited.Memory; m != nil && m.After.Go.Active != streams {
			t.Errorf("%s limited: the gate held %d streams, want %d", r.Framework, m.After.Go.Active, streams)
		}
		for name, fs := range map[string][]*sseload.FloodReport{"bare": r.FloodBare, "limited": r.FloodLimited} {
			primed := 429
			if name == "limited" {
				primed = 200 // the flood's user holds their cap
			}
			if len(fs) != 1 || fs[0].Primed != primed || fs[0].Statuses[429] != flood || fs[0].Errors != 0 {
				t.Errorf("%s %s: flood %+v, want priming %d, then %d answers of 429", r.Framework, name, fs, primed, flood)
			}
		}
	}
	if want := []string{"nethttp", "gin", "echo", "fiber"}; !slices.Equal(ran, want) {
		t.Errorf("ran %v, want %v", ran, want)
	}
}
