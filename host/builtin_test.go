//go:build linux

package host_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/internal/proctest"
	"github.com/procman-dev/procman/sdk"
)

// pyenvConfig returns a config run from a project whose .python-version
// asks for 3.11.7, with a pyenv root of its own that has it installed,
// and that root.
func pyenvConfig(t *testing.T) (sdk.ProcessConfig, string) {
	t.Helper()
	root := filepath.Join(t.TempDir(), "pyenv")
	project := t.TempDir()
	for path, content := range map[string]string{
		filepath.Join(root, "versions", "3.11.7", "bin", "python"): "#!/bin/sh\n",
		filepath.Join(project, ".python-version"):                  "3.11.7\n",
	} {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return sdk.ProcessConfig{
		Command: "/bin/true",
		Dir:     project,
		Env:     map[string]string{"PATH": "/usr/bin:/bin", "HOME": t.TempDir(), "PYENV_ROOT": root},
	}, root
}

func TestBuiltinPluginsRunInProcess(t *testing.T) {
	cfg, root := pyenvConfig(t)
	ctx := context.Background()

	off := newManager(t)
	if _, report, err := off.Explain(ctx, cfg); err != nil || len(report.Steps) != 0 {
		t.Errorf("without WithBuiltinPlugins: Explain = %+v, %v; want no plugin", report, err)
	}

	m := newManager(t, host.WithBuiltinPlugins(true))
	final, report, err := m.Explain(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	step, ok := findStep(report, "pyenv")
	if !ok || !step.BuiltIn || step.Path != "" || !step.Applicable || step.Warning != "" {
		t.Fatalf("pyenv step = %+v, want the built-in, applied in-process", step)
	}
	want := filepath.Join(root, "versions", "3.11.7", "bin") + ":/usr/bin:/bin"
	if final.Env["PATH"] != want || final.Env["PYENV_VERSION"] != "3.11.7" {
		t.Errorf("PATH=%q PYENV_VERSION=%q, want PATH=%q PYENV_VERSION=3.11.7", final.Env["PATH"], final.Env["PYENV_VERSION"], want)
	}
	for _, name := range []string{"jenv", "nvm"} {
		if step, ok := findStep(report, name); !ok || !step.BuiltIn || step.Applicable {
			t.Errorf("%s step = %+v, want the built-in, not applicable", name, step)
		}
	}
	infos := m.Plugins(ctx)
	if len(infos) != 3 {
		t.Fatalf("Plugins() = %+v, want the three built-ins", infos)
	}
	for _, info := range infos {
		if !info.BuiltIn || info.Path != "" || info.Status != host.PluginOK {
			t.Errorf("Plugins() has %+v, want a built-in that runs", info)
		}
	}

	only := newManager(t, host.WithBuiltinPlugins(true), host.WithOnlyPlugins("nvm"))
	if _, report, _ := only.Explain(ctx, cfg); len(report.Steps) != 1 || report.Steps[0].Plugin != "nvm" {
		t.Errorf("WithOnlyPlugins(nvm): steps %+v, want nvm's alone", report.Steps)
	}
}

// A plugin executable that discovery finds under a built-in's name runs
// instead of the built-in.
func TestPluginExecutableReplacesBuiltin(t *testing.T) {
	cfg, _ := pyenvConfig(t)
	ctx := context.Background()
	dir := proctest.InstallPlugins(t, testplugin, "pyenv")
	m := newManager(t, host.WithBuiltinPlugins(true), host.WithPluginSearchPath(dir, ""),
		host.WithPluginCallTimeout(testCallTimeout), host.WithPluginStartTimeout(testStartTimeout))
	final, report, err := m.Explain(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var pyenvSteps int
	for _, step := range report.Steps {
		if step.Plugin == "pyenv" {
			pyenvSteps++
		}
	}
	step, _ := findStep(report, "pyenv")
	if pyenvSteps != 1 || step.BuiltIn || step.Path != filepath.Join(dir, "procman-plugin-pyenv") {
		t.Fatalf("%d pyenv steps, the first %+v; want one, of the executable", pyenvSteps, step)
	}
	if _, set := final.Env["PYENV_VERSION"]; set {
		t.Errorf("the built-in pyenv ran too: PYENV_VERSION=%q", final.Env["PYENV_VERSION"])
	}
	var shadowed bool
	for _, info := range m.Plugins(ctx) {
		if info.Name == "pyenv" && info.BuiltIn {
			shadowed = info.Status == host.PluginShadowed && strings.Contains(info.Reason, step.Path)
		}
	}
	if !shadowed {
		t.Errorf("Plugins() = %+v, want the built-in pyenv shadowed by %s", m.Plugins(ctx), step.Path)
	}
}

// An error that an in-process plugin returns is its answer, as it is over
// the wire: it costs the change, and never disables the plugin.
func TestInProcessPluginErrorIsItsAnswer(t *testing.T) {
	cfg, _ := pyenvConfig(t)
	m := newManager(t, host.WithPlugin(failing{}))
	for i := range 5 {
		_, report, err := m.Explain(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if len(report.Steps) != 1 || report.Steps[0].Warning != "enhance: version 9 is not installed" {
			t.Fatalf("call %d: steps %+v, want the plugin's own error as the warning", i+1, report.Steps)
		}
	}
}

type failing struct{}

func (failing) Info() sdk.Info { return sdk.Info{Name: "failing", Version: "1"} }

func (failing) Applicable(context.Context, sdk.ProcessConfig) (bool, error) { return true, nil }

func (failing) Enhance(context.Context, sdk.ProcessConfig) (sdk.ProcessConfig, error) {
	return sdk.ProcessConfig{}, errors.New("version 9 is not installed")
}

// An in-process plugin's log lines (sdk.LoggerFrom) join the host's log
// under the plugin's name, instead of going to stderr as the protocol's
// JSON.
func TestInProcessPluginLogsThroughTheHost(t *testing.T) {
	cfg, _ := pyenvConfig(t)
	var logs proctest.Buffer
	m := newManager(t, host.WithPlugin(talker{}),
		host.WithLogger(hclog.New(&hclog.LoggerOptions{Name: "host", Output: &logs, Level: hclog.Warn})))
	if _, _, err := m.Explain(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if got := logs.String(); !strings.Contains(got, "[WARN]  host.talker: about to say nothing: version=9") {
		t.Errorf("host log = %q, want the plugin's warning under its name", got)
	}
}

type talker struct{}

func (talker) Info() sdk.Info { return sdk.Info{Name: "talker", Version: "1"} }

func (talker) Applicable(ctx context.Context, _ sdk.ProcessConfig) (bool, error) {
	sdk.LoggerFrom(ctx).Warn("about to say nothing", "version", 9)
	return false, nil
}

func (talker) Enhance(_ context.Context, cfg sdk.ProcessConfig) (sdk.ProcessConfig, error) {
	return cfg, nil
}
