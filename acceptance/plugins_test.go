//go:build linux

package acceptance

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/procman-dev/procman/builtin-plugins/jenv"
	"github.com/procman-dev/procman/builtin-plugins/nvm"
	"github.com/procman-dev/procman/builtin-plugins/pyenv"
	"github.com/procman-dev/procman/internal/proctest"
	"github.com/procman-dev/procman/sdk"
)

// pluginSetup is a procman environment whose only plugins are those the
// test installed, and whose temporary directory is the test's own.
type pluginSetup struct {
	pluginPath string // PROCMAN_PLUGIN_PATH
	tmp        string // procman's TMPDIR
}

// setupPlugins makes the plugins of each list of names (see
// internal/testplugin) a directory of PROCMAN_PLUGIN_PATH, in order. At the
// end of the test, it checks that no plugin process is left and that
// procman removed everything it made in its temporary directory.
func setupPlugins(t *testing.T, dirs ...[]string) *pluginSetup {
	t.Helper()
	var entries, executables []string
	for _, names := range dirs {
		dir, err := filepath.EvalSymlinks(proctest.InstallPlugins(t, testpluginBin, names...))
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, dir)
		for _, name := range names {
			executables = append(executables, filepath.Join(dir, "procman-plugin-"+name))
		}
	}
	s := &pluginSetup{pluginPath: strings.Join(entries, string(os.PathListSeparator)), tmp: proctest.ShortTempDir(t)}
	t.Cleanup(func() {
		for _, exe := range executables {
			if pids := proctest.FindExe(exe); len(pids) > 0 {
				t.Errorf("plugin %s still running after procman exited: %v", filepath.Base(exe), pids)
				for _, pid := range pids {
					syscall.Kill(pid, syscall.SIGKILL)
				}
			}
		}
		if left, _ := os.ReadDir(s.tmp); len(left) > 0 {
			t.Errorf("procman left %d files in its TMPDIR, the first %s", len(left), left[0].Name())
		}
	})
	return s
}

// procman returns a command that runs procman with args in the setup. The
// PATH of procman, which discovery searches too, holds no plugin.
func (s *pluginSetup) procman(t *testing.T, args ...string) *exec.Cmd {
	cmd := procman(t, generousPluginTimeout(args)...)
	cmd.Env = append(os.Environ(),
		"PROCMAN_PLUGIN_PATH="+s.pluginPath,
		"PATH="+t.TempDir(),
		"TMPDIR="+s.tmp,
	)
	return cmd
}

// generousPluginTimeout returns the arguments of procman with, for run and
// explain, a deadline of plugin calls that a plugin that works meets on a
// machine as loaded as can be, instead of the default of 2s. A
// --plugin-timeout of the test's own comes after it, and wins.
func generousPluginTimeout(args []string) []string {
	if len(args) == 0 || (args[0] != "run" && args[0] != "explain") {
		return args
	}
	return slices.Concat(args[:1], []string{"--plugin-timeout", "30s"}, args[1:])
}

// childEnv runs testchild env with a clean environment under procman in
// the setup and returns the child's environment.
func (s *pluginSetup) childEnv(t *testing.T, flags ...string) string {
	t.Helper()
	marker := proctest.Marker(t)
	args := slices.Concat([]string{"run", "--clean-env"}, flags, []string{"--", testchildBin, "env", marker})
	r := run(t, s.procman(t, args...))
	r.wantExit(t, 0)
	return r.stdout
}

// wantWarning fails the test unless stderr has a warning line that names
// plugin.
func wantWarning(t *testing.T, stderr, plugin string) {
	t.Helper()
	named := regexp.MustCompile(`plugin=` + regexp.QuoteMeta(plugin) + `(\s|$)`)
	for _, line := range strings.Split(stderr, "\n") {
		if strings.Contains(line, "[WARN]") && named.MatchString(line) {
			return
		}
	}
	t.Errorf("stderr has no warning naming plugin %s:\n%s", plugin, stderr)
}

func TestRunAppliesPlugins(t *testing.T) {
	s := setupPlugins(t, []string{"chain", "chain-p5-a", "skip"})
	if got, want := s.childEnv(t), "CHAIN=chain-p5-a,chain\n"; got != want {
		t.Errorf("child environment = %q, want %q: every applicable plugin, lowest priority first", got, want)
	}
}

