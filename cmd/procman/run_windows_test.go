package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/procman-dev/procman/internal/envfile"
	"golang.org/x/sys/windows"
)

// These tests run procman.exe end to end, as a user would: the test binary
// is procman when PROCMAN_TEST_ROLE is "procman", and the program procman
// runs in the other roles (see TestMain).

// self returns the path of the test binary, procman.exe in these tests.
func self(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// procmanResult is how a run of procman.exe ended.
type procmanResult struct {
	stdout, stderr string
	status         int
}

// runProcman runs procman.exe with args and the environment of the test
// plus extraEnv, and returns what it wrote and its exit status.
func runProcman(t *testing.T, extraEnv []string, args ...string) procmanResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, self(t), args...)
	cmd.Env = slices.Concat(os.Environ(), []string{"PROCMAN_TEST_ROLE=procman"}, extraEnv)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("procman %q: %v", args, err)
	}
	if ctx.Err() != nil {
		t.Fatalf("procman %q did not end within the deadline; stderr: %s", args, stderr.String())
	}
	return procmanResult{stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()}
}

// wantStatus fails the test unless r ended with status, and, for a
// failure of procman's own, told it in one line on stderr holding message.
func (r procmanResult) wantStatus(t *testing.T, status int, message string) {
	t.Helper()
	if r.status != status {
		t.Errorf("exit status %d, want %d; stdout %q, stderr %q", r.status, status, r.stdout, r.stderr)
	}
	if message == "" {
		return
	}
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], message) {
		t.Errorf("stderr %q, want one line holding %q", r.stderr, message)
	}
}

// The program's exit code and output pass through procman.exe unchanged.
func TestRunWindowsPassesExitCodeThrough(t *testing.T) {
	for _, code := range []string{"0", "3", "42", "255"} {
		r := runProcman(t, nil, "run", "--no-plugins", "--env", "PROCMAN_TEST_ROLE=exit",
			"--env", "PROCMAN_TEST_CODE="+code, "--env", "PROCMAN_TEST_OUTPUT=out-"+code, "--", self(t))
		want, err := strconv.Atoi(code)
		if err != nil {
			t.Fatal(err)
		}
		r.wantStatus(t, want, "")
		if r.stdout != "out-"+code {
			t.Errorf("code %s: stdout %q, want the program's %q", code, r.stdout, "out-"+code)
		}
	}
}

// 127 for a command that does not exist, by name (looked up in Path with
// PATHEXT) or by path.
func TestRunWindowsCommandNotFoundIs127(t *testing.T) {
	r := runProcman(t, nil, "run", "--no-plugins", "--", "procman-test-no-such-program")
	r.wantStatus(t, exitNotFound, `"procman-test-no-such-program" not found in PATH`)

	missing := filepath.Join(t.TempDir(), "missing.exe")
	r = runProcman(t, nil, "run", "--no-plugins", "--", missing)
	r.wantStatus(t, exitNotFound, "no such file")
}

// 126 for a command that exists but cannot run: a batch file, which only
// cmd.exe runs (and would interpret the arguments), a file that is not an
// .exe or .com, and an .exe that is no program, which CreateProcess itself
// refuses.
func TestRunWindowsNotExecutableIs126(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{"tool.bat": "@echo off\r\n", "notes.txt": "text", "broken.exe": "not a program"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := runProcman(t, nil, "run", "--no-plugins", "--", filepath.Join(dir, "tool.bat"))
	r.wantStatus(t, exitNotExecutable, "is a batch file")

	r = runProcman(t, nil, "run", "--no-plugins", "--", filepath.Join(dir, "notes.txt"))
	r.wantStatus(t, exitNotExecutable, "is not an .exe or .com file")

	r = runProcman(t, nil, "run", "--no-plugins", "--", filepath.Join(dir, "broken.exe"))
	r.wantStatus(t, exitNotExecutable, "broken.exe")
}

// 2 for bad flags, a bad configuration and an unknown subcommand.
func TestRunWindowsUsageErrorsAre2(t *testing.T) {
	missingDir := filepath.Join(t.TempDir(), "missing")
	for _, args := range [][]string{
		{"run", "--no-such-flag", "--", "x"},
		{"run", "--no-plugins"},
		{"run", "--no-plugins", "--env", "A B=1", "--", self(t)},
		{"run", "--no-plugins", "--cwd", missingDir, "--", self(t)},
		{"run", "--no-plugins", "--clean-env", "--env", "PATH=C:\\a", "--env", "Path=C:\\b", "--env-file", missingDir, "--", self(t)},
		{"explain", "--json", "--grace", "-1s", "--", self(t)},
		{"frobnicate"},
	} {
		r := runProcman(t, nil, args...)
		if r.status != exitUsage || r.stderr == "" || strings.Count(strings.TrimSuffix(r.stderr, "\n"), "\n") != 0 {
			t.Errorf("procman %q: status %d, stderr %q; want %d and one line", args, r.status, r.stderr, exitUsage)
		}
	}
}

// version --verbose tells that trees are held in job objects.
func TestVersionVerboseWindowsSaysJobObject(t *testing.T) {
	r := runProcman(t, nil, "version", "--verbose")
	r.wantStatus(t, 0, "")
	if !strings.Contains(r.stdout, "windows/amd64") || !strings.Contains(r.stdout, "containment: job-object\n") {
		t.Errorf("version --verbose wrote %q, want windows/amd64 and containment: job-object", r.stdout)
	}
}

// explain shows the program Windows would run, found in Path with PATHEXT
// (so with its .exe), paths as Windows writes them, and the status run
// would exit with.
func TestExplainWindows(t *testing.T) {
	exe := self(t)
	dir, name := filepath.Split(exe)
	bare := strings.TrimSuffix(name, filepath.Ext(name))
	r := runProcman(t, nil, "explain", "--no-plugins", "--clean-env", "--env", "path="+filepath.Clean(dir), "--env", "PATHEXT=.COM;.EXE", "--", bare, "arg")
	r.wantStatus(t, 0, "")
	for _, want := range []string{"Command:  " + exe + "\n", `Args:     "arg"` + "\n", "  path=" + filepath.Clean(dir) + "\n", "  PATHEXT=.COM;.EXE\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("explain wrote\n%s\nwant a line %q", r.stdout, want)
		}
	}

	r = runProcman(t, nil, "explain", "--no-plugins", "--", "procman-test-no-such-program")
	r.wantStatus(t, exitNotFound, `"procman-test-no-such-program" not found in PATH`)
	if !strings.Contains(r.stdout, "Command:  procman-test-no-such-program\n") {
		t.Errorf("explain wrote %q, want the report before the error", r.stdout)
	}
}

