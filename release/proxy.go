package release

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/zip"
)

// WriteProxy packs every published module, from its directory under root as
// it is now, at version, into dir laid out as a module proxy: the go
// command reads it with GOPROXY=file://dir. Each module gets @v/list,
// @v/<version>.info, .mod and .zip, the files a proxy serves for a tag; as
// the go command does for a module in a subdirectory of a repository, the
// zip of a module without a LICENSE of its own holds the repository's.
// It packs what is there and checks nothing, so a user's build of the
// result fails where a real user's would.
func WriteProxy(dir, root string, mods []Module, version string) error {
	info, err := json.Marshal(struct {
		Version string
		Time    time.Time
	}{version, time.Now().UTC().Truncate(time.Second)})
	if err != nil {
		return err
	}
	for _, m := range mods {
		if !m.Published {
			continue
		}
		escaped, err := module.EscapePath(m.Path)
		if err != nil {
			return err
		}
		at := filepath.Join(dir, filepath.FromSlash(escaped), "@v")
		if err := os.MkdirAll(at, 0o755); err != nil {
			return err
		}
		gomod, err := os.ReadFile(filepath.Join(root, m.Dir, "go.mod"))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(at, "list"), []byte(version+"\n"), 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(at, version+".info"), info, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(at, version+".mod"), gomod, 0o644); err != nil {
			return err
		}
		if err := writeZip(filepath.Join(at, version+".zip"), root, m.Dir, module.Version{Path: m.Path, Version: version}); err != nil {
			return err
		}
	}
	return nil
}

// writeZip writes the module zip of root/dir, with the files and the checks
// the go command applies to a module it downloads, and root's LICENSE if dir
// has none.
func writeZip(name, root, dir string, v module.Version) error {
	src := filepath.Join(root, dir)
	if _, err := os.Stat(filepath.Join(src, "LICENSE")); errors.Is(err, fs.ErrNotExist) {
		license, err := os.ReadFile(filepath.Join(root, "LICENSE"))
		if err != nil {
			return err
		}
		staged, err := os.MkdirTemp("", "sselimit-release-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(staged)
		if err := os.CopyFS(staged, os.DirFS(src)); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(staged, "LICENSE"), license, 0o644); err != nil {
			return err
		}
		src = staged
	}
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := zip.CreateFromDir(f, v, src); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
