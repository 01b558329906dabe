//go:build unix

package pyenv

import (
	"context"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/procman-dev/procman/builtin-plugins/internal/plugintest"
	"github.com/procman-dev/procman/sdk"
	"github.com/procman-dev/procman/sdk/sdktest"
)

// On macOS pyenv is most often Homebrew's: the pyenv program is
// /opt/homebrew/bin/pyenv, a link into Homebrew's Cellar, and PYENV_ROOT,
// unless set, is ~/.pyenv as for any pyenv, with the Pythons under
// versions/. The test below builds that layout under a temporary root,
// with /opt/homebrew and /Users/me moved into it and Homebrew's links:
// the Cellar's pyenv is the real pyenv of the project's machines
// (/root/.pyenv, 2.6.30), and the versions are links to its real
// Pythons. The real pyenv, run in the same layout, says what the plugin
// must choose.

// homebrewPyenv is a Homebrew install of pyenv and a home whose pyenv
// root has Pythons 3.12.1 and 3.11.7, 3.11 being the global version.
type homebrewPyenv struct {
	pyenv   string // ROOT/opt/homebrew/bin/pyenv
	home    string // ROOT/Users/me
	root    string // ROOT/Users/me/.pyenv
	project string // ROOT/Users/me/src/app: .python-version says 3.12
}

func newHomebrewPyenv(t *testing.T) homebrewPyenv {
	t.Helper()
	const real = "/root/.pyenv" // the project's machines' pyenv and Pythons
	plugintest.RealProgram(t, filepath.Join(real, "libexec", "pyenv"))
	base := t.TempDir()
	prefix := filepath.Join(base, "opt", "homebrew")
	h := homebrewPyenv{
		pyenv: filepath.Join(prefix, "bin", "pyenv"),
		home:  filepath.Join(base, "Users", "me"),
	}
	h.root = filepath.Join(h.home, ".pyenv")
	h.project = filepath.Join(h.home, "src", "app")

	plugintest.Symlink(t, real, filepath.Join(prefix, "Cellar", "pyenv", "2.6.30"))
	plugintest.Symlink(t, "../Cellar/pyenv/2.6.30", filepath.Join(prefix, "opt", "pyenv"))
	plugintest.Symlink(t, "../Cellar/pyenv/2.6.30/bin/pyenv", h.pyenv)
	for _, v := range []string{"3.12.1", "3.11.7"} {
		plugintest.RealProgram(t, filepath.Join(real, "versions", v, "bin", "python"))
		plugintest.Symlink(t, filepath.Join(real, "versions", v), filepath.Join(h.root, "versions", v))
	}
	if err := os.MkdirAll(filepath.Join(h.root, "shims"), 0o755); err != nil {
		t.Fatal(err)
	}
	plugintest.WriteFile(t, filepath.Join(h.root, "version"), "3.11\n")
	plugintest.WriteFile(t, filepath.Join(h.project, ".python-version"), "3.12\n")
	return h
}

// pyenvSays runs the Homebrew pyenv of h with args, in dir with env, and
// returns what it prints.
func (h homebrewPyenv) pyenvSays(t *testing.T, dir string, env map[string]string, args ...string) string {
	t.Helper()
	cmd := exec.Command(h.pyenv, args...)
	cmd.Dir = dir
	cmd.Env = []string{"LC_ALL=C"}
	for key, value := range env {
		cmd.Env = append(cmd.Env, key+"="+value)
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pyenv %s: %v", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out))
}

// TestHomebrewLayout checks that, in Homebrew's layout with HOME alone
// naming pyenv's root, the plugin selects what Homebrew's pyenv selects —
// the project's .python-version, else the global version — and that
// "python" resolves to the program "pyenv which python" names, which runs
// as that version; and that a global "system" leaves the process alone,
// as pyenv does.
func TestHomebrewLayout(t *testing.T) {
	h := newHomebrewPyenv(t)
	// PATH as macOS's path_helper and "brew shellenv" leave it.
	macPath := filepath.Dir(h.pyenv) + ":/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
	remote := sdktest.Connect(t, Plugin{})
	tests := []struct {
		name, dir, version string
	}{
		{"the project's .python-version", h.project, "3.12.1"},
		{"the global version", h.home, "3.11.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := sdk.ProcessConfig{
				Command: "python",
				Args:    []string{"-c", "import sys; print(sys.version.split()[0])"},
				Dir:     tt.dir,
				Env:     map[string]string{"HOME": h.home, "PATH": macPath},
			}
			if got := h.pyenvSays(t, tt.dir, cfg.Env, "version-name"); got != tt.version {
				t.Fatalf("Homebrew's pyenv selects %q, the test expects %q", got, tt.version)
			}
			out, err := sdktest.Apply(context.Background(), remote, cfg)
			if err != nil || !out.Applicable {
				t.Fatalf("Apply = %+v, %v; want applicable", out, err)
			}
			bin := filepath.Join(h.root, "versions", tt.version, "bin")
			want := maps.Clone(cfg.Env)
			want["PATH"] = bin + ":" + macPath
			want["PYENV_VERSION"] = tt.version
			if !maps.Equal(out.Config.Env, want) {
				t.Errorf("env\n%v\nwant\n%v", out.Config.Env, want)
			}
			path, err := out.Config.Resolve()
			if which := h.pyenvSays(t, tt.dir, cfg.Env, "which", "python"); err != nil || path != which {
				t.Errorf("python resolves to %q (%v), pyenv which python says %q", path, err, which)
			}
			if got := strings.TrimSpace(plugintest.Run(t, out.Config)); got != tt.version {
				t.Errorf("python says it is %q, want %q", got, tt.version)
			}
		})
	}
	t.Run("global system", func(t *testing.T) {
		plugintest.WriteFile(t, filepath.Join(h.root, "version"), "system\n")
		cfg := sdk.ProcessConfig{Command: "python3", Dir: h.home, Env: map[string]string{"HOME": h.home, "PATH": macPath}}
		if got := h.pyenvSays(t, h.home, cfg.Env, "version-name"); got != "system" {
			t.Fatalf("Homebrew's pyenv selects %q, the test expects system", got)
		}
		out, err := sdktest.Apply(context.Background(), remote, cfg)
		if err != nil || out.Applicable || len(out.Notes) > 0 {
			t.Errorf("Apply = %+v, %v; want not applicable, without a note", out, err)
		}
	})
}
