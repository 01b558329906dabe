//go:build linux

package host_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/internal/proctest"
	"github.com/procman-dev/procman/platform"
	"github.com/procman-dev/procman/reaper"
)

// TestPluginCheckedAtEachLaunch makes a running plugin's file writable by
// its group, then kills the plugin: the next launch checks the file again
// and refuses it, with the reason.
func TestPluginCheckedAtEachLaunch(t *testing.T) {
	marker := proctest.Marker(t)
	var logs proctest.Buffer
	m, dir := pluginManager(t, &logs, "chain")
	if _, env := childEnv(t, m, child(t, marker, "sleep")); env["CHAIN"] != "chain" {
		t.Fatalf("env = %v, want CHAIN=chain from the plugin", env)
	}
	exe, err := filepath.EvalSymlinks(filepath.Join(dir, "procman-plugin-chain"))
	if err != nil {
		t.Fatal(err)
	}
	pids := proctest.FindExe(exe)
	if len(pids) != 1 {
		t.Fatalf("plugin processes %v, want one", pids)
	}
	if err := os.Chmod(exe, 0o775); err != nil {
		t.Fatal(err)
	}
	syscall.Kill(pids[0], syscall.SIGKILL)
	waitFor(t, func() bool {
		_, err := os.Stat("/proc/" + strconv.Itoa(pids[0]))
		return err != nil
	})

	// The first Start may still meet the killed process (a failed call);
	// the next launches the plugin again, or would.
	want := fmt.Sprintf("start: plugin %q refused: file is writable by others (mode -rwxrwxr-x)", exe)
	var warnings []string
	for range 2 {
		h, env := childEnv(t, m, child(t, marker, "sleep"))
		if env["CHAIN"] != "" {
			t.Fatalf("env = %v: the group-writable plugin ran", env)
		}
		report, _ := m.Report(h)
		warnings = append(warnings, report.Warnings()...)
		if strings.Contains(strings.Join(warnings, "\n"), want) {
			break
		}
	}
	if !strings.Contains(strings.Join(warnings, "\n"), want) {
		t.Errorf("warnings %q, want one holding %q", warnings, want)
	}
	if pids := proctest.FindExe(exe); len(pids) != 0 {
		t.Errorf("the refused plugin runs: %v", pids)
	}
}

// TestPluginSocketDirNameTaken takes, as another user, every name the
// socket directory of a Manager of this process could once have had: the
// Manager's plugins run all the same.
func TestPluginSocketDirNameTaken(t *testing.T) {
	marker := proctest.Marker(t)
	var logs proctest.Buffer
	m, _ := pluginManager(t, &logs, "chain")
	cfg := child(t, marker, "sleep")
	tmp := proctest.ShortTempDir(t)
	t.Setenv("TMPDIR", tmp)
	self, err := platform.HostName()
	if err != nil {
		t.Fatal(err)
	}
	// The names were procman-<host>-p<N>, N counting the Managers of the
	// process that made one.
	for n := 1; n <= 1000; n++ {
		dir := filepath.Join(tmp, fmt.Sprintf("procman-%s-p%d", self, n))
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if os.Geteuid() == 0 {
			if err := os.Chown(dir, 65534, 65534); err != nil {
				t.Fatal(err)
			}
		}
	}
	h, env := childEnv(t, m, cfg)
	if env["CHAIN"] != "chain" {
		t.Errorf("env = %v, want CHAIN=chain from the plugin; logs:\n%s", env, logs.String())
	}
	if report, _ := m.Report(h); len(report.Warnings()) != 0 {
		t.Errorf("warnings %q, want none", report.Warnings())
	}
	ours, _ := filepath.Glob(filepath.Join(tmp, "procman-"+self+"-[0-9]*"))
	if len(ours) != 1 {
		t.Errorf("socket directories %q, want one named procman-%s-<random>", ours, self)
	}
}

