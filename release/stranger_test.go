package release

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The stranger program imports these modules itself; every other published
// module gets a blank import, so that each one is fetched and compiled.
var strangerImports = []string{"core", "echo", "fiber", "gin", "prometheus"}

// A stranger is a module outside the repository that uses the published
// modules at one version, fetched through a module proxy laid out on disk
// from a repository's working tree.
type stranger struct {
	dir string   // the stranger's module
	env []string // the go command's environment for it
	log strings.Builder
}

// newStranger packs root's published modules at version into a proxy
// directory and writes a fresh module that requires them: the program of
// testdata/stranger plus a blank import of every other published module.
// The go command reads the proxy first and then, for third-party modules,
// the local module cache and the usual proxy; it checks the repository's
// modules against no checksum database, since no public one knows them.
// Its own module cache is a fresh one, so no earlier run's copy of a
// module stands in for the one packed now; it builds with -trimpath, so
// that the build cache knows third-party packages by module version, not
// by that cache's directory, and a later run compiles only what changed.
func newStranger(t *testing.T, root string, mods []Module, version string) *stranger {
	t.Helper()
	proxy := t.TempDir()
	if err := WriteProxy(proxy, root, mods, version); err != nil {
		t.Fatal(err)
	}
	s := &stranger{dir: t.TempDir()}
	s.env = append(os.Environ(),
		"GOWORK=off",
		"GOFLAGS="+strings.TrimSpace(goEnv(t, "GOFLAGS")+" -mod=mod -modcacherw -trimpath"),
		"GOPROXY="+strings.Join(append([]string{
			"file://" + filepath.ToSlash(proxy),
			"file://" + filepath.ToSlash(goEnv(t, "GOMODCACHE")) + "/cache/download",
		}, proxies(goEnv(t, "GOPROXY"))...), ","),
		"GONOSUMDB="+strings.TrimSuffix(Prefix, "/"),
		"GOMODCACHE="+t.TempDir(),
	)
	main, err := os.ReadFile(filepath.Join("testdata", "stranger", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	var blank strings.Builder
	blank.WriteString("package main\n\nimport (\n")
	var sums []byte
	for _, m := range mods {
		if !m.Published {
			continue
		}
		if !slices.Contains(strangerImports, m.Dir) {
			fmt.Fprintf(&blank, "\t_ %q\n", m.Path)
		}
		// The checksums the repository already verified, so that the go
		// command asks the checksum database about no module it knows.
		if sum, err := os.ReadFile(filepath.Join(root, m.Dir, "go.sum")); err == nil {
			sums = append(sums, sum...)
		}
	}
	blank.WriteString(")\n")
	files := map[string]string{
		"go.mod":       "module example.com/stranger\n\ngo 1.25.0\n",
		"go.sum":       string(sums),
		"main.go":      string(main),
		"published.go": blank.String(),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(s.dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// proxies returns the proxy URLs of a GOPROXY value, without "direct" and
// "off": the stranger's build reads modules from proxies only, never from
// version control.
func proxies(goproxy string) []string {
	var urls []string
	for _, p := range strings.FieldsFunc(goproxy, func(r rune) bool { return r == ',' || r == '|' }) {
		if p != "direct" && p != "off" {
			urls = append(urls, p)
		}
	}
	return urls
}

func goEnv(t *testing.T, name string) string {
	t.Helper()
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		t.Fatalf("go env %s: %v", name, err)
	}
	return strings.TrimSpace(string(out))
}

// build does what a user does: in a module of its own, go get each
// published module alone at version, the way its README says; then, in
// the stranger's module, go get them all, go mod tidy, go vet and go build.
// It returns the program's path, or the first failing command's error;
// s.log has every command's output.
func (s *stranger) build(mods []Module, version string) (string, error) {
	all := []string{"get"}
	for _, m := range mods {
		if !m.Published {
			continue
		}
		all = append(all, m.Path+"@"+version)
		alone := filepath.Join(s.dir, "alone", m.Dir)
		if err := os.MkdirAll(alone, 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(alone, "go.mod"), []byte("module example.com/alone\n\ngo 1.25.0\n"), 0o644); err != nil {
			return "", err
		}
		if err := s.goCommand(alone, "get", m.Path+"@"+version); err != nil {
			return "", err
		}
	}
	bin := filepath.Join(s.dir, "stranger")
	for _, args := range [][]string{all, {"mod", "tidy"}, {"vet", "."}, {"build", "-o", bin, "."}} {
		if err := s.goCommand(s.dir, args...); err != nil {
			return "", err
		}
	}
	return bin, nil
}

func (s *stranger) goCommand(dir string, args ...string) error {
	cmd := exec.Command("go", args...)
	cmd.Dir, cmd.Env = dir, s.env
	start := time.Now()
	out, err := cmd.CombinedOutput()
	fmt.Fprintf(&s.log, "$ go %s (%v)\n%s", strings.Join(args, " "), time.Since(start).Round(time.Millisecond), out)
	if err != nil {
		return fmt.Errorf("go %s: %v", strings.Join(args, " "), err)
	}
	return nil
}
