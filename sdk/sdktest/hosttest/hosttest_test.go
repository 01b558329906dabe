//go:build linux

package hosttest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/procman-dev/procman/internal/proctest"
	"github.com/procman-dev/procman/sdk"
)

// installTestPlugin builds procman's test plugin and installs it as
// procman-plugin-NAME where a host runs plugins from, for the test.
func installTestPlugin(t *testing.T, name string) string {
	t.Helper()
	bin, err := proctest.TestPlugin(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(proctest.InstallPlugins(t, bin, name), "procman-plugin-"+name)
}

func executableCases(t *testing.T) []sdk.ProcessConfig {
	dir := t.TempDir()
	return []sdk.ProcessConfig{
		{Command: "/bin/sh", Args: []string{"-c", "true"}, Dir: dir},
		{Command: "/bin/sh", Dir: dir, Env: map[string]string{"CHAIN": "before"}},
	}
}

func TestRunRunsTheBuiltPluginThroughAHost(t *testing.T) {
	steps := Run(t, installTestPlugin(t, "chain"), executableCases(t))
	for i, want := range []string{"chain", "before,chain"} {
		s := steps[i]
		if !s.Applicable || len(s.Changes) != 1 || s.Changes[0].Field != "Env[CHAIN]" || s.Changes[0].New != want || len(s.Notes) != 1 {
			t.Errorf("case %d: step %+v, want CHAIN=%s and a note", i, s, want)
		}
	}
}

// TestRunReports runs Run on plugins that fail, in a child
// process, since Run fails its test, and checks what it reported.
func TestRunReports(t *testing.T) {
	if kind := os.Getenv("HOSTTEST_CHILD"); kind != "" {
		Run(t, installTestPlugin(t, kind), executableCases(t))
		return
	}
	for kind, want := range map[string]string{
		"dies":   "failed: start: the plugin exited with code 3 before its handshake; its last lines on stderr: reading the configuration | cannot read /etc/plugin.conf: permission denied",
		"dir":    "case 0: the host dropped the plugin's change: result changes Dir, which the host does not let plugins change",
		"error":  `case 0: the host dropped the plugin's change: enhance: N/A: version "v99" is not yet installed`,
		"chatty": "", // passes, its output logged
	} {
		t.Run(kind, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestRunReports$", "-test.v")
			cmd.Env = append(os.Environ(), "HOSTTEST_CHILD="+kind)
			out, err := cmd.CombinedOutput()
			if (err == nil) != (want == "") {
				t.Fatalf("child: %v, want it to fail: %v\n%s", err, want != "", out)
			}
			if want == "" {
				want = "stdout: chatty on stdout"
			}
			if !strings.Contains(string(out), want) {
				t.Errorf("the child's output lacks %q:\n%s", want, out)
			}
		})
	}
}

func TestRunRefusesAMisnamedFile(t *testing.T) {
	if os.Getenv("HOSTTEST_CHILD") == "name" {
		Run(t, "/bin/true", nil)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestRunRefusesAMisnamedFile$", "-test.v")
	cmd.Env = append(os.Environ(), "HOSTTEST_CHILD=name")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "/bin/true is not named procman-plugin-NAME") {
		t.Errorf("child: %v\n%s", err, out)
	}
}
