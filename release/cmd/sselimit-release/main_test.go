package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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

func TestReleaseTagsInDependencyOrder(t *testing.T) {
	root := repoCopy(t)
	var out strings.Builder
	if err := run([]string{"-C", root, "v0.2.0"}, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	mods, err := release.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := release.Version(mods); v != "v0.2.0" || err != nil {
		t.Errorf("after the release the modules require each other at %q, %v; want v0.2.0", v, err)
	}
	if got := git(t, root, "status", "--porcelain"); got != "" {
		t.Errorf("the bump was not committed:\n%s", got)
	}
	var pushed []string // module dirs, in the order the push commands name them
	for line := range strings.Lines(out.String()) {
		if _, ref, ok := strings.Cut(strings.TrimSpace(line), "refs/tags/"); ok {
			pushed = append(pushed, strings.TrimSuffix(ref, "/v0.2.0"))
		}
	}
	for _, m := range mods {
		if !m.Published {
			if slices.Contains(pushed, m.Dir) {
				t.Errorf("%s is pushed, but it is not published", m.Dir)
			}
			continue
		}
		tag := m.Dir + "/v0.2.0"
		if got := git(t, root, "rev-parse", tag+"^{commit}"); got != git(t, root, "rev-parse", "HEAD") {
			t.Errorf("tag %s is at %s, want HEAD", tag, got)
		}
		at := slices.Index(pushed, m.Dir)
		if at < 0 {
			t.Errorf("tag %s is never pushed", tag)
			continue
		}
		for _, r := range m.Requires() {
			dep := strings.TrimPrefix(r.Mod.Path, release.Prefix)
			if i := slices.Index(pushed, dep); i < 0 || i > at {
				t.Errorf("%s is pushed at %d, before %s (%d), which it requires", m.Dir, at, dep, i)
			}
		}
	}
	if pushed[0] != "core" {
		t.Errorf("first pushed tag is %s, want core", pushed[0])
	}
}

func TestPublishedLists(t *testing.T) {
	root := repoCopy(t)
	var out strings.Builder
	if err := run([]string{"-C", root, "-published"}, &out); err != nil {
		t.Fatal(err)
	}
	mods, err := release.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, m := range mods {
		if m.Published {
			want = append(want, m.Dir)
		}
	}
	if got := strings.Fields(out.String()); !slices.Equal(got, want) || got[0] != "core" {
		t.Errorf("-published printed %q, want %q, core first", got, want)
	}
	for _, dir := range []string{"bench", "examples", "release"} {
		if slices.Contains(strings.Fields(out.String()), dir) {
			t.Errorf("-published printed %s", dir)
		}
	}
}