// The program gets what Windows programs need from procman's environment,
// and nothing else of it: no secret, no variable that is not in the
// baseline. An edit of PATH changes Path, and a leading '=' is part of a
// name.
func TestRunWindowsBaselineEnvironment(t *testing.T) {
	r := runProcman(t, []string{"PROCMAN_TEST_SECRET=s3cr3t"}, "run", "--no-plugins",
		"--env", "PROCMAN_TEST_ROLE=env", "--env", `=Q:=Q:\data`, "--env", `PATH=C:\procman-test;`+os.Getenv("PATH"), "--", self(t))
	r.wantStatus(t, 0, "")
	got := map[string]string{}
	var paths []string
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		line = strings.TrimSuffix(line, "\r")
		key, value, _ := envfile.Cut(line)
		got[strings.ToUpper(key)] = value
		if strings.EqualFold(key, "PATH") {
			paths = append(paths, key)
		}
	}
	for _, key := range []string{"SystemRoot", "windir", "ComSpec", "PATHEXT", "TEMP", "TMP", "USERPROFILE"} {
		want, set := os.LookupEnv(key)
		if !set {
			t.Fatalf("the test's own environment has no %s", key)
		}
		if got[strings.ToUpper(key)] != want {
			t.Errorf("the program's %s = %q, want procman's %q", key, got[strings.ToUpper(key)], want)
		}
	}
	if want := `C:\procman-test;` + os.Getenv("PATH"); got["PATH"] != want || len(paths) != 1 {
		t.Errorf("the program's Path %q, spelt %q; want %q, spelt once", got["PATH"], paths, want)
	}
	if got["=Q:"] != `Q:\data` {
		t.Errorf("the program's =Q: = %q, want Q:\\data", got["=Q:"])
	}
	if _, ok := got["PROCMAN_TEST_SECRET"]; ok {
		t.Error("the program got PROCMAN_TEST_SECRET from procman's environment")
	}
	if got["PROCMAN_TEST_ROLE"] != "env" {
		t.Errorf("PROCMAN_TEST_ROLE = %q, want the --env's value", got["PROCMAN_TEST_ROLE"])
	}
}

// procman.exe lists a plugin it discovers as procman-plugin-NAME.exe, and
// run has it enhance the command's configuration over loopback TCP: the
// chain plugin (the test binary under that name) adds its name to CHAIN.
func TestPluginsWindowsDiscoveredAndRun(t *testing.T) {
	dir := t.TempDir()
	if err := copyFile(self(t), filepath.Join(dir, "procman-plugin-chain.exe")); err != nil {
		t.Fatal(err)
	}
	env := []string{"PROCMAN_PLUGIN_PATH=" + dir}

	r := runProcman(t, env, "plugins", "--json")
	r.wantStatus(t, 0, "")
	var rows []pluginRow
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("plugins --json wrote %q: %v", r.stdout, err)
	}
	i := slices.IndexFunc(rows, func(row pluginRow) bool { return row.Name == "chain" })
	if i < 0 {
		t.Fatalf("plugins --json lists no chain plugin: %s", r.stdout)
	}
	if row := rows[i]; row.Status != "ok" || row.Version != "0.0.1-test" || !strings.EqualFold(row.Path, filepath.Join(dir, "procman-plugin-chain.exe")) {
		t.Errorf("chain plugin listed as %+v, want ok, version 0.0.1-test, at its path", row)
	}

	r = runProcman(t, env, "run", "--plugin", "chain", "--env", "PROCMAN_TEST_ROLE=env", "--", self(t))
	r.wantStatus(t, 0, "")
	if !slices.Contains(strings.Split(strings.ReplaceAll(r.stdout, "\r", ""), "\n"), "CHAIN=chain") {
		t.Errorf("the program's environment has no CHAIN=chain from the plugin:\n%s\nstderr: %s", r.stdout, r.stderr)
	}
}

func copyFile(from, to string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, data, 0o755)
}

// underWine reports whether the test runs under Wine, which delivers no
// console control events (see TestCtrlC*).
func underWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}
