package pyenv

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/procman-dev/procman/builtin-plugins/internal/plugintest"
	"github.com/procman-dev/procman/sdk"
	"github.com/procman-dev/procman/sdk/sdktest"
)

// pyenv does not run on Windows: the plugin must apply only where it finds
// pyenv's layout with the versions asked for, and otherwise say no,
// cleanly — pyenv-win's layout above all, which keeps python.exe in
// versions\X, not in versions\X\bin.

// A project's .python-version without pyenv's layout — no HOME and no
// PYENV_ROOT; pyenv-win's root; a root where the version is missing — is
// not applicable, with no error, and explain is told why.
func TestWindowsNotApplicableWithoutPyenvsLayout(t *testing.T) {
	project := t.TempDir()
	plugintest.WriteFile(t, filepath.Join(project, ".python-version"), "3.11\n")
	pyenvWin := t.TempDir() // %USERPROFILE%\.pyenv\pyenv-win
	plugintest.WriteFile(t, filepath.Join(pyenvWin, "versions", "3.11.7", "python.exe"), "MZ")
	plugintest.WriteFile(t, filepath.Join(pyenvWin, "bin", "pyenv.bat"), "@echo off\r\n")
	empty := t.TempDir()
	if err := os.Mkdir(filepath.Join(empty, "versions"), 0o755); err != nil {
		t.Fatal(err)
	}

	remote := sdktest.Connect(t, Plugin{})
	for name, tt := range map[string]struct {
		vars map[string]string
		note string // part of the note; "" for none
	}{
		"no HOME, no PYENV_ROOT": {vars: map[string]string{}},
		"pyenv-win":              {vars: map[string]string{"PYENV_ROOT": pyenvWin, "PYENV": pyenvWin}, note: `versions\3.11.7\bin, which it would put in Path, is not a directory`},
		"version not installed":  {vars: map[string]string{"PYENV_ROOT": empty}, note: "pyenv: version '3.11' is not installed"},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := sdk.ProcessConfig{Command: "python", Dir: project, Env: plugintest.WindowsEnv()}
			for k, v := range tt.vars {
				cfg.Env[k] = v
			}
			for _, p := range []sdk.Plugin{Plugin{}, remote} {
				out, err := sdktest.Apply(context.Background(), p, cfg)
				if err != nil || out.Applicable {
					t.Errorf("Apply = %+v, %v; want not applicable, no error", out, err)
				}
				if tt.note != "" && (len(out.Notes) != 1 || !strings.Contains(out.Notes[0], tt.note)) {
					t.Errorf("notes %q, want one holding %q", out.Notes, tt.note)
				}
			}
		})
	}
}

// Where pyenv's layout is there, the plugin changes Path under the spelling
// the config uses, with ';' between entries, and reads PYENV_ROOT under any
// spelling: the config stays valid and python resolves to the chosen
// version.
func TestWindowsPathKeepsItsSpelling(t *testing.T) {
	root, project := t.TempDir(), t.TempDir()
	bin := filepath.Join(root, "versions", "3.11.7", "bin")
	plugintest.WriteFile(t, filepath.Join(bin, "python.exe"), "MZ")
	plugintest.WriteFile(t, filepath.Join(project, ".python-version"), "3.11\n")
	cfg := sdk.ProcessConfig{Command: "python", Dir: project, Env: plugintest.WindowsEnv()}
	cfg.Env["Pyenv_Root"] = root

	out, err := sdktest.Apply(context.Background(), sdktest.Connect(t, Plugin{}), cfg)
	if err != nil || !out.Applicable {
		t.Fatalf("Apply = %+v, %v; want applicable", out, err)
	}
	env := out.Config.Env
	if want := bin + `;C:\windows\system32;C:\windows`; env["Path"] != want {
		t.Errorf("Path = %q, want %q", env["Path"], want)
	}
	for key := range env {
		if strings.EqualFold(key, "PATH") && key != "Path" {
			t.Errorf("a second spelling of Path: %s", key)
		}
	}
	if env["PYENV_VERSION"] != "3.11.7" {
		t.Errorf("PYENV_VERSION = %q, want 3.11.7", env["PYENV_VERSION"])
	}
	if path, err := out.Config.Resolve(); err != nil || path != filepath.Join(bin, "python.exe") {
		t.Errorf("python resolves to %q (%v), want %s", path, err, filepath.Join(bin, "python.exe"))
	}
}
