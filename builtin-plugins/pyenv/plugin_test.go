//go:build unix

package pyenv

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/procman-dev/procman/sdk"
	"github.com/procman-dev/procman/sdk/sdktest"
)

// newRoot makes a pyenv root in a new directory with the given versions
// installed, each with an executable bin/python and bin/python3, and
// returns it.
func newRoot(t testing.TB, versions ...string) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "pyenv")
	for _, v := range versions {
		bin := filepath.Join(root, "versions", v, "bin")
		if err := os.MkdirAll(bin, 0o755); err != nil {
			t.Fatal(err)
		}
		script := []byte("#!/bin/sh\necho Python " + v + "\n")
		for _, name := range []string{"python", "python3"} {
			if err := os.WriteFile(filepath.Join(bin, name), script, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	return root
}

// newProject makes a directory whose .python-version holds content, and
// returns it.
func newProject(t testing.TB, content string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ".python-version"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestConformance(t *testing.T) {
	root := newRoot(t, "3.11.7", "2.7.18")
	project := newProject(t, "3.11\n2\n")
	env := func(kv ...string) map[string]string {
		m := map[string]string{"PYENV_ROOT": root}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	sdktest.Conformance(t, Plugin{}, []sdk.ProcessConfig{
		// Versions from a .python-version, a bare command found in PATH.
		{Command: "python", Args: []string{"app.py"}, Dir: project, Env: env("PATH", "/usr/bin:/bin", "HOME", "/home/u")},
		// Versions from PYENV_VERSION, and no PATH to start from.
		{Command: "python3", Dir: t.TempDir(), Env: env("PYENV_VERSION", "2:3.11.7")},
		// Not installed: Enhance fails.
		{Command: "/bin/sh", Dir: project, Env: env("PYENV_VERSION", "3.99")},
		// system: not applicable.
		{Command: "/bin/sh", Dir: project, Env: env("PYENV_VERSION", "system")},
		// No pyenv root: not applicable.
		{Command: "/bin/sh", Dir: project, Env: map[string]string{"HOME": t.TempDir()}},
	})
}

// apply runs the plugin behind the real protocol, as procman does.
func apply(t *testing.T, cfg sdk.ProcessConfig) (sdktest.Outcome, error) {
	t.Helper()
	return sdktest.Apply(context.Background(), sdktest.Connect(t, Plugin{}), cfg)
}

func TestEnhanceFromVersionFile(t *testing.T) {
	root := newRoot(t, "3.11.2", "3.11.7", "3.12.1", "2.7.18")
	project := newProject(t, "3.11\n2.7.18\n")
	dir := filepath.Join(project, "src", "pkg")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := sdk.ProcessConfig{
		Command: "python", Args: []string{"app.py"}, Dir: dir,
		Env: map[string]string{"PYENV_ROOT": root, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
	}
	out, err := apply(t, cfg)
	if err != nil || !out.Applicable {
		t.Fatalf("Apply = applicable %t, %v; want applicable, no error", out.Applicable, err)
	}
	bin := func(v string) string { return filepath.Join(root, "versions", v, "bin") }
	wantEnv := map[string]string{
		"PYENV_ROOT":    root,
		"PATH":          bin("3.11.7") + ":" + bin("2.7.18") + ":/usr/bin:/bin",
		"LANG":          "C.UTF-8",
		"PYENV_VERSION": "3.11.7:2.7.18",
	}
	for k, v := range wantEnv {
		if out.Config.Env[k] != v {
			t.Errorf("Env[%s] = %q, want %q", k, out.Config.Env[k], v)
		}
	}
	if len(out.Config.Env) != len(wantEnv) {
		t.Errorf("Env = %q, want %q", out.Config.Env, wantEnv)
	}
	if path, err := out.Config.Resolve(); err != nil || path != filepath.Join(bin("3.11.7"), "python") {
		t.Errorf("python resolves to %q (%v), want the one of 3.11.7", path, err)
	}
	file := filepath.Join(project, ".python-version")
	wantNotes := []string{
		"python 3.11.7 for '3.11', set by " + file,
		"python 2.7.18, set by " + file,
	}
	if !slices.Equal(out.Notes, wantNotes) {
		t.Errorf("notes = %q, want %q", out.Notes, wantNotes)
	}
	if !slices.Equal(out.Config.Args, cfg.Args) || out.Config.Command != cfg.Command || out.Config.Dir != cfg.Dir {
		t.Errorf("result %+v changes more than Env", out.Config)
	}
}

func TestEnhanceReportsVersionNotInstalled(t *testing.T) {
	root := newRoot(t, "3.11.7")
	project := newProject(t, "3.99\n")
	out, err := apply(t, sdk.ProcessConfig{
		Command: "python", Dir: project, Env: map[string]string{"PYENV_ROOT": root, "PATH": "/usr/bin"},
	})
	want := "enhance: pyenv: version '3.99' is not installed (set by " + filepath.Join(project, ".python-version") + ")"
	var pluginErr *sdk.PluginError
	if !errors.As(err, &pluginErr) || pluginErr.Message != want {
		t.Fatalf("Apply = %+v, %v; want the plugin's error %q", out, err, want)
	}
}

func TestEnhanceUsesTheInstalledVersionsOfAList(t *testing.T) {
	root := newRoot(t, "3.12.1")
	out, err := apply(t, sdk.ProcessConfig{
		Command: "python", Dir: t.TempDir(),
		Env: map[string]string{"PYENV_ROOT": root, "PYENV_VERSION": "3.99:3.12", "PATH": "/bin"},
	})
	if err != nil || !out.Applicable {
		t.Fatalf("Apply = applicable %t, %v; want applicable, no error", out.Applicable, err)
	}
	if got, want := out.Config.Env["PYENV_VERSION"], "3.12.1"; got != want {
		t.Errorf("PYENV_VERSION = %q, want %q", got, want)
	}
	want := "pyenv: version '3.99' is not installed (set by PYENV_VERSION environment variable): using the other versions"
	if !slices.Contains(out.Notes, want) {
		t.Errorf("notes = %q, want one that says %q", out.Notes, want)
	}
}

// A version file or PYENV_VERSION cannot give the process a PATH entry
// outside $PYENV_ROOT/versions: such entries are refused, with pyenv's
// warning, whether other entries are left or not.
func TestRefusesEntriesOutsideVersions(t *testing.T) {
	root := newRoot(t, "3.11.7")
	if err := os.MkdirAll(filepath.Join(root, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, file, pyenvVersion string
		wantPath                 string // "" when not applicable
		wantNote                 string // "FILE" stands for the version file
	}{
		{
			name: "only a way out", file: "../../..\n",
			wantNote: "pyenv: invalid version '../../..' ignored in 'FILE'",
		},
		{
			name: "'..' after a ':'", file: "3.11:..\n",
			wantPath: filepath.Join(root, "versions", "3.11.7", "bin") + ":/usr/bin",
			wantNote: "pyenv: invalid version '..' ignored in 'FILE'",
		},
		{
			name: "PYENV_VERSION", pyenvVersion: "..",
			wantNote: "pyenv: invalid version '..' ignored (set by PYENV_VERSION environment variable)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			project := newProject(t, tt.file)
			env := map[string]string{"PYENV_ROOT": root, "PATH": "/usr/bin"}
			if tt.pyenvVersion != "" {
				env["PYENV_VERSION"] = tt.pyenvVersion
			}
			out, err := apply(t, sdk.ProcessConfig{Command: "python", Dir: project, Env: env})
			if err != nil || out.Applicable != (tt.wantPath != "") {
				t.Fatalf("Apply = applicable %t, %v; want applicable %t, no error", out.Applicable, err, tt.wantPath != "")
			}
			if out.Applicable && out.Config.Env["PATH"] != tt.wantPath {
				t.Errorf("PATH = %q, want %q", out.Config.Env["PATH"], tt.wantPath)
			}
			want := strings.ReplaceAll(tt.wantNote, "FILE", filepath.Join(project, ".python-version"))
			if !slices.Contains(out.Notes, want) {
				t.Errorf("notes = %q, want one that says %q", out.Notes, want)
			}
		})
	}
}

func TestNotApplicable(t *testing.T) {
	root := newRoot(t, "3.11.7")
	tests := []struct {
		name string
		env  map[string]string
	}{
		{"no pyenv root", map[string]string{"HOME": t.TempDir(), "PYENV_VERSION": "3.11.7"}},
		{"system selected", map[string]string{"PYENV_ROOT": root, "PYENV_VERSION": "system"}},
		{"nothing selected", map[string]string{"PYENV_ROOT": root}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := apply(t, sdk.ProcessConfig{Command: "/bin/sh", Dir: t.TempDir(), Env: tt.env})
			if err != nil || out.Applicable {
				t.Errorf("Apply = applicable %t, %v; want not applicable", out.Applicable, err)
			}
		})
	}
}

// TestIgnoresOwnEnvironment gives the plugin's own process a pyenv
// selection of its own, which must make no difference.
func TestIgnoresOwnEnvironment(t *testing.T) {
	root := newRoot(t, "3.11.7", "2.7.18")
	t.Setenv("PYENV_ROOT", root)
	t.Setenv("PYENV_VERSION", "2.7.18")
	t.Chdir(newProject(t, "2.7.18\n"))

	cfg := sdk.ProcessConfig{Command: "python", Dir: newProject(t, "3.11.7\n"), Env: map[string]string{"PYENV_ROOT": root}}
	out, err := Plugin{}.Enhance(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := out.Env["PYENV_VERSION"]; got != "3.11.7" {
		t.Errorf("PYENV_VERSION = %q, want 3.11.7, from the config's directory alone", got)
	}
	ok, err := Plugin{}.Applicable(context.Background(), sdk.ProcessConfig{Command: "python", Dir: t.TempDir()})
	if ok || err != nil {
		t.Errorf("Applicable = %t, %v for a config without PYENV_ROOT or HOME: want false, the plugin's own PYENV_ROOT does not count", ok, err)
	}
	// The plugin's working directory has a .python-version: a relative Dir
	// must not be read against it.
	ok, err = Plugin{}.Applicable(context.Background(), sdk.ProcessConfig{Command: "python", Dir: ".", Env: map[string]string{"PYENV_ROOT": root}})
	if err == nil {
		t.Errorf("Applicable = %t for a relative Dir, want an error", ok)
	}
}

// BenchmarkEnhance measures Enhance for a directory ten levels below its
// .python-version, with the file system cache warm: directly, and through
// the real protocol, where Apply (Applicable and Enhance in one round trip, as
// a host does) is what a spawn costs.
func BenchmarkEnhance(b *testing.B) {
	root := newRoot(b, "3.10.13", "3.11.2", "3.11.7", "3.12.1", "3.13.0")
	project := newProject(b, "3.11\n")
	dir := filepath.Join(project, strings.Repeat("sub/", 10))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	cfg := sdk.ProcessConfig{
		Command: "python", Args: []string{"app.py"}, Dir: dir,
		Env: map[string]string{"PYENV_ROOT": root, "PATH": "/usr/bin:/bin", "HOME": "/home/u"},
	}
	ctx := context.Background()
	check := func(b *testing.B, out sdk.ProcessConfig, err error) {
		if err != nil || out.Env["PYENV_VERSION"] != "3.11.7" {
			b.Fatalf("Enhance = PYENV_VERSION %q, %v; want 3.11.7", out.Env["PYENV_VERSION"], err)
		}
	}

	b.Run("direct", func(b *testing.B) {
		for b.Loop() {
			out, err := Plugin{}.Enhance(ctx, cfg)
			check(b, out, err)
		}
	})
	b.Run("protocol", func(b *testing.B) {
		remote := sdktest.Connect(b, Plugin{})
		for b.Loop() {
			out, err := remote.Enhance(ctx, cfg)
			check(b, out, err)
		}
	})
	b.Run("protocol-apply", func(b *testing.B) {
		remote := sdktest.Connect(b, Plugin{})
		for b.Loop() {
			out, err := sdktest.Apply(ctx, remote, cfg)
			check(b, out.Config, err)
		}
	})
}
