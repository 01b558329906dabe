//go:build linux

package host_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/internal/proctest"
	"github.com/procman-dev/procman/sdk"
)

// The plugin deadlines of the tests: generous, so that a plugin that
// works meets them on a machine as loaded as can be. A test that needs a
// plugin to miss one uses a plugin that never answers (hang), or that
// starts only after 30 seconds (slow).
const (
	testCallTimeout  = 10 * time.Second
	testStartTimeout = 10 * time.Second
)

// pluginManager returns a Manager that discovers the test plugins named,
// and only those, with the tests' deadlines, logging into logs.
func pluginManager(t *testing.T, logs *proctest.Buffer, names ...string) (*host.Manager, string) {
	t.Helper()
	dir := proctest.InstallPlugins(t, testplugin, names...)
	m := newManager(t,
		host.WithPluginSearchPath(dir, ""),
		host.WithPluginCallTimeout(testCallTimeout),
		host.WithPluginStartTimeout(testStartTimeout),
		host.WithLogger(hclog.New(&hclog.LoggerOptions{Output: logs, Level: hclog.Warn})),
	)
	return m, dir
}

// childEnv starts cfg and returns the environment its process really got.
func childEnv(t *testing.T, m *host.Manager, cfg sdk.ProcessConfig) (host.Handle, map[string]string) {
	t.Helper()
	h, st := start(t, m, cfg)
	env := map[string]string{}
	for _, kv := range strings.Split(string(proctest.ReadProc(t, st.PID, "environ")), "\x00") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return h, env
}

func TestPluginsRunByPriorityThenName(t *testing.T) {
	marker := proctest.Marker(t)
	var logs proctest.Buffer
	m, dir := pluginManager(t, &logs, "chain", "chain-p10-b", "chain-p10-a", "chain-p5-z", "skip-p1")
	if pids := proctest.FindExe(filepath.Join(dir, "procman-plugin-chain")); len(pids) != 0 {
		t.Errorf("plugin started before the first Start: %v", pids)
	}
	h, env := childEnv(t, m, child(t, marker, "sleep"))
	if want := "chain-p5-z,chain-p10-a,chain-p10-b,chain"; env["CHAIN"] != want {
		t.Errorf("CHAIN = %q, want %q", env["CHAIN"], want)
	}
	report, err := m.Report(h)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, step := range report.Steps {
		order = append(order, fmt.Sprintf("%s:%d:%v", step.Plugin, step.Priority, step.Applicable))
		if step.Warning != "" {
			t.Errorf("step %s warned: %s", step.Plugin, step.Warning)
		}
	}
	if got, want := strings.Join(order, " "), "skip-p1:1:false chain-p5-z:5:true chain-p10-a:10:true chain-p10-b:10:true chain:100:true"; got != want {
		t.Errorf("report order = %s\nwant %s", got, want)
	}
	last := report.Steps[len(report.Steps)-1]
	if len(last.Changes) != 1 || last.Changes[0].Field != "Env[CHAIN]" || last.Changes[0].Old != "chain-p5-z,chain-p10-a,chain-p10-b" || last.Version != "0.0.1-test" {
		t.Errorf("last step = %+v, want one change of Env[CHAIN] from the earlier plugins' value", last)
	}
	if len(last.Notes) != 1 || last.Notes[0] != "appended chain to CHAIN" {
		t.Errorf("notes of the last step = %q, want the plugin's sdk.Note", last.Notes)
	}
}

func TestHostOverridesPriorityAndLimitsPlugins(t *testing.T) {
	marker := proctest.Marker(t)
	dir := proctest.InstallPlugins(t, testplugin, "chain-p10-a", "chain-p20-b", "chain-p30-c")
	m := newManager(t,
		host.WithPluginSearchPath(dir, ""),
		host.WithPluginCallTimeout(testCallTimeout),
		host.WithPluginStartTimeout(testStartTimeout),
		host.WithPluginPriority("chain-p30-c", 1),
		host.WithOnlyPlugins("chain-p30-c", "chain-p10-a"),
	)
	_, env := childEnv(t, m, child(t, marker, "sleep"))
	if want := "chain-p30-c,chain-p10-a"; env["CHAIN"] != want {
		t.Errorf("CHAIN = %q, want %q", env["CHAIN"], want)
	}
	var notSelected bool
	for _, info := range m.Plugins(context.Background()) {
		if info.Name == "chain-p20-b" && info.Status == "not selected" {
			notSelected = true
		}
	}
	if !notSelected {
		t.Errorf("Plugins() does not report chain-p20-b as not selected: %+v", m.Plugins(context.Background()))
	}
}

