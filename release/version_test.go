package release

import (
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
)

// goMod parses a go.mod for dir that requires each of reqs ("core v0.1.0").
func goMod(t *testing.T, dir string, reqs ...string) Module {
	t.Helper()
	text := "module " + Prefix + dir + "\n\ngo 1.25.0\n"
	for _, r := range reqs {
		text += "require " + Prefix + r + "\n"
	}
	f, err := modfile.Parse(dir+"/go.mod", []byte(text), nil)
	if err != nil {
		t.Fatal(err)
	}
	return Module{Dir: dir, Path: Prefix + dir, Published: true, File: f}
}

func TestVersion(t *testing.T) {
	for _, tc := range []struct {
		name    string
		reqs    map[string][]string
		want    string
		wantErr []string
	}{
		{"one version", map[string][]string{"gin": {"core v0.1.0"}, "bench": {"core v0.1.0", "gin v0.1.0"}}, "v0.1.0", nil},
		{"placeholder", map[string][]string{"gin": {"core " + Placeholder}, "echo": {"core v0.1.0"}}, "", []string{"gin/go.mod requires " + Prefix + "core at the placeholder"}},
		{"disagree", map[string][]string{"gin": {"core v0.1.0"}, "echo": {"core v0.2.0"}}, "", []string{"v0.1.0 (gin); v0.2.0 (echo)"}},
		{"no requires", map[string][]string{"gin": nil}, "", []string{"no module requires another"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mods := []Module{goMod(t, "core")}
			for dir, reqs := range tc.reqs {
				mods = append(mods, goMod(t, dir, reqs...))
			}
			got, err := Version(mods)
			if got != tc.want {
				t.Errorf("Version = %q, want %q", got, tc.want)
			}
			if (err != nil) != (tc.wantErr != nil) {
				t.Fatalf("Version error = %v, want one containing %q", err, tc.wantErr)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Version error = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestDependencyOrder(t *testing.T) {
	mods, err := inDependencyOrder([]Module{
		goMod(t, "bench", "gin v0.1.0", "core v0.1.0"),
		goMod(t, "gin", "core v0.1.0"),
		goMod(t, "core"),
		goMod(t, "echo", "core v0.1.0"),
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range mods {
		got = append(got, m.Dir)
	}
	if want := "core echo gin bench"; strings.Join(got, " ") != want {
		t.Errorf("order = %q, want %q", got, want)
	}

	if _, err := inDependencyOrder([]Module{goMod(t, "gin", "core v0.1.0")}); err == nil || !strings.Contains(err.Error(), "not in go.work") {
		t.Errorf("a require outside the workspace: %v, want an error", err)
	}
	if _, err := inDependencyOrder([]Module{goMod(t, "gin", "echo v0.1.0"), goMod(t, "echo", "gin v0.1.0")}); err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Errorf("a cycle: %v, want an error", err)
	}
}
