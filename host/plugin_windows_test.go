package host_test

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/procman-dev/procman/host"

	"github.com/procman-dev/procman/internal/proctest"
)

// The plugin deadlines of the Windows tests: generous, so that a plugin
// that works meets them under Wine on a loaded machine. A test that needs
// a plugin to miss one uses a plugin that never answers (hang).
const (
	testCallTimeout  = 10 * time.Second
	testStartTimeout = 30 * time.Second
)

// installPlugins makes a directory holding a copy of this test binary
// under each name procman-plugin-NAME.exe: the test plugin NAME.
func installPlugins(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range names {
		if err := copyFile(testBinary, filepath.Join(dir, "procman-plugin-"+name+".exe")); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// pluginManager returns a Manager that discovers the test plugins named,
// and only those, with the tests' deadlines, logging into logs, and the
// plugins' directory.
func pluginManager(t *testing.T, logs *proctest.Buffer, names ...string) (*host.Manager, string) {
	t.Helper()
	dir := installPlugins(t, names...)
	m := winManager(t,
		host.WithPluginSearchPath(dir, ""),
		host.WithPluginCallTimeout(testCallTimeout),
		host.WithPluginStartTimeout(testStartTimeout),
		host.WithLogger(hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Warn})),
	)
	return m, dir
}