// TestMisbehavingPluginCostsOnlyItsChange runs each misbehaving plugin
// ahead of a well-behaved one: the spawn succeeds with the config from
// before the bad plugin, plus the good plugin's change. The hanging and
// the slow plugin cost the test a deadline each: the warning shows that
// the deadline, and nothing else, ended the wait.
func TestMisbehavingPluginCostsOnlyItsChange(t *testing.T) {
	tests := []struct {
		plugin  string
		warning string // a part of the step's warning
	}{
		{"panic", "died during the call"},
		{"exit", "died during the call"},
		{"hang", "no answer within " + testCallTimeout.String()},
		{"slow", "start: the plugin did not start serving within " + testStartTimeout.String() + ", the start timeout"},
		{"dies", "start: the plugin exited with code 3 before its handshake; its last lines on stderr: reading the configuration | cannot read /etc/plugin.conf: permission denied"},
		{"silent", "start: the plugin exited with code 1 before its handshake, saying nothing on stderr"},
		{"stdout", `no handshake: the plugin printed "hello from a plugin`},
		{"v2", "start: the plugin speaks protocol version 2, newer than this procman, which speaks 1: upgrade procman"},
		{"nul", "NUL byte"},
		{"dir", "changes Dir"},
		{"bigenv", "more than the system allows"},
		{"error", `version "v99" is not yet installed`},
	}
	for _, tt := range tests {
		t.Run(tt.plugin, func(t *testing.T) {
			marker := proctest.Marker(t)
			var logs proctest.Buffer
			bad := tt.plugin + "-p1"
			m, dir := pluginManager(t, &logs, bad, "chain-p2-good")
			cfg := child(t, marker, "sleep")

			h, env := childEnv(t, m, cfg)
			if env["CHAIN"] != "chain-p2-good" {
				t.Errorf("CHAIN = %q: the chain did not go on from the config before %s", env["CHAIN"], bad)
			}
			used, _ := m.Config(h)
			if used.Dir != cfg.Dir || len(used.Args) != len(cfg.Args) || len(used.Env) != 2 {
				t.Errorf("config used = %+v, want the input plus CHAIN", used)
			}
			report, _ := m.Report(h)
			step, ok := findStep(report, bad)
			if !ok || !strings.Contains(step.Warning, tt.warning) || len(step.Changes) != 0 {
				t.Errorf("step of %s = %+v, want a warning about %q", bad, step, tt.warning)
			}
			if !strings.Contains(logs.String(), "plugin="+bad) {
				t.Errorf("no log line names plugin %s:\n%s", bad, logs.String())
			}
			// go-plugin's own words for an end that procman reports
			// itself are Debug, not warnings or errors.
			for _, noise := range []string{"plugin process exited", "plugin failed to exit gracefully"} {
				if strings.Contains(logs.String(), noise) {
					t.Errorf("the log at Warn has go-plugin's %q:\n%s", noise, logs.String())
				}
			}
			if tt.plugin == "error" && !regexp.MustCompile(`\berror-p1\.procman-plugin-error-p1: about to fail: wanted=v99`).MatchString(logs.String()) {
				t.Errorf("the plugin's own log line did not reach the host's log under its name:\n%s", logs.String())
			}
			m.Close(context.Background())
			if pids := proctest.FindExe(filepath.Join(dir, "procman-plugin-"+bad)); len(pids) != 0 {
				t.Errorf("plugin %s still runs after Close: %v", bad, pids)
			}
		})
	}
}

// TestDyingPluginsLastLinesAllReported has go-plugin's copy of the
// plugin's stderr lag behind the plugin's end (the host's log blocks on
// the first line for a while): the start's warning still has both lines
// the plugin wrote before it exited. It once had only the first, when the
// copy was late (seen in CI).
func TestDyingPluginsLastLinesAllReported(t *testing.T) {
	marker := proctest.Marker(t)
	dir := proctest.InstallPlugins(t, testplugin, "dies")
	m := newManager(t,
		host.WithPluginSearchPath(dir, ""),
		host.WithPluginCallTimeout(testCallTimeout),
		host.WithPluginStartTimeout(testStartTimeout),
		// go-plugin logs each line of stderr at Debug as it copies it.
		host.WithLogger(hclog.New(&hclog.LoggerOptions{Output: lagOn{"reading the configuration", 200 * time.Millisecond}, Level: hclog.Debug})),
	)
	h, _ := start(t, m, child(t, marker, "sleep"))
	report, _ := m.Report(h)
	const want = "its last lines on stderr: reading the configuration | cannot read /etc/plugin.conf: permission denied"
	if step, ok := findStep(report, "dies"); !ok || !strings.Contains(step.Warning, want) {
		t.Errorf("step of dies = %+v, want a warning with %q", step, want)
	}
}

