//go:build linux

package acceptance

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/procman-dev/procman/internal/proctest"
)

func TestArgsArriveVerbatim(t *testing.T) {
	marker := proctest.Marker(t)
	args := []string{
		"plain",
		"",
		"two words",
		"  leading and trailing  ",
		`"double quotes"`,
		"'single quotes'",
		`back\slash`,
		"$(touch pwned)",
		"`id`",
		"$HOME",
		"a; rm -rf /",
		"a && b | c > d",
		"*",
		"new\nline",
		"tab\there",
		"ünïcødé ✓ 日本語",
		"\xff\xfe not UTF-8",
		"--env",
		"-h",
		"--",
		"",
	}
	cmdArgs := append([]string{"run", "--", testchildBin, "args"}, args...)
	r := run(t, procman(t, append(cmdArgs, marker)...))
	r.wantExit(t, 0)
	var want strings.Builder
	for _, arg := range append(args, marker) {
		want.WriteString(strconv.Quote(arg) + "\n")
	}
	if r.stdout != want.String() {
		t.Errorf("child got:\n%s\nwant:\n%s", r.stdout, want.String())
	}
}

func TestCwd(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "sub dir")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	marker := proctest.Marker(t)

	r := run(t, procman(t, "run", "--cwd", sub, "--", testchildBin, "pwd", marker))
	r.wantExit(t, 0)
	if r.stdout != sub+"\n" {
		t.Errorf("absolute --cwd: child ran in %q, want %q", r.stdout, sub)
	}

	relative := procman(t, "run", "--cwd", "sub dir", "--", testchildBin, "pwd", marker)
	relative.Dir = dir
	r = run(t, relative)
	r.wantExit(t, 0)
	if r.stdout != sub+"\n" {
		t.Errorf("relative --cwd: child ran in %q, want %q", r.stdout, sub)
	}

	// A relative --cwd that does not exist is reported as the absolute path
	// procman made of it.
	missing := procman(t, "run", "--cwd", "missing", "--", testchildBin, "pwd", marker)
	missing.Dir = dir
	r = run(t, missing)
	r.wantExit(t, 2)
	r.wantOneLine(t, strconv.Quote(filepath.Join(dir, "missing"))+" does not exist")
}

func TestOutputGoesToProcmansStdoutAndStderr(t *testing.T) {
	marker := proctest.Marker(t)
	r := run(t, procman(t, "run", "--", testchildBin, "interleave", "3", marker))
	r.wantExit(t, 0)
	if want := "stdout 0\nstdout 2\nstdout 4\n"; r.stdout != want {
		t.Errorf("stdout = %q, want %q", r.stdout, want)
	}
	if want := "stderr 1\nstderr 3\nstderr 5\n"; r.stderr != want {
		t.Errorf("stderr = %q, want %q", r.stderr, want)
	}
}

func TestLogFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "work"), 0o755); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(dir, "out.log")
	if err := os.WriteFile(log, []byte("earlier line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	marker := proctest.Marker(t)

	// A relative --log is relative to procman's working directory, not to
	// --cwd.
	cmd := procman(t, "run", "--cwd", "work", "--log", "out.log", "--", testchildBin, "interleave", "3", marker)
	cmd.Dir = dir
	r := run(t, cmd)
	r.wantExit(t, 0)
	if r.stdout != "" || r.stderr != "" {
		t.Errorf("with --log, procman's stdout = %q and stderr = %q, want nothing", r.stdout, r.stderr)
	}
	r = run(t, procman(t, "run", "--log", log, "--", testchildBin, "interleave", "1", marker))
	r.wantExit(t, 0)

	got, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	want := "earlier line\n" +
		"stdout 0\nstderr 1\nstdout 2\nstderr 3\nstdout 4\nstderr 5\n" +
		"stdout 0\nstderr 1\n"
	if string(got) != want {
		t.Errorf("log file:\n%s\nwant:\n%s", got, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "work", "out.log")); err == nil {
		t.Error("--log was taken relative to --cwd")
	}
}

func TestLogLevel(t *testing.T) {
	marker := proctest.Marker(t)
	r := run(t, procman(t, "run", "--log-level", "debug", "--", testchildBin, "exit", "0", marker))
	r.wantExit(t, 0)
	if !strings.Contains(r.stderr, "[DEBUG] procman: started") {
		t.Errorf("--log-level debug: stderr = %q, want procman's debug lines", r.stderr)
	}
	r = run(t, procman(t, "run", "--", testchildBin, "exit", "0", marker))
	r.wantExit(t, 0)
	if r.stderr != "" {
		t.Errorf("default log level: stderr = %q, want nothing", r.stderr)
	}
}
