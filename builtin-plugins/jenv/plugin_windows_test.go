package jenv

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/procman-dev/procman/builtin-plugins/internal/plugintest"
	"github.com/procman-dev/procman/sdk"
	"github.com/procman-dev/procman/sdk/sdktest"
)

// jenv does not run on Windows: the plugin must apply only where it finds
// jenv's layout with the version asked for, and otherwise say no, cleanly.

// A project's .java-version, or a JENV_VERSION, without jenv's layout is
// not applicable, with no error: on Unix, the missing version would be an
// error (see TestApply).
func TestWindowsNotApplicableWithoutJenvsLayout(t *testing.T) {
	project := t.TempDir()
	plugintest.WriteFile(t, filepath.Join(project, ".java-version"), "17\n")
	remote := sdktest.Connect(t, Plugin{})
	for name, vars := range map[string]map[string]string{
		"no HOME, no JENV_ROOT":    {},
		"HOME without .jenv":       {"HOME": t.TempDir()},
		"JENV_VERSION, no version": {"JENV_ROOT": t.TempDir(), "JENV_VERSION": "21"},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := sdk.ProcessConfig{Command: "java", Dir: project, Env: plugintest.WindowsEnv()}
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

// Where jenv's layout is there, the plugin changes Path under the spelling
// the config uses, with ';' between entries, and JAVA_HOME under the
// spelling the config has for it: the config stays valid and java
// resolves to the chosen version.
func TestWindowsPathKeepsItsSpelling(t *testing.T) {
	root, project := t.TempDir(), t.TempDir()
	home := filepath.Join(root, "versions", "17")
	plugintest.WriteFile(t, filepath.Join(home, "bin", "java.exe"), "MZ")
	plugintest.WriteFile(t, filepath.Join(home, "bin", "javac.exe"), "MZ")
	plugintest.WriteFile(t, filepath.Join(project, ".java-version"), "17\n")
	cfg := sdk.ProcessConfig{Command: "java", Dir: project, Env: plugintest.WindowsEnv()}
	cfg.Env["Jenv_Root"] = root
	cfg.Env["Java_Home"] = `C:\Program Files\Java\jdk-21`

	out, err := sdktest.Apply(context.Background(), sdktest.Connect(t, Plugin{}), cfg)
	if err != nil || !out.Applicable {
		t.Fatalf("Apply = %+v, %v; want applicable", out, err)
	}
	env := out.Config.Env
	bin := filepath.Join(home, "bin")
	if want := bin + `;C:\windows\system32;C:\windows`; env["Path"] != want {
		t.Errorf("Path = %q, want %q", env["Path"], want)
	}
	if env["Java_Home"] != home {
		t.Errorf("Java_Home = %q, want %q", env["Java_Home"], home)
	}
	for key := range env {
		if (strings.EqualFold(key, "PATH") && key != "Path") || (strings.EqualFold(key, "JAVA_HOME") && key != "Java_Home") {
			t.Errorf("a second spelling: %s", key)
		}
	}
	if path, err := out.Config.Resolve(); err != nil || path != filepath.Join(bin, "java.exe") {
		t.Errorf("java resolves to %q (%v), want %s", path, err, filepath.Join(bin, "java.exe"))
	}
}
