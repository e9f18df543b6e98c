package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sselimit/sselimit/release"
)

// refused runs the command on root for version and checks that it fails
// with an error containing each of want, and leaves the repository as it was.
func refused(t *testing.T, root, version string, want ...string) {
	t.Helper()
	head := git(t, root, "rev-parse", "HEAD")
	var out strings.Builder
	err := run([]string{"-C", root, version}, &out)
	if err == nil {
		t.Fatalf("run succeeded, want a refusal; output:\n%s", out.String())
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error = %q, want it to contain %q", err, w)
		}
	}
	if got := git(t, root, "rev-parse", "HEAD"); got != head {
		t.Errorf("HEAD moved from %s to %s", head, got)
	}
	if got := git(t, root, "status", "--porcelain"); got != "" {
		t.Errorf("working tree changed:\n%s", got)
	}
	if got := git(t, root, "tag", "-l"); got != "" {
		t.Errorf("tags = %q, want none", got)
	}
}

func TestRefusesPlaceholder(t *testing.T) {
	root := repoCopy(t)
	setRequire(t, root, "gin", release.Prefix+"core", release.Placeholder)
	refused(t, root, "v0.2.0", "gin/go.mod", release.Placeholder)
}

func TestRefusesModulesThatDisagree(t *testing.T) {
	root := repoCopy(t)
	setRequire(t, root, "echo", release.Prefix+"core", "v0.0.9")
	refused(t, root, "v0.2.0", "different versions", "v0.0.9 (echo)")
}

func TestRefusesUncommittedChanges(t *testing.T) {
	root := repoCopy(t)
	if err := os.WriteFile(filepath.Join(root, "stray"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	err := run([]string{"-C", root, "v0.2.0"}, &out)
	if err == nil || !strings.Contains(err.Error(), "uncommitted") {
		t.Fatalf("run = %v, want a refusal naming the uncommitted changes", err)
	}
}

func TestRefusesBadVersion(t *testing.T) {
	root := repoCopy(t)
	for _, v := range []string{"0.2.0", "v0.2", "v0.2.0+build"} {
		refused(t, root, v, "not a release version")
	}
}