// lagOn is a log that takes lag to write a message with text in it.
type lagOn struct {
	text string
	lag  time.Duration
}

func (l lagOn) Write(p []byte) (int, error) {
	if strings.Contains(string(p), l.text) {
		time.Sleep(l.lag)
	}
	return len(p), nil
}

func findStep(r host.Report, plugin string) (host.PluginStep, bool) {
	for _, step := range r.Steps {
		if step.Plugin == plugin {
			return step, true
		}
	}
	return host.PluginStep{}, false
}

func TestCrashingPluginIsRestartedThenDisabled(t *testing.T) {
	marker := proctest.Marker(t)
	var logs proctest.Buffer
	m, _ := pluginManager(t, &logs, "exit")
	var warnings []string
	for range 4 {
		h, err := m.Start(context.Background(), child(t, marker, "exit", "0"))
		if err != nil {
			t.Fatal(err)
		}
		report, _ := m.Report(h)
		warnings = append(warnings, report.Steps[0].Warning)
	}
	// Three calls reached a fresh process that died during the call; then
	// the plugin is disabled and not started again.
	for i, w := range warnings[:3] {
		if !strings.Contains(w, "died during the call") {
			t.Errorf("start %d: warning %q, want a call that the restarted plugin did not survive", i, w)
		}
	}
	if !strings.Contains(warnings[3], "disabled") {
		t.Errorf("start 4: warning %q, want disabled", warnings[3])
	}
	if !strings.Contains(logs.String(), "plugin disabled") {
		t.Errorf("no warning that the plugin was disabled:\n%s", logs.String())
	}
	infos := m.Plugins(context.Background())
	if len(infos) != 1 || infos[0].Status != "disabled" {
		t.Errorf("Plugins() = %+v, want exit disabled", infos)
	}
}

func TestPluginGetsNoHostEnvironment(t *testing.T) {
	t.Setenv("HOST_SECRET_TOKEN", "s3cr3t-value")
	marker := proctest.Marker(t)
	var logs proctest.Buffer
	m, _ := pluginManager(t, &logs, "env")
	_, env := childEnv(t, m, child(t, marker, "sleep"))
	pluginEnv := env["PLUGIN_ENV"]
	if pluginEnv == "" {
		t.Fatalf("the env plugin did not run: %s", logs.String())
	}
	if strings.Contains(pluginEnv, "s3cr3t-value") || strings.Contains(pluginEnv, "HOST_SECRET_TOKEN") {
		t.Errorf("the plugin saw the host's secret:\n%s", pluginEnv)
	}
	for _, kv := range strings.Split(pluginEnv, "\n") {
		key, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(key, "PLUGIN_") && !strings.HasPrefix(key, "PROCMAN_PLUGIN") {
			t.Errorf("plugin environment holds %q, want only the protocol's variables", kv)
		}
	}
}

