package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"

	"github.com/sselimit/sselimit/release"
)

// A releaser cuts one release of the repository at root.
type releaser struct {
	root    string
	version string
	out     io.Writer
	mods    []release.Module // in dependency order
}

// check refuses a release that could not be fetched or built by a user,
// and one that would collide with an earlier release.
func (r *releaser) check() error {
	if err := release.ValidVersion(r.version); err != nil {
		return err
	}
	mods, err := release.Load(r.root)
	if err != nil {
		return err
	}
	r.mods = mods
	if _, err := release.Version(mods); err != nil {
		return err
	}
	dirty, err := r.git("status", "--porcelain")
	if err != nil {
		return err
	}
	if dirty != "" {
		return fmt.Errorf("the working tree has uncommitted changes:\n%s", dirty)
	}
	for _, tag := range r.tags() {
		if _, err := r.git("rev-parse", "--verify", "--quiet", "refs/tags/"+tag); err == nil {
			return fmt.Errorf("tag %s exists", tag)
		}
	}
	return nil
}

// bump points every require between the modules at the release version
// and commits the go.mod files that changed.
func (r *releaser) bump() error {
	changed, err := release.Bump(r.root, r.mods, r.version)
	if err != nil || len(changed) == 0 {
		return err
	}
	args := append([]string{"commit", "-q", "-m", "release " + r.version + ": modules require each other at " + r.version, "--"}, changed...)
	if _, err := r.git(args...); err != nil {
		return err
	}
	fmt.Fprintf(r.out, "committed %s\n", strings.Join(changed, " "))
	return nil
}

// tags names the release's tags in dependency order.
func (r *releaser) tags() []string {
	var tags []string
	for _, m := range r.mods {
		if m.Published {
			tags = append(tags, m.Dir+"/"+r.version)
		}
	}
	return tags
}

func (r *releaser) tag() error {
	for _, tag := range r.tags() {
		if _, err := r.git("tag", "-a", "-m", tag, tag); err != nil {
			return err
		}
		fmt.Fprintf(r.out, "tagged %s\n", tag)
	}
	return nil
}

// push pushes the release commit, then each tag on its own, so that a
// proxy never sees a module before the modules it requires.
func (r *releaser) push(remote string) error {
	cmds := [][]string{{"push", remote, "HEAD"}}
	for _, tag := range r.tags() {
		cmds = append(cmds, []string{"push", remote, "refs/tags/" + tag})
	}
	if remote == "" {
		fmt.Fprintln(r.out, "push the release, in this order:")
		for _, c := range cmds {
			c[1] = "origin"
			fmt.Fprintf(r.out, "\tgit %s\n", strings.Join(c, " "))
		}
		return nil
	}
	for _, c := range cmds {
		if _, err := r.git(c...); err != nil {
			return err
		}
		fmt.Fprintf(r.out, "pushed %s\n", c[2])
	}
	return nil
}

func (r *releaser) git(args ...string) (string, error) {
	cmd := exec.Command("git", append([]string{"-C", r.root}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return "", fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
		}
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}
