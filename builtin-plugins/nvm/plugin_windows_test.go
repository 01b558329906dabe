package nvm

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/procman-dev/procman/builtin-plugins/internal/plugintest"
	"github.com/procman-dev/procman/sdk"
	"github.com/procman-dev/procman/sdk/sdktest"
)

// nvm does not run on Windows: the plugin must apply only where it finds
// nvm's layout with the version asked for, and otherwise say no, cleanly.

// A project's .nvmrc on a system without nvm's layout — no HOME and no
// NVM_DIR, or nvm-windows' NVM_HOME, or an NVM_DIR whose versions have no
// node.exe — is not applicable, with no error and no change: on Unix, the
// missing version would be an error (see TestOverProtocol).
func TestWindowsNotApplicableWithoutNvmsLayout(t *testing.T) {
	project := t.TempDir()
	plugintest.WriteFile(t, filepath.Join(project, ".nvmrc"), "20\n")
	nvmWindows := t.TempDir() // nvm-windows: NVM_HOME\v20.20.2\node.exe
	plugintest.WriteFile(t, filepath.Join(nvmWindows, "v20.20.2", "node.exe"), "MZ")
	unixLayout := t.TempDir() // nvm's layout, but node has no .exe
	plugintest.WriteFile(t, filepath.Join(unixLayout, "versions", "node", "v20.20.2", "bin", "node"), "#!/bin/sh\n")

	remote := sdktest.Connect(t, Plugin{})
	for name, vars := range map[string]map[string]string{
		"no HOME, no NVM_DIR": {},
		"nvm-windows":         {"NVM_HOME": nvmWindows, "NVM_SYMLINK": `C:\Program Files\nodejs`},
		"HOME without .nvm":   {"HOME": t.TempDir()},
		"node without .exe":   {"NVM_DIR": unixLayout},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := sdk.ProcessConfig{Command: "node", Dir: project, Env: plugintest.WindowsEnv()}
			for k, v := range vars {
				cfg.Env[k] = v
			}
			for _, p := range []sdk.Plugin{Plugin{}, remote} {
				out, err := sdktest.Apply(context.Background(), p, cfg)
				if err != nil || out.Applicable {
					t.Errorf("Apply = %+v, %v; want not applicable, no error", out, err)
				}
			}
		})
	}
}

// Where nvm's layout is there, with node.exe, the plugin changes Path under
// the spelling the config uses, with ';' between entries, and finds nvm's
// directory under any spelling of HOME: the config stays valid and node
// resolves to the chosen version.
func TestWindowsPathKeepsItsSpelling(t *testing.T) {
	home, project := t.TempDir(), t.TempDir()
	bin := filepath.Join(home, ".nvm", "versions", "node", "v20.20.2", "bin")
	plugintest.WriteFile(t, filepath.Join(bin, "node.exe"), "MZ")
	plugintest.WriteFile(t, filepath.Join(project, ".nvmrc"), "20\n")
	cfg := sdk.ProcessConfig{Command: "node", Dir: project, Env: plugintest.WindowsEnv()}
	cfg.Env["Home"] = home

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
	if env["NVM_BIN"] != bin {
		t.Errorf("NVM_BIN = %q, want %q", env["NVM_BIN"], bin)
	}
	if path, err := out.Config.Resolve(); err != nil || path != filepath.Join(bin, "node.exe") {
		t.Errorf("node resolves to %q (%v), want %s", path, err, filepath.Join(bin, "node.exe"))
	}
}
