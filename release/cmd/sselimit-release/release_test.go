package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sselimit/sselimit/release"
)

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

func TestReleasePushes(t *testing.T) {
	root := repoCopy(t)
	remote := filepath.Join(t.TempDir(), "remote.git")
	git(t, root, "init", "-q", "--bare", remote)
	var out strings.Builder
	if err := run([]string{"-C", root, "-push", remote, "v0.2.0"}, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	head := git(t, root, "rev-parse", "HEAD")
	mods, err := release.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mods {
		if !m.Published {
			continue
		}
		if got := git(t, remote, "rev-parse", m.Dir+"/v0.2.0^{commit}"); got != head {
			t.Errorf("remote tag %s/v0.2.0 is at %s, want %s", m.Dir, got, head)
		}
	}
	if got := git(t, remote, "rev-parse", git(t, root, "rev-parse", "--abbrev-ref", "HEAD")); got != head {
		t.Errorf("remote branch is at %s, want the release commit %s", got, head)
	}
}