// TestPluginSocketDirFailureIsAWarning gives the Manager a TMPDIR in which
// no directory can be made: its plugin executables cannot run, which it
// says in a warning, in the report of each Start and in Plugins.
func TestPluginSocketDirFailureIsAWarning(t *testing.T) {
	marker := proctest.Marker(t)
	var logs proctest.Buffer
	m, _ := pluginManager(t, &logs, "chain")
	cfg := child(t, marker, "sleep")
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", notDir)

	h, env := childEnv(t, m, cfg)
	if env["CHAIN"] != "" {
		t.Errorf("env = %v: the plugin ran without a socket directory", env)
	}
	if !regexp.MustCompile(`\[WARN\] +cannot make a directory for plugin sockets: no plugin executable can run: error=.*not a directory`).MatchString(logs.String()) {
		t.Errorf("logs hold no warning that the socket directory could not be made:\n%s", logs.String())
	}
	const want = "plugin chain: no directory for its socket: "
	if report, _ := m.Report(h); len(report.Warnings()) != 1 || !strings.HasPrefix(report.Warnings()[0], want) {
		t.Errorf("warnings %q, want one starting %q", report.Warnings(), want)
	}
	infos := m.Plugins(context.Background())
	if len(infos) != 1 || infos[0].Status != host.PluginFailed || !strings.HasPrefix(infos[0].Reason, "no directory for its socket: ") {
		t.Errorf("Plugins = %+v, want chain failed, for want of a socket directory", infos)
	}
}

// TestSocketDirOfAKilledHostIsSwept kills a host whose reaper is stopped,
// then that reaper: the host's socket directory is left, and the sweep of
// the next reaper recognises it by its name and removes it.
func TestSocketDirOfAKilledHostIsSwept(t *testing.T) {
	pluginDir := proctest.InstallPlugins(t, testplugin, "chain")
	marker := proctest.Marker(t)
	tmp := proctest.ShortTempDir(t)
	cmd := exec.Command(testembed, "1s", testchild, "exit 0")
	cmd.Env = append(os.Environ(), "PROCMAN_MARKER="+marker, "PROCMAN_PLUGIN_PATH="+pluginDir, "TMPDIR="+tmp)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	if line, _ := bufio.NewReader(out).ReadString('\n'); !strings.HasPrefix(line, "ready ") {
		t.Fatalf("embedder said %q, want ready", line)
	}
	name := "procman-" + proctest.HostName(t, cmd.Process.Pid) + "-"
	dirs, _ := filepath.Glob(filepath.Join(tmp, name+"*"))
	if len(dirs) != 1 || !regexp.MustCompile(`^[0-9]+$`).MatchString(strings.TrimPrefix(filepath.Base(dirs[0]), name)) {
		t.Fatalf("socket directories %q, want one named %s<random digits>", dirs, name)
	}

	// Stopped, the host's reaper removes nothing when the host dies.
	guard := reaperOf(t, cmd.Process.Pid, 0)
	syscall.Kill(guard, syscall.SIGSTOP)
	cmd.Process.Kill()
	cmd.Wait()
	syscall.Kill(guard, syscall.SIGKILL)
	waitFor(t, func() bool { return len(proctest.FindExe(filepath.Join(pluginDir, "procman-plugin-chain"))) == 0 })
	waitFor(t, func() bool { return proctest.State(guard) == 0 || proctest.State(guard) == 'Z' })
	if _, err := os.Stat(dirs[0]); err != nil {
		t.Fatalf("the socket directory is gone before the sweep: %v", err)
	}

	sweeper, err := reaper.Start(reaper.Options{SweepDirPrefixes: []string{filepath.Join(tmp, "procman-")}})
	if err != nil {
		t.Fatal(err)
	}
	sweeper.Close()
	if _, err := os.Stat(dirs[0]); err == nil {
		t.Errorf("%s, left by a dead host, was not swept", dirs[0])
	}
}