func TestPluginsDieWithAKilledHost(t *testing.T) {
	pluginDir := proctest.InstallPlugins(t, testplugin, "chain-a", "chain-b")
	marker := proctest.Marker(t)
	cmd := exec.Command(testembed, "1s", testchild, "exit 0")
	// The reaper removes its socket directory: keep it in the test's own
	// temporary directory to see that.
	tmp := proctest.ShortTempDir(t)
	cmd.Env = append(os.Environ(), "PROCMAN_MARKER="+marker, "PROCMAN_PLUGIN_PATH="+pluginDir, "TMPDIR="+tmp)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if line, _ := bufio.NewReader(out).ReadString('\n'); !strings.HasPrefix(line, "ready ") {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("embedder said %q, want ready", line)
	}
	paths := []string{filepath.Join(pluginDir, "procman-plugin-chain-a"), filepath.Join(pluginDir, "procman-plugin-chain-b")}
	for _, path := range paths {
		if len(proctest.FindExe(path)) != 1 {
			t.Fatalf("plugin %s is not running under the embedder", path)
		}
	}

	if dirs, _ := filepath.Glob(filepath.Join(tmp, "procman-*")); len(dirs) != 1 {
		t.Fatalf("socket directories before the kill: %v, want one", dirs)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	for _, path := range paths {
		waitFor(t, func() bool { return len(proctest.FindExe(path)) == 0 })
	}
	waitFor(t, func() bool {
		dirs, _ := filepath.Glob(filepath.Join(tmp, "procman-*"))
		return len(dirs) == 0
	})
}

// inProcess is a plugin run in the host's process.
type inProcess struct {
	name   string
	change func(*sdk.ProcessConfig)
}

func (p inProcess) Info() sdk.Info {
	return sdk.Info{Name: p.name, Version: "1", Priority: 50}
}

func (p inProcess) Applicable(context.Context, sdk.ProcessConfig) (bool, error) { return true, nil }

func (p inProcess) Enhance(_ context.Context, cfg sdk.ProcessConfig) (sdk.ProcessConfig, error) {
	p.change(&cfg)
	return cfg, nil
}

func TestInProcessPluginsAndFieldPolicy(t *testing.T) {
	marker := proctest.Marker(t)
	otherDir := t.TempDir()
	m := newManager(t,
		host.WithPluginCallTimeout(testCallTimeout),
		host.WithPlugin(inProcess{"a-panics", func(*sdk.ProcessConfig) { panic("boom") }}),
		host.WithPlugin(inProcess{"b-moves", func(c *sdk.ProcessConfig) { c.Dir = otherDir }}),
		host.WithPlugin(inProcess{"c-sets", func(c *sdk.ProcessConfig) { c.Env = map[string]string{"PATH": c.Env["PATH"], "SET": "yes"} }}),
		host.WithPluginFields(host.DefaultPluginFields|host.FieldDir),
	)
	h, env := childEnv(t, m, child(t, marker, "sleep"))
	if env["SET"] != "yes" {
		t.Errorf("env = %v, want SET=yes", env)
	}
	if used, _ := m.Config(h); used.Dir != otherDir {
		t.Errorf("Dir = %q, want %q: FieldDir was allowed", used.Dir, otherDir)
	}
	report, _ := m.Report(h)
	if w := report.Steps[0].Warning; !strings.Contains(w, "panic: boom") {
		t.Errorf("warning of the panicking plugin = %q", w)
	}
	if warnings := report.Warnings(); len(warnings) != 1 || !strings.HasPrefix(warnings[0], "plugin a-panics: ") {
		t.Errorf("Warnings() = %q", warnings)
	}
}

// A config may be invalid until a plugin fixes it: a plugin whose result
// has the same problem as its input is not blamed for it.
func TestPluginMayFixAnInvalidConfig(t *testing.T) {
	marker := proctest.Marker(t)
	m := newManager(t,
		host.WithPluginCallTimeout(testCallTimeout),
		host.WithPlugin(inProcess{"a-adds", func(c *sdk.ProcessConfig) { c.Env["ADDED"] = "1" }}),
		host.WithPlugin(inProcess{"b-fixes", func(c *sdk.ProcessConfig) { c.Env["PATH"] = filepath.Dir(testchild) }}),
	)
	cfg := child(t, marker, "sleep")
	cfg.Command = filepath.Base(testchild)
	cfg.Env["PATH"] = "/nonexistent"
	h, env := childEnv(t, m, cfg)
	if env["ADDED"] != "1" || env["PATH"] != filepath.Dir(testchild) {
		t.Errorf("env = %v, want both plugins' changes", env)
	}
	if report, _ := m.Report(h); len(report.Warnings()) != 0 {
		t.Errorf("warnings = %q, want none", report.Warnings())
	}
}

func TestExplainStartsNothing(t *testing.T) {
	marker := proctest.Marker(t)
	var logs proctest.Buffer
	m, _ := pluginManager(t, &logs, "chain", "dir")
	cfg := child(t, marker, "sleep")
	final, report, err := m.Explain(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if final.Env["CHAIN"] != "chain" || final.Dir != cfg.Dir {
		t.Errorf("Explain config = %+v", final)
	}
	if len(report.Steps) != 2 || len(report.Warnings()) != 1 {
		t.Errorf("Explain report = %+v, want 2 steps and the dir plugin's warning", report)
	}
	if len(m.List()) != 0 || len(proctest.Find(marker)) != 0 {
		t.Error("Explain started a process")
	}

	cfg.Command = "no-such-program"
	if _, _, err := m.Explain(context.Background(), cfg); !errors.Is(err, sdk.ErrCommandNotFound) {
		t.Errorf("Explain of a config with a missing command = %v, want ErrCommandNotFound", err)
	}
}

// What a plugin writes to os.Stdout and os.Stderr once it serves reaches
// the host's log under its name, a line at a time, stray stdout output as
// a warning, and never raw: an escape sequence is shown quoted.
func TestPluginOutputIsRelayedLineByLine(t *testing.T) {
	var logs proctest.Buffer
	dir := proctest.InstallPlugins(t, testplugin, "chatty")
	m := newManager(t, host.WithPluginSearchPath(dir, ""), host.WithPluginCallTimeout(testCallTimeout),
		host.WithLogger(hclog.New(&hclog.LoggerOptions{Output: &logs, Level: hclog.Info})))
	cfg := child(t, proctest.Marker(t), "exit", "0")
	if _, report, err := m.Explain(context.Background(), cfg); err != nil || report.Steps[0].Warning != "" {
		t.Fatalf("Explain: %v, %+v", err, report.Steps)
	}
	for _, want := range []string{
		`[WARN]  chatty.procman-plugin-chatty: stdout: chatty on stdout`,
		`[INFO]  chatty.procman-plugin-chatty: stderr: "chatty on stderr \x1b[31min red"`,
	} {
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(logs.String(), want) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the host's log has no line %q:\n%s", want, logs.String())
		}
	}
	if strings.Contains(logs.String(), "\x1b") {
		t.Errorf("the host's log holds a raw escape sequence:\n%q", logs.String())
	}
}

// A plugin whose Applicable said yes and whose Enhance then failed is
// reported applicable, with the notes it made before failing, whether it
// runs over the protocol or in this process.
func TestFailedEnhanceIsStillApplicable(t *testing.T) {
	var logs proctest.Buffer
	m, _ := pluginManager(t, &logs, "escape")
	inProcess := newManager(t, host.WithPlugin(failing{}))
	cfg := child(t, proctest.Marker(t), "exit", "0")
	for name, m := range map[string]*host.Manager{"executable": m, "in process": inProcess} {
		_, report, err := m.Explain(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		step := report.Steps[0]
		if !step.Applicable || step.Warning == "" || len(step.Changes) != 0 {
			t.Errorf("%s: step %+v, want applicable, failed, no change", name, step)
		}
		if name == "executable" && !slices.Equal(step.Notes, []string{`read "v1" from .tool-version`}) {
			t.Errorf("%s: notes %q, want the note made before the failure", name, step.Notes)
		}
	}
}

// emptying is a plugin that returns the zero config, as an error path
// that forgot its error might.
type emptying struct{}

func (emptying) Info() sdk.Info { return sdk.Info{Name: "emptying", Version: "1"} }

func (emptying) Applicable(context.Context, sdk.ProcessConfig) (bool, error) { return true, nil }

func (emptying) Enhance(context.Context, sdk.ProcessConfig) (sdk.ProcessConfig, error) {
	return sdk.ProcessConfig{}, nil
}

func TestEmptyResultIsCalledSo(t *testing.T) {
	m := newManager(t, host.WithPlugin(emptying{}))
	cfg := sdk.ProcessConfig{Command: "/bin/true", Dir: "/", Env: map[string]string{"A": "1"}}
	got, report, err := m.Explain(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if want := "result is an empty config (ProcessConfig{}), not the config the plugin was given"; report.Steps[0].Warning != want {
		t.Errorf("warning %q, want %q", report.Steps[0].Warning, want)
	}
	if got.Command != "/bin/true" || got.Env["A"] != "1" {
		t.Errorf("config after the plugin: %+v, want the one given", got)
	}
}

// A status a live plugin answered with is reported as such, not as a
// crash, and costs the plugin nothing: it is its answer.
func TestPluginStatusIsReportedFaithfully(t *testing.T) {
	var logs proctest.Buffer
	m, _ := pluginManager(t, &logs, "status")
	cfg := child(t, proctest.Marker(t), "exit", "0")
	for i := range 4 { // more than the failures that disable a plugin
		_, report, err := m.Explain(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if want := "gRPC status Unavailable: enhance: backend down"; report.Steps[0].Warning != want {
			t.Fatalf("call %d: warning %q, want %q", i+1, report.Steps[0].Warning, want)
		}
	}
	if strings.Contains(logs.String(), "plugin disabled") {
		t.Errorf("the plugin was disabled for its answers:\n%s", logs.String())
	}
}