func TestRunPluginSelection(t *testing.T) {
	s := setupPlugins(t, []string{"chain", "chain-p5-a"})
	tests := []struct {
		flags []string
		want  string
	}{
		{[]string{"--no-plugins"}, ""},
		{[]string{"--plugin", "chain"}, "CHAIN=chain\n"},
		{[]string{"--plugin", "chain", "--plugin", "chain-p5-a"}, "CHAIN=chain-p5-a,chain\n"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.flags, " "), func(t *testing.T) {
			if got := s.childEnv(t, tt.flags...); got != tt.want {
				t.Errorf("child environment = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRunWarnsOfUnknownPlugin(t *testing.T) {
	s := setupPlugins(t, []string{"chain"})
	marker := proctest.Marker(t)
	r := run(t, s.procman(t, "run", "--clean-env", "--plugin", "chian", "--", testchildBin, "env", marker))
	r.wantExit(t, 0)
	if r.stdout != "" {
		t.Errorf("child environment = %q, want nothing: no plugin was selected", r.stdout)
	}
	wantWarning(t, r.stderr, "chian")
}

// The hanging plugin never answers: it costs the test two deadlines, which
// are generous so that the plugin that works meets them.
func TestMisbehavingPluginCostsOnlyItsChange(t *testing.T) {
	for _, bad := range []string{"error", "hang"} {
		t.Run(bad, func(t *testing.T) {
			s := setupPlugins(t, []string{"chain", bad})
			marker := proctest.Marker(t)
			r := run(t, s.procman(t, "run", "--clean-env", "--plugin-timeout", "10s", "--", testchildBin, "env", marker))
			r.wantExit(t, 0)
			if want := "CHAIN=chain\n"; r.stdout != want {
				t.Errorf("child environment = %q, want %q: the good plugin's change", r.stdout, want)
			}
			wantWarning(t, r.stderr, bad)

			// The warning leaves the command's own exit status alone.
			r = run(t, s.procman(t, "run", "--plugin-timeout", "10s", "--", testchildBin, "exit", "7", marker))
			r.wantExit(t, 7)
			wantWarning(t, r.stderr, bad)
		})
	}
}

func TestPluginTimeoutApplies(t *testing.T) {
	// No call can be answered within a nanosecond, so the flag, and not
	// the default deadline, must drop the change of a plugin that works.
	s := setupPlugins(t, []string{"chain"})
	marker := proctest.Marker(t)
	r := run(t, s.procman(t, "run", "--clean-env", "--plugin-timeout", "1ns", "--", testchildBin, "env", marker))
	r.wantExit(t, 0)
	if r.stdout != "" {
		t.Errorf("child environment = %q, want nothing: the plugin missed its deadline", r.stdout)
	}
	wantWarning(t, r.stderr, "chain")
}

func TestRunThatCannotStartLeavesNoPlugin(t *testing.T) {
	s := setupPlugins(t, []string{"chain"})
	marker := proctest.Marker(t)
	r := run(t, s.procman(t, "run", "--", filepath.Join(t.TempDir(), "missing"), marker))
	r.wantExit(t, 127)
}

// pluginRow is one row of procman plugins, as the table or as JSON.
type pluginRow struct {
	Name        string `json:"name"`
	Version     string `json:"version"`
	Priority    *int   `json:"priority"`
	Path        string `json:"path"`
	BuiltIn     bool   `json:"builtin"`
	Status      string `json:"status"`
	Reason      string `json:"reason"`
	Warning     string `json:"warning"`
	Description string `json:"description"`
}

// builtinRows are the rows of procman's built-in plugins, which procman
// plugins lists unless an executable of the same name replaces one.
func builtinRows() []pluginRow {
	var rows []pluginRow
	for _, p := range []sdk.Plugin{jenv.Plugin{}, nvm.Plugin{}, pyenv.Plugin{}} {
		info := p.Info()
		rows = append(rows, pluginRow{Name: info.Name, Version: info.Version, Priority: &info.Priority, BuiltIn: true, Status: "ok", Description: info.Description})
	}
	return rows
}

// tablePath is the PATH column of r in the table of procman plugins.
func tablePath(r pluginRow) string {
	if r.BuiltIn {
		return "(built in)"
	}
	return dashIfEmpty(r.Path)
}

func TestPluginsLists(t *testing.T) {
	s := setupPlugins(t, []string{"chain", "chain-p5-a", "skip"}, []string{"chain"})
	first, second := filepath.SplitList(s.pluginPath)[0], filepath.SplitList(s.pluginPath)[1]
	notExecutable := filepath.Join(second, "procman-plugin-x")
	if err := os.WriteFile(notExecutable, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	five, hundred := 5, 100
	want := slices.Concat([]pluginRow{
		{Name: "chain-p5-a", Version: "0.0.1-test", Priority: &five, Path: filepath.Join(first, "procman-plugin-chain-p5-a"), Status: "ok", Description: "test plugin: chain"},
	}, builtinRows(), []pluginRow{
		{Name: "chain", Version: "0.0.1-test", Priority: &hundred, Path: filepath.Join(first, "procman-plugin-chain"), Status: "ok", Description: "test plugin: chain"},
		{Name: "skip", Version: "0.0.1-test", Priority: &hundred, Path: filepath.Join(first, "procman-plugin-skip"), Status: "ok", Description: "test plugin: skip"},
		{Name: "chain", Path: filepath.Join(second, "procman-plugin-chain"), Status: "shadowed", Reason: `shadowed by "` + filepath.Join(first, "procman-plugin-chain") + `"`},
		{Name: "x", Path: notExecutable, Status: "refused", Reason: "not executable"},
	})
	marker := proctest.Marker(t)

	t.Run("table", func(t *testing.T) {
		r := run(t, withMarkerAsName(s.procman(t, "plugins"), marker))
		r.wantExit(t, 0)
		lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
		if wantHeader := regexp.MustCompile(`^NAME +VERSION +PRIORITY +PATH +STATUS +REASON$`); !wantHeader.MatchString(lines[0]) {
			t.Fatalf("header = %q, want NAME VERSION PRIORITY PATH STATUS REASON; stdout:\n%s", lines[0], r.stdout)
		}
		reasonColumn := strings.Index(lines[0], "REASON")
		if len(lines)-1 != len(want) {
			t.Fatalf("%d rows, want %d; stdout:\n%s", len(lines)-1, len(want), r.stdout)
		}
		for i, line := range lines[1:] {
			if len(line) < reasonColumn {
				t.Errorf("row %q is not aligned with the header", line)
				continue
			}
			fields := strings.Fields(line[:reasonColumn])
			w := want[i]
			priority := "-"
			if w.Priority != nil {
				priority = strconv.Itoa(*w.Priority)
			}
			wantFields := strings.Fields(strings.Join([]string{w.Name, dashIfEmpty(w.Version), priority, tablePath(w), w.Status}, " "))
			if !slices.Equal(fields, wantFields) {
				t.Errorf("row %d = %q, want %q", i+1, fields, wantFields)
			}
			if reason := line[reasonColumn:]; !strings.HasPrefix(reason, dashIfEmpty(w.Reason)) {
				t.Errorf("row %d: reason %q, want %q", i+1, reason, dashIfEmpty(w.Reason))
			}
		}
	})

	t.Run("json", func(t *testing.T) {
		r := run(t, withMarkerAsName(s.procman(t, "plugins", "--json"), marker))
		r.wantExit(t, 0)
		got := decodePluginRows(t, r.stdout)
		if len(got) != len(want) {
			t.Fatalf("%d plugins, want %d:\n%s", len(got), len(want), r.stdout)
		}
		for i := range got {
			g, w := got[i], want[i]
			reasonOK := strings.HasPrefix(g.Reason, w.Reason) && (w.Reason == "") == (g.Reason == "")
			if g.Name != w.Name || g.Version != w.Version || !samePriority(g.Priority, w.Priority) ||
				g.Path != w.Path || g.BuiltIn != w.BuiltIn || g.Status != w.Status || !reasonOK || g.Description != w.Description {
				t.Errorf("plugin %d = %s, want %s", i, describeRow(g), describeRow(w))
			}
		}
	})
}

// With no plugin executable to be found, procman plugins lists the
// built-in plugins alone.
func TestPluginsWhenThereAreNone(t *testing.T) {
	s := setupPlugins(t)
	marker := proctest.Marker(t)
	r := run(t, withMarkerAsName(s.procman(t, "plugins", "--json"), marker))
	r.wantExit(t, 0)
	got, want := decodePluginRows(t, r.stdout), builtinRows()
	if len(got) != len(want) {
		t.Fatalf("plugins --json = %s, want the built-ins alone", r.stdout)
	}
	for i := range got {
		if describeRow(got[i]) != describeRow(want[i]) {
			t.Errorf("row %d = %s, want %s", i, describeRow(got[i]), describeRow(want[i]))
		}
	}
	r = run(t, withMarkerAsName(s.procman(t, "plugins"), marker))
	r.wantExit(t, 0)
	if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); len(lines) != 4 || strings.Count(r.stdout, "(built in)") != 3 {
		t.Errorf("plugins = %q, want a header and the three built-ins", r.stdout)
	}
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func samePriority(a, b *int) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

func describeRow(r pluginRow) string {
	priority := "null"
	if r.Priority != nil {
		priority = strconv.Itoa(*r.Priority)
	}
	return "{" + strings.Join([]string{r.Name, r.Version, priority, r.Path, strconv.FormatBool(r.BuiltIn), r.Status, r.Reason, r.Description}, " | ") + "}"
}

// explainSetup has plugins that change the environment in order (chain-p5-a,
// then chain), one that is not applicable and one whose change is dropped.
func explainSetup(t *testing.T) *pluginSetup {
	return setupPlugins(t, []string{"chain", "chain-p5-a", "skip", "dir"})
}

// explainPlugins are the flags that run explainSetup's plugins and leave
// out the built-in ones, whose report depends on the machine's nvm, jenv
// and pyenv.
var explainPlugins = []string{"--plugin", "chain", "--plugin", "chain-p5-a", "--plugin", "skip", "--plugin", "dir"}

// wantNothingStarted checks that explain started nothing: the command
// would have created log and would still run, by marker.
func wantNothingStarted(t *testing.T, log, marker string) {
	t.Helper()
	if _, err := os.Stat(log); err == nil {
		t.Errorf("explain started the command: its log file %s exists", log)
	}
	if pids := proctest.Find(marker); len(pids) > 0 {
		t.Errorf("explain started the command: %v", pids)
	}
}

func TestExplain(t *testing.T) {
	s := explainSetup(t)
	marker := proctest.Marker(t)
	log := filepath.Join(t.TempDir(), "out.log")
	r := run(t, s.procman(t, slices.Concat([]string{"explain"}, explainPlugins, []string{"--clean-env", "--env", "A=two words", "--log", log, "--", testchildBin, "sleep", marker})...))
	r.wantExit(t, 0)
	wantNothingStarted(t, log, marker)

	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Command:  " + testchildBin,
		`Args:     "sleep" "` + marker + `"`,
		"Dir:      " + cwd,
		"LogFile:  " + log,
		"Env:",
		"  A=two words",
		"  CHAIN=chain-p5-a,chain",
		"",
		"Plugins, in the order they ran:",
		"  chain-p5-a 0.0.1-test, priority 5: applicable (*)",
		"    note: appended chain-p5-a to CHAIN",
		"    + CHAIN=chain-p5-a",
		"  chain 0.0.1-test, priority 100: applicable (*)",
		"    note: appended chain to CHAIN",
		"    Env[CHAIN]: chain-p5-a -> chain-p5-a,chain",
		"  dir 0.0.1-test, priority 100: applicable, change dropped (*)",
		"    warning: result changes Dir, which the host does not let plugins change",
		"  skip 0.0.1-test, priority 100: not applicable (*)",
	}
	got := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(got) != len(want) {
		t.Fatalf("explain printed:\n%s\nwant:\n%s", r.stdout, strings.Join(want, "\n"))
	}
	for i := range want {
		// (*) stands for the time the plugin took.
		prefix, timed := strings.CutSuffix(want[i], "(*)")
		if timed && strings.HasPrefix(got[i], prefix+"(") && strings.HasSuffix(got[i], ")") || got[i] == want[i] {
			continue
		}
		t.Errorf("line %d = %q, want %q", i+1, got[i], want[i])
	}
}

// TestExplainStartsOnlyThePlugins has a plugin look, while explain runs it,
// at the other children of procman: there is none, neither procman-init
// nor the reaper.
func TestExplainStartsOnlyThePlugins(t *testing.T) {
	s := setupPlugins(t, []string{"siblings"})
	marker := proctest.Marker(t)
	r := run(t, s.procman(t, "explain", "--json", "--plugin", "siblings", "--", testchildBin, "sleep", marker))
	r.wantExit(t, 0)
	got := decodeExplain(t, r.stdout)
	if siblings, ok := got.Config.Env["SIBLINGS"]; !ok || siblings != "" {
		t.Errorf("while explain ran the plugin, procman's other children were %q (set: %v), want none", siblings, ok)
	}
}

// explainJSON is the output of explain --json.
type explainJSON struct {
	Config struct {
		Command         string            `json:"command"`
		Args            []string          `json:"args"`
		Dir             string            `json:"dir"`
		Env             map[string]string `json:"env"`
		LogFile         string            `json:"log_file"`
		User            string            `json:"user"`
		Group           string            `json:"group"`
		NoNewPrivileges bool              `json:"no_new_privileges"`
		Limits          struct {
			Memory  int64   `json:"memory"`
			CPUs    float64 `json:"cpus"`
			Tasks   int     `json:"tasks"`
			Nice    *int    `json:"nice"`
			Rlimits []struct {
				Resource string `json:"resource"`
				Soft     string `json:"soft"`
				Hard     string `json:"hard"`
			} `json:"rlimits"`
		} `json:"limits"`
	} `json:"config"`
	Plugins []struct {
		Name       string `json:"name"`
		Version    string `json:"version"`
		Priority   int    `json:"priority"`
		Path       string `json:"path"`
		BuiltIn    bool   `json:"builtin"`
		Applicable bool   `json:"applicable"`
		Changes    []struct {
			Field   string `json:"field"`
			Old     string `json:"old"`
			New     string `json:"new"`
			Added   bool   `json:"added"`
			Removed bool   `json:"removed"`
		} `json:"changes"`
		Notes      []string `json:"notes"`
		Warning    string   `json:"warning"`
		DurationMS float64  `json:"duration_ms"`
	} `json:"plugins"`
	Warnings []string `json:"warnings"`
	Error    string   `json:"error"`
}

// decodePluginRows decodes the output of plugins --json, which must be a
// JSON array of plugin rows with no field unknown to pluginRow.
func decodePluginRows(t *testing.T, stdout string) []pluginRow {
	t.Helper()
	var got []pluginRow
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("stdout is not a JSON array of plugins: %v\n%s", err, stdout)
	}
	return got
}

func decodeExplain(t *testing.T, stdout string) explainJSON {
	t.Helper()
	var got explainJSON
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("stdout is not explain's JSON object: %v\n%s", err, stdout)
	}
	return got
}

func TestExplainJSON(t *testing.T) {
	s := explainSetup(t)
	marker := proctest.Marker(t)
	log := filepath.Join(t.TempDir(), "out.log")
	r := run(t, s.procman(t, slices.Concat([]string{"explain", "--json"}, explainPlugins, []string{"--clean-env", "--env", "A=1", "--log", log, "--", testchildBin, "sleep", marker})...))
	r.wantExit(t, 0)
	wantNothingStarted(t, log, marker)
	got := decodeExplain(t, r.stdout)

	cfg := got.Config
	if cfg.Command != testchildBin || !slices.Equal(cfg.Args, []string{"sleep", marker}) || cfg.LogFile != log {
		t.Errorf("config = %+v, want %s sleep %s, logging to %s", cfg, testchildBin, marker, log)
	}
	if want := map[string]string{"A": "1", "CHAIN": "chain-p5-a,chain"}; !mapsEqual(cfg.Env, want) {
		t.Errorf("config env = %v, want %v", cfg.Env, want)
	}
	var names []string
	for _, p := range got.Plugins {
		names = append(names, p.Name)
	}
	if want := []string{"chain-p5-a", "chain", "dir", "skip"}; !slices.Equal(names, want) {
		t.Fatalf("plugins %q, want %q in the order they ran", names, want)
	}
	first, chain, dir, skip := got.Plugins[0], got.Plugins[1], got.Plugins[2], got.Plugins[3]
	if first.Priority != 5 || first.Version != "0.0.1-test" || !first.Applicable || first.Warning != "" ||
		filepath.Base(first.Path) != "procman-plugin-chain-p5-a" || first.DurationMS <= 0 {
		t.Errorf("chain-p5-a = %+v", first)
	}
	if len(first.Changes) != 1 || first.Changes[0].Field != "Env[CHAIN]" || first.Changes[0].New != "chain-p5-a" || !first.Changes[0].Added {
		t.Errorf("chain-p5-a changes = %+v, want Env[CHAIN] added", first.Changes)
	}
	if len(chain.Changes) != 1 || chain.Changes[0].Old != "chain-p5-a" || chain.Changes[0].New != "chain-p5-a,chain" || chain.Changes[0].Added {
		t.Errorf("chain changes = %+v, want Env[CHAIN] changed", chain.Changes)
	}
	if !dir.Applicable || len(dir.Changes) != 0 || !strings.Contains(dir.Warning, "Dir") {
		t.Errorf("dir = %+v, want its change dropped with a warning", dir)
	}
	if skip.Applicable || skip.Changes == nil || len(skip.Changes) != 0 || skip.Warning != "" {
		t.Errorf("skip = %+v, want not applicable, no changes ([])", skip)
	}
	if len(got.Warnings) != 1 || !strings.HasPrefix(got.Warnings[0], "plugin dir: ") || got.Error != "" {
		t.Errorf("warnings = %q, error = %q; want dir's warning and no error", got.Warnings, got.Error)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestExplainCommandNotFound(t *testing.T) {
	s := explainSetup(t)
	marker := proctest.Marker(t)
	missing := "procman-test-missing-command"
	// Without procman's logging, stderr has run's message alone.
	args := []string{"--log-level", "off", "--clean-env", "--env", "PATH=" + t.TempDir(), "--", missing, marker}

	r := run(t, s.procman(t, slices.Concat([]string{"explain"}, explainPlugins, args)...))
	r.wantExit(t, 127)
	r.wantOneLine(t, strconv.Quote(missing)+" not found in PATH")
	for _, want := range []string{"Command:  " + missing + "\n", "Plugins, in the order they ran:\n", "  chain-p5-a 0.0.1-test, priority 5: "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout has no %q; the report is printed even when run would fail:\n%s", want, r.stdout)
		}
	}

	r = run(t, s.procman(t, slices.Concat([]string{"explain", "--json"}, explainPlugins, args)...))
	r.wantExit(t, 127)
	got := decodeExplain(t, r.stdout)
	if !strings.Contains(got.Error, strconv.Quote(missing)+" not found in PATH") || got.Config.Command != missing || len(got.Plugins) != 4 {
		t.Errorf("explain --json = %+v, want the report with the error", got)
	}
}

func TestExplainNoPlugins(t *testing.T) {
	s := explainSetup(t)
	marker := proctest.Marker(t)
	r := run(t, s.procman(t, "explain", "--no-plugins", "--clean-env", "--", testchildBin, "sleep", marker))
	r.wantExit(t, 0)
	if !strings.HasSuffix(r.stdout, "Env:\n\nPlugins: none ran\n") {
		t.Errorf("explain --no-plugins printed:\n%s\nwant no environment and no plugin", r.stdout)
	}
}

// A plugin's text (its error, its notes) reaches the terminal with its
// escape sequences quoted, in explain and in run's warnings; a note is
// quoted only when it must be.
func TestPluginTextCannotActOnTheTerminal(t *testing.T) {
	s := setupPlugins(t, []string{"escape"})
	marker := proctest.Marker(t)
	r := run(t, s.procman(t, "explain", "--plugin", "escape", "--", testchildBin, "exit", "0", marker))
	r.wantExit(t, 0)
	for _, want := range []string{
		`    note: read "v1" from .tool-version`,
		`    warning: "enhance: \x1b[31mred\x1b]0;owned title\a and more"`,
	} {
		if !strings.Contains(r.stdout, want+"\n") {
			t.Errorf("explain says:\n%s\nwant a line %s", r.stdout, want)
		}
	}
	r = run(t, s.procman(t, "run", "--plugin", "escape", "--", testchildBin, "exit", "0", marker))
	r.wantExit(t, 0)
	if !strings.Contains(r.stderr, "plugin change dropped") {
		t.Errorf("run's stderr has no warning:\n%s", r.stderr)
	}
	for name, out := range map[string]string{"explain's stdout": r.stdout, "run's stderr": r.stderr} {
		if strings.ContainsAny(out, "\x1b\a") {
			t.Errorf("%s holds a raw escape sequence: %q", name, out)
		}
	}
}

// A plugin executable run by hand says what it is, and --info what it
// says of itself.
func TestPluginRunByHand(t *testing.T) {
	dir := proctest.InstallPlugins(t, testpluginBin, "chain")
	exe := filepath.Join(dir, "procman-plugin-chain")
	r := run(t, exec.Command(exe))
	r.wantExit(t, 1)
	if !strings.HasPrefix(r.stderr, "procman-plugin-chain is a procman plugin (chain): procman runs it") || r.stdout != "" {
		t.Errorf("run by hand, the plugin says:\n%s%s", r.stdout, r.stderr)
	}
	r = run(t, exec.Command(exe, "--info"))
	r.wantExit(t, 0)
	var info struct {
		Name, Version, Description string
		Priority                   int
	}
	if err := json.Unmarshal([]byte(r.stdout), &info); err != nil || info.Name != "chain" || info.Version != "0.0.1-test" || info.Priority != 100 || info.Description != "test plugin: chain" {
		t.Errorf("--info printed %q (%v)", r.stdout, err)
	}
}

// A plugin whose Info names it otherwise than its file gets a warning.
func TestPluginWithAnotherNameIsWarnedOf(t *testing.T) {
	s := setupPlugins(t, []string{"misnamed"})
	r := run(t, s.procman(t, "plugins"))
	r.wantExit(t, 0)
	want := `warning: it calls itself "another-name" (its Info's Name), but procman knows it by its file name, "misnamed"`
	if !strings.Contains(r.stdout, want) {
		t.Errorf("procman plugins says:\n%s\nwant %s", r.stdout, want)
	}
	r = run(t, s.procman(t, "plugins", "--json"))
	var rows []pluginRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(rows, func(row pluginRow) bool { return row.Name == "misnamed" })
	if i < 0 || !strings.HasPrefix(rows[i].Warning, "it calls itself") || rows[i].Status != "ok" {
		t.Errorf("plugins --json: %+v", rows)
	}
}

// procman run ends its plugin processes once its command has started,
// rather than keeping them for the command's life.
func TestRunStopsItsPluginsOnceTheCommandRuns(t *testing.T) {
	s := setupPlugins(t, []string{"chain"})
	exe := filepath.Join(strings.Split(s.pluginPath, string(os.PathListSeparator))[0], "procman-plugin-chain")
	marker := proctest.Marker(t)
	p := start(t, s.procman(t, "run", "--", testchildBin, "sleep", marker))
	proctest.WaitCount(t, marker, 2, 10*time.Second) // procman and the command
	deadline := time.Now().Add(10 * time.Second)
	for len(proctest.FindExe(exe)) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the plugin still runs 10s after the command started: %v", proctest.FindExe(exe))
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.signal(t, syscall.SIGTERM)
	p.wantEnd(t, 128+15, marker)
}

// The plugin in Python that docs/plugin-protocol.md describes runs
// through procman like any other: its change, its note, its own error.
func TestPythonPluginFromTheWirePage(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import grpc, google.protobuf").Run(); err != nil {
		t.Skipf("/usr/bin/python3 with grpcio and protobuf is needed (Debian: python3-grpcio python3-protobuf): %v", err)
	}
	path := os.Getenv("PROCMAN_PYGREETER") // where test-unprivileged.sh copied it
	if path == "" {
		path = "../examples/python-plugin/procman-plugin-pygreeter"
	}
	script, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := proctest.TrustedDir(t)
	if err := os.WriteFile(filepath.Join(dir, "procman-plugin-pygreeter"), script, 0o755); err != nil {
		t.Fatal(err)
	}
	project := t.TempDir()
	if err := os.WriteFile(filepath.Join(project, ".greeting"), []byte("hello from python\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	explain := func(cwd string) result {
		cmd := procman(t, "explain", "--plugin", "pygreeter", "--cwd", cwd, "--", testchildBin, "exit", "0")
		cmd.Env = append(os.Environ(), "PROCMAN_PLUGIN_PATH="+dir, "PATH=/usr/bin:/bin")
		return run(t, cmd)
	}
	r := explain(project)
	r.wantExit(t, 0)
	for _, want := range []string{
		"  pygreeter 1.0.0, priority 100: applicable",
		"    note: GREETING from " + filepath.Join(project, ".greeting"),
		"    + GREETING=hello from python",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("explain says:\n%s\nwant a line %q", r.stdout, want)
		}
	}
	r = explain(t.TempDir()) // no .greeting: the plugin's own error
	r.wantExit(t, 0)
	if !strings.Contains(r.stdout, "    warning: enhance: [Errno 2] No such file or directory") {
		t.Errorf("explain says:\n%s\nwant the plugin's error as the warning", r.stdout)
	}
}
