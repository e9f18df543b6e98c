package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sselimit/sselimit/release"
	"golang.org/x/mod/modfile"
)

// repoCopy makes a git repository in a temporary directory holding the
// workspace's go.work and go.mod files, the only files the command reads,
// commits them, and returns its root.
func repoCopy(t *testing.T) string {
	t.Helper()
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_AUTHOR_NAME", "release test")
	t.Setenv("GIT_AUTHOR_EMAIL", "release@example.com")
	t.Setenv("GIT_COMMITTER_NAME", "release test")
	t.Setenv("GIT_COMMITTER_EMAIL", "release@example.com")
	src := filepath.Join("..", "..", "..")
	mods, err := release.Load(src)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	copyFile(t, filepath.Join(src, "go.work"), filepath.Join(root, "go.work"))
	for _, m := range mods {
		copyFile(t, filepath.Join(src, m.Dir, "go.mod"), filepath.Join(root, m.Dir, "go.mod"))
	}
	git(t, root, "init", "-q")
	git(t, root, "add", ".")
	git(t, root, "commit", "-q", "-m", "copy")
	return root
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func git(t *testing.T, root string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", root}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// setRequire makes dir/go.mod under root require path at version, and
// commits it.
func setRequire(t *testing.T, root, dir, path, version string) {
	t.Helper()
	name := filepath.Join(root, dir, "go.mod")
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	f, err := modfile.Parse(name, data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.AddRequire(path, version); err != nil {
		t.Fatal(err)
	}
	if data, err = f.Format(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	git(t, root, "commit", "-q", "-am", "edit "+dir)
}
