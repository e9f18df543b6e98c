package release

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/modfile"
)

// Prefix starts the path of every module of the repository.
const Prefix = "github.com/sselimit/sselimit/"

// Placeholder is the version the go command writes in a require line for a
// module it only knows through a replace directive. No proxy serves it.
const Placeholder = "v0.0.0-00010101000000-000000000000"

// unpublished are the workspace's modules that are never tagged: programs,
// benchmarks and release tooling, not libraries.
var unpublished = []string{"bench", "examples", "release"}

// A Module is one module of the workspace.
type Module struct {
	Dir       string // relative to the repository's root, slash-separated: "gin"
	Path      string // the module path: "github.com/sselimit/sselimit/gin"
	Published bool   // tagged and served to users
	File      *modfile.File
}

// Requires lists the repository's modules that m requires, with the
// versions its go.mod names.
func (m Module) Requires() []*modfile.Require {
	var rs []*modfile.Require
	for _, r := range m.File.Require {
		if strings.HasPrefix(r.Mod.Path, Prefix) {
			rs = append(rs, r)
		}
	}
	return rs
}

// Load reads root/go.work and the go.mod of every module it uses, and
// returns the modules in dependency order: a module comes after every
// module of the repository it requires.
func Load(root string) ([]Module, error) {
	data, err := os.ReadFile(filepath.Join(root, "go.work"))
	if err != nil {
		return nil, err
	}
	work, err := modfile.ParseWork("go.work", data, nil)
	if err != nil {
		return nil, err
	}
	var mods []Module
	for _, u := range work.Use {
		dir := filepath.ToSlash(filepath.Clean(u.Path))
		name := filepath.Join(root, dir, "go.mod")
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		f, err := modfile.Parse(name, data, nil)
		if err != nil {
			return nil, err
		}
		if f.Module == nil {
			return nil, fmt.Errorf("%s: no module line", name)
		}
		mods = append(mods, Module{
			Dir:       dir,
			Path:      f.Module.Mod.Path,
			Published: !slices.Contains(unpublished, dir),
			File:      f,
		})
	}
	return inDependencyOrder(mods)
}

// inDependencyOrder sorts mods so that each follows the modules it
// requires, by directory name among equals. A require of a module that is
// not in the workspace, or a cycle, is an error.
func inDependencyOrder(mods []Module) ([]Module, error) {
	slices.SortFunc(mods, func(a, b Module) int { return strings.Compare(a.Dir, b.Dir) })
	byPath := make(map[string]bool, len(mods))
	for _, m := range mods {
		byPath[m.Path] = true
	}
	placed := make(map[string]bool, len(mods))
	var sorted []Module
	for len(sorted) < len(mods) {
		progress := false
		for _, m := range mods {
			if placed[m.Path] {
				continue
			}
			ready := true
			for _, r := range m.Requires() {
				if !byPath[r.Mod.Path] {
					return nil, fmt.Errorf("%s/go.mod requires %s, which is not in go.work", m.Dir, r.Mod.Path)
				}
				ready = ready && placed[r.Mod.Path]
			}
			if ready {
				sorted = append(sorted, m)
				placed[m.Path] = true
				progress = true
			}
		}
		if !progress {
			return nil, fmt.Errorf("the modules of go.work require each other in a cycle")
		}
	}
	return sorted, nil
}
