package release

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"
)

// Version returns the one version at which the modules require each other:
// the version the tree is released at. It refuses a tree where a require
// names the placeholder, or where two requires name different versions,
// and says which go.mod files to fix.
func Version(mods []Module) (string, error) {
	var problems []string
	users := make(map[string][]string) // version -> go.mod files requiring it
	for _, m := range mods {
		for _, r := range m.Requires() {
			v := r.Mod.Version
			if v == Placeholder {
				problems = append(problems, fmt.Sprintf(
					"%s/go.mod requires %s at the placeholder %s, which no proxy serves: require a release version",
					m.Dir, r.Mod.Path, v))
				continue
			}
			if !slices.Contains(users[v], m.Dir) {
				users[v] = append(users[v], m.Dir)
			}
		}
	}
	if len(users) > 1 {
		var each []string
		for _, v := range slices.Sorted(maps.Keys(users)) {
			each = append(each, fmt.Sprintf("%s (%s)", v, strings.Join(users[v], ", ")))
		}
		problems = append(problems, "the modules require each other at different versions: "+strings.Join(each, "; "))
	}
	if len(problems) > 0 {
		return "", errors.New(strings.Join(problems, "\n"))
	}
	if len(users) == 0 {
		return "", errors.New("no module requires another module of the repository")
	}
	for v := range users {
		return v, nil
	}
	panic("unreachable")
}

// ValidVersion reports whether v can name a release: a canonical semantic
// version such as v0.2.0 or v1.0.0-rc.1, with no build metadata.
func ValidVersion(v string) error {
	if !semver.IsValid(v) || semver.Canonical(v) != v {
		return fmt.Errorf("%q is not a release version such as v0.2.0", v)
	}
	return nil
}

// Bump rewrites every go.mod under root that requires another module of
// the repository so that it requires it at version, and returns the files
// it changed, relative to root.
func Bump(root string, mods []Module, version string) ([]string, error) {
	if err := ValidVersion(version); err != nil {
		return nil, err
	}
	var changed []string
	for _, m := range mods {
		rs := m.Requires()
		if len(rs) == 0 {
			continue
		}
		name := filepath.Join(root, m.Dir, "go.mod")
		before, err := os.ReadFile(name)
		if err != nil {
			return changed, err
		}
		f, err := modfile.Parse(name, before, nil)
		if err != nil {
			return changed, err
		}
		for _, r := range rs {
			if err := f.AddRequire(r.Mod.Path, version); err != nil {
				return changed, err
			}
		}
		f.Cleanup()
		after, err := f.Format()
		if err != nil {
			return changed, err
		}
		if string(after) == string(before) {
			continue
		}
		if err := os.WriteFile(name, after, 0o644); err != nil {
			return changed, err
		}
		changed = append(changed, m.Dir+"/go.mod")
	}
	return changed, nil
}