// childEnv starts the env role with cfg's changes by the plugins and
// returns the environment its process really got.
func childEnv(t *testing.T, m *host.Manager, marker string) (host.Handle, map[string]string) {
	t.Helper()
	cfg := child(t, marker, "env")
	cfg.LogFile = filepath.Join(cfg.Dir, "env.out")
	h, _ := start(t, m, cfg)
	if st := wait(t, m, h); st.State != host.Exited || st.ExitCode != 0 {
		t.Fatalf("env: %v", st)
	}
	out, err := os.ReadFile(cfg.LogFile)
	if err != nil {
		t.Fatal(err)
	}
	var list []string
	if err := json.Unmarshal(out, &list); err != nil {
		t.Fatalf("env printed %q: %v", out, err)
	}
	env := map[string]string{}
	for _, kv := range list {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return h, env
}

// closeManager closes m and fails the test unless nothing runs from dir
// once it has returned.
func closeManager(t *testing.T, m *host.Manager, dir string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	if err := m.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if pids := findProcesses(inDir(dir)); len(pids) > 0 {
		t.Errorf("plugin processes %v still run after Close", pids)
	}
}

// TestPluginsEnhanceOverTCP: plugin executables, found by discovery as
// procman-plugin-NAME.exe, enhance the config over go-plugin's loopback
// TCP, lowest priority first; they stay running for the next Start and
// end with Close.
func TestPluginsEnhanceOverTCP(t *testing.T) {
	marker := newMarker(t)
	var logs proctest.Buffer
	m, dir := pluginManager(t, &logs, "chain", "chain-p10-b", "chain-p5-a", "skip-p1")
	if pids := findProcesses(inDir(dir)); len(pids) != 0 {
		t.Errorf("plugins started before the first Start: %v", pids)
	}
	h, env := childEnv(t, m, marker)
	if want := "chain-p5-a,chain-p10-b,chain"; env["CHAIN"] != want {
		t.Errorf("CHAIN = %q, want %q\n%s", env["CHAIN"], want, logs.String())
	}
	report, _ := m.Report(h)
	var order []string
	for _, step := range report.Steps {
		order = append(order, step.Plugin)
		if step.Warning != "" || step.Version != "0.0.1-test" {
			t.Errorf("step = %+v, want the plugin's answer", step)
		}
	}
	if got, want := strings.Join(order, " "), "skip-p1 chain-p5-a chain-p10-b chain"; got != want {
		t.Errorf("plugins ran in the order %s, want %s", got, want)
	}
	running := findProcesses(inDir(dir))
	if len(running) != 4 {
		t.Errorf("plugin processes after Start: %v, want four, kept for the next Start", running)
	}
	if _, env := childEnv(t, m, marker); env["CHAIN"] != "chain-p5-a,chain-p10-b,chain" {
		t.Errorf("CHAIN of the second Start = %q", env["CHAIN"])
	}
	if again := findProcesses(inDir(dir)); len(again) != 4 {
		t.Errorf("plugin processes after a second Start: %v, want the same four as %v", again, running)
	}
	closeManager(t, m, dir)
}

// TestMisbehavingPluginCostsOnlyItsChange runs each plugin that crashes
// or hangs ahead of a well-behaved one: the spawn succeeds with the config
// from before the bad plugin, plus the good plugin's change.
func TestMisbehavingPluginCostsOnlyItsChange(t *testing.T) {
	tests := []struct {
		plugin  string
		warning string // a part of the step's warning
	}{
		{"panic", "died during the call"},
		{"exit", "died during the call"},
		{"hang", "no answer within " + testCallTimeout.String()},
	}
	for _, tt := range tests {
		t.Run(tt.plugin, func(t *testing.T) {
			marker := newMarker(t)
			var logs proctest.Buffer
			bad := tt.plugin + "-p1"
			m, dir := pluginManager(t, &logs, bad, "chain-p2-good")
			h, env := childEnv(t, m, marker)
			if env["CHAIN"] != "chain-p2-good" {
				t.Errorf("CHAIN = %q: the chain did not go on from the config before %s", env["CHAIN"], bad)
			}
			report, _ := m.Report(h)
			step, ok := findStep(report, bad)
			if !ok || !strings.Contains(step.Warning, tt.warning) || len(step.Changes) != 0 {
				t.Errorf("step of %s = %+v, want a warning about %q", bad, step, tt.warning)
			}
			if !strings.Contains(logs.String(), "plugin="+bad) {
				t.Errorf("no log line names plugin %s:\n%s", bad, logs.String())
			}
			closeManager(t, m, dir)
		})
	}
}

func findStep(r host.Report, plugin string) (host.PluginStep, bool) {
	for _, step := range r.Steps {
		if step.Plugin == plugin {
			return step, true
		}
	}
	return host.PluginStep{}, false
}

// TestPluginGetsNoHostEnvironment: a plugin's environment is the
// protocol's variables and SYSTEMROOT, which Windows' network stack needs,
// and what the system gives every process (Wine: its WINE* variables);
// nothing else of the host's, and no socket directory.
func TestPluginGetsNoHostEnvironment(t *testing.T) {
	t.Setenv("HOST_SECRET_TOKEN", "s3cr3t-value")
	marker := newMarker(t)
	var logs proctest.Buffer
	m, _ := pluginManager(t, &logs, "env")
	h, env := childEnv(t, m, marker)
	pluginEnv := env["PLUGIN_ENV"]
	if pluginEnv == "" {
		t.Fatalf("the env plugin did not run: %s", logs.String())
	}
	if strings.Contains(pluginEnv, "s3cr3t-value") || strings.Contains(pluginEnv, "HOST_SECRET_TOKEN") {
		t.Errorf("the plugin saw the host's secret:\n%s", pluginEnv)
	}
	// What the child got beyond its config's Env, the system added.
	used, _ := m.Config(h)
	added := map[string]bool{}
	for k := range env {
		if _, ok := used.Env[k]; !ok && !strings.EqualFold(k, "SYSTEMROOT") {
			added[strings.ToUpper(k)] = true
		}
	}
	for _, kv := range strings.Split(pluginEnv, "\n") {
		key, _, _ := strings.Cut(kv, "=")
		switch {
		case key == "PLUGIN_UNIX_SOCKET_DIR":
			t.Errorf("plugin environment holds %q: a plugin on Windows listens on TCP", kv)
		case strings.EqualFold(key, "SYSTEMROOT"), added[strings.ToUpper(key)]:
		case !strings.HasPrefix(key, "PLUGIN_") && !strings.HasPrefix(key, "PROCMAN_PLUGIN"):
			t.Errorf("plugin environment holds %q, want only the protocol's variables, SYSTEMROOT and the system's own", kv)
		}
	}
}

// TestPluginTreeDiesAtItsDeadline: a plugin starts a process, then never
// answers. The program starts without the plugin's change once the call's
// deadline has passed, and the plugin is killed with what it started: its
// job's.
func TestPluginTreeDiesAtItsDeadline(t *testing.T) {
	marker, spawned := newMarker(t), newMarker(t)
	var logs proctest.Buffer
	m, dir := pluginManager(t, &logs, "spawn")
	cfg := child(t, marker, "exit", "0")
	// Split on spaces by the plugin: the test binary's path has none
	// where the tests run.
	cfg.Env["SPAWN"] = strings.Join([]string{testBinary, roleArg, "sleep", "spawned", spawned}, " ")
	seen := make(chan []int, 1)
	go func() {
		end := time.Now().Add(deadline)
		for time.Now().Before(end) {
			if pids := findProcesses(hasArg(spawned)); len(pids) > 0 {
				seen <- pids
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		seen <- nil
	}()
	h, _ := start(t, m, cfg)
	report, _ := m.Report(h)
	if step, ok := findStep(report, "spawn"); !ok || !strings.Contains(step.Warning, "no answer within "+testCallTimeout.String()) {
		t.Fatalf("step of the plugin = %+v, want a missed deadline", step)
	}
	pids := <-seen
	if len(pids) == 0 {
		t.Fatalf("the plugin's process never ran")
	}
	waitFor(t, func() bool { return len(findProcesses(hasArg(spawned))) == 0 })
	waitFor(t, func() bool { return len(findProcesses(inDir(dir))) == 0 })
}

// hasArg says whether arg is in a process's command line.
func hasArg(arg string) func(processInfo) bool {
	return func(p processInfo) bool { return strings.Contains(p.commandLine, arg) }
}
