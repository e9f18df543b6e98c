package release

import (
	"archive/zip"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

func TestWriteProxyServesEachPublishedModule(t *testing.T) {
	mods, version := loadRepository(t, "..")
	dir := t.TempDir()
	if err := WriteProxy(dir, "..", mods, version); err != nil {
		t.Fatal(err)
	}
	for _, m := range mods {
		at := filepath.Join(dir, filepath.FromSlash(m.Path), "@v")
		if !m.Published {
			if _, err := os.Stat(at); err == nil {
				t.Errorf("%s is served, but it is not published", m.Path)
			}
			continue
		}
		if got := read(t, filepath.Join(at, "list")); got != version+"\n" {
			t.Errorf("%s list = %q, want %q", m.Path, got, version+"\n")
		}
		var info struct{ Version string }
		if err := json.Unmarshal([]byte(read(t, filepath.Join(at, version+".info"))), &info); err != nil || info.Version != version {
			t.Errorf("%s info: version %q, %v; want %q", m.Path, info.Version, err, version)
		}
		if got, want := read(t, filepath.Join(at, version+".mod")), read(t, filepath.Join("..", m.Dir, "go.mod")); got != want {
			t.Errorf("%s .mod differs from %s/go.mod", m.Path, m.Dir)
		}
		v := module.Version{Path: m.Path, Version: version}
		zipFile := filepath.Join(at, version+".zip")
		if _, err := modzip.CheckZip(v, zipFile); err != nil {
			t.Errorf("%s zip: %v", m.Path, err)
		}
		z, err := zip.OpenReader(zipFile)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, f := range z.File {
			names = append(names, f.Name)
		}
		z.Close()
		for _, want := range []string{"go.mod", "LICENSE"} {
			if !slices.Contains(names, v.String()+"/"+want) {
				t.Errorf("%s zip has no %s; it has %q", m.Path, want, names)
			}
		}
	}
}

func read(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
