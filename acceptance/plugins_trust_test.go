//go:build linux

package acceptance

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/procman-dev/procman/internal/proctest"
)

// installAt puts a copy of the test plugin at path, with mode, and returns
// path.
func installAt(t *testing.T, path string, mode os.FileMode) string {
	t.Helper()
	data, err := os.ReadFile(testpluginBin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if pids := proctest.FindExe(path); len(pids) > 0 {
			t.Errorf("plugin %s ran: %v", path, pids)
			for _, pid := range pids {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	return path
}

// mkdirMode makes the directory path with mode, whatever the umask.
func mkdirMode(t *testing.T, path string, mode os.FileMode) string {
	t.Helper()
	if err := os.MkdirAll(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestPluginsRefusesWhatOthersCouldChange lays out the plugins that
// procman once ran, as root, though another user could have put them in
// place: run runs none of them, and plugins lists each as refused, with
// the reason.
func TestPluginsRefusesWhatOthersCouldChange(t *testing.T) {
	root, err := filepath.EvalSymlinks(proctest.TrustedDir(t))
	if err != nil {
		t.Fatal(err)
	}
	const plugin = "procman-plugin-"
	sticky := mkdirMode(t, filepath.Join(root, "sticky"), 0o777|os.ModeSticky)
	bin := mkdirMode(t, filepath.Join(root, "bin"), 0o755)
	open := mkdirMode(t, filepath.Join(root, "open"), 0o777)
	parent := filepath.Join(root, "parent")
	parentBin := mkdirMode(t, filepath.Join(parent, "bin"), 0o755)
	mkdirMode(t, parent, 0o777)

	good := installAt(t, filepath.Join(bin, plugin+"chain"), 0o755)
	type refusal struct{ path, reason string }
	refusals := []refusal{
		// Made by another user, when run as root, in a sticky directory.
		{installAt(t, filepath.Join(sticky, plugin+"chain-a"), 0o755), `directory "` + sticky + `" is writable by others (mode dtrwxrwxrwx)`},
		// A link of the user's own, to a file in a world-writable directory.
		{filepath.Join(bin, plugin+"chain-b"), `directory "` + open + `" is writable by others (mode drwxrwxrwx)`},
		{installAt(t, filepath.Join(bin, plugin+"chain-d"), 0o775), "file is writable by others (mode -rwxrwxr-x)"},
		// A directory of the user's own, but in one that anyone may change.
		{installAt(t, filepath.Join(parentBin, plugin+"chain-e"), 0o755), `directory "` + parent + `" is writable by others (mode drwxrwxrwx)`},
	}
	if err := os.Symlink(installAt(t, filepath.Join(open, "tool"), 0o755), refusals[1].path); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		const nobody = 65534
		if err := os.Chown(refusals[0].path, nobody, nobody); err != nil {
			t.Fatal(err)
		}
		owned := installAt(t, filepath.Join(bin, plugin+"chain-c"), 0o755)
		if err := os.Chown(owned, nobody, nobody); err != nil {
			t.Fatal(err)
		}
		refusals = append(refusals, refusal{owned, "file is owned by uid 65534, not by root or the effective user (uid 0)"})
	}
	s := &pluginSetup{pluginPath: strings.Join([]string{sticky, bin, parentBin}, string(os.PathListSeparator)), tmp: proctest.ShortTempDir(t)}

	if got, want := s.childEnv(t), "CHAIN=chain\n"; got != want {
		t.Errorf("child environment = %q, want %q: the trusted plugin alone", got, want)
	}

	marker := proctest.Marker(t)
	r := run(t, withMarkerAsName(s.procman(t, "plugins", "--json"), marker))
	r.wantExit(t, 0)
	var rows []pluginRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("plugins --json: %v\n%s", err, r.stdout)
	}
	byPath := map[string]pluginRow{}
	for _, row := range rows {
		byPath[row.Path] = row
	}
	if row := byPath[good]; row.Status != "ok" {
		t.Errorf("%s: %s, want ok", good, describeRow(row))
	}
	for _, want := range refusals {
		if row := byPath[want.path]; row.Status != "refused" || row.Reason != want.reason {
			t.Errorf("%s: %s, want refused: %s", want.path, describeRow(row), want.reason)
		}
	}

	r = run(t, withMarkerAsName(s.procman(t, "plugins"), marker))
	r.wantExit(t, 0)
	for _, want := range refusals {
		line := regexp.MustCompile(`(?m)^chain-[a-e] +- +- +` + regexp.QuoteMeta(want.path) + ` +refused +` + regexp.QuoteMeta(want.reason) + `$`)
		if !line.MatchString(r.stdout) {
			t.Errorf("plugins shows no row for %s refused: %s; stdout:\n%s", want.path, want.reason, r.stdout)
		}
	}
}

// TestPluginsListsSkippedDirs lists empty and relative entries of
// PROCMAN_PLUGIN_PATH and PATH, which are never searched, as skipped, with
// the reason, after the plugins; the working directory, where they would
// lead, holds plugins that would be accepted.
func TestPluginsListsSkippedDirs(t *testing.T) {
	s := setupPlugins(t, []string{"chain"})
	cwd := proctest.TrustedDir(t)
	rel := mkdirMode(t, filepath.Join(cwd, "rel"), 0o755)
	installAt(t, filepath.Join(cwd, "procman-plugin-cwd"), 0o755)
	installAt(t, filepath.Join(rel, "procman-plugin-rel"), 0o755)
	const (
		empty    = "empty entry: never searched, as it would mean the current directory"
		relative = "relative path: never searched, as it would depend on the current directory"
	)
	hundred := 100
	want := slices.Concat(builtinRows(), []pluginRow{
		{Name: "chain", Version: "0.0.1-test", Priority: &hundred, Path: filepath.Join(s.pluginPath, "procman-plugin-chain"), Status: "ok", Description: "test plugin: chain"},
		{Path: "", Status: "skipped", Reason: "PROCMAN_PLUGIN_PATH entry: " + empty},
		{Path: "rel", Status: "skipped", Reason: "PROCMAN_PLUGIN_PATH entry: " + relative},
		{Path: ".", Status: "skipped", Reason: "PROCMAN_PLUGIN_PATH entry: " + relative},
		{Path: ".", Status: "skipped", Reason: "PATH entry: " + relative},
		{Path: "", Status: "skipped", Reason: "PATH entry: " + empty},
	})
	procman := func(t *testing.T, args ...string) result {
		t.Helper()
		cmd := withMarkerAsName(s.procman(t, args...), proctest.Marker(t))
		cmd.Env = append(cmd.Env,
			"PROCMAN_PLUGIN_PATH="+strings.Join([]string{s.pluginPath, "", "rel", "."}, string(os.PathListSeparator)),
			"PATH="+strings.Join([]string{".", t.TempDir(), ""}, string(os.PathListSeparator)),
		)
		cmd.Dir = cwd
		r := run(t, cmd)
		r.wantExit(t, 0)
		return r
	}

	t.Run("json", func(t *testing.T) {
		r := procman(t, "plugins", "--json")
		got := decodePluginRows(t, r.stdout)
		if len(got) != len(want) {
			t.Fatalf("%d rows, want %d:\n%s", len(got), len(want), r.stdout)
		}
		for i := range got {
			if g, w := got[i], want[i]; describeRow(g) != describeRow(w) {
				t.Errorf("row %d = %s, want %s", i, describeRow(g), describeRow(w))
			}
		}
	})

	t.Run("table", func(t *testing.T) {
		r := procman(t, "plugins")
		lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
		if len(lines)-1 != len(want) {
			t.Fatalf("%d rows, want %d; stdout:\n%s", len(lines)-1, len(want), r.stdout)
		}
		reasonColumn := strings.Index(lines[0], "REASON")
		for i, line := range lines[1:] {
			w := want[i]
			priority := "-"
			if w.Priority != nil {
				priority = strconv.Itoa(*w.Priority)
			}
			wantLine := strings.Join([]string{dashIfEmpty(w.Name), dashIfEmpty(w.Version), priority, tablePath(w), w.Status}, " ")
			if reasonColumn < 0 || len(line) < reasonColumn {
				t.Fatalf("row %q is not aligned with the header %q", line, lines[0])
			}
			if got := strings.Join(strings.Fields(line[:reasonColumn]), " "); got != wantLine || line[reasonColumn:] != dashIfEmpty(w.Reason) {
				t.Errorf("row %d = %q, want %q with reason %q", i+1, line, wantLine, dashIfEmpty(w.Reason))
			}
		}
	})
}
