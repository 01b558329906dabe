//go:build linux

package acceptance

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/procman-dev/procman/internal/proctest"
)

// childEnv runs testchild env under procman with procmanEnv as procman's
// own environment, and returns the child's environment, sorted.
func childEnv(t *testing.T, procmanEnv []string, flags ...string) []string {
	t.Helper()
	marker := proctest.Marker(t)
	args := slices.Concat([]string{"run"}, flags, []string{"--", testchildBin, "env", marker})
	cmd := procman(t, args...)
	cmd.Env = procmanEnv
	r := run(t, cmd)
	r.wantExit(t, 0)
	env := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if r.stdout == "" {
		env = nil
	}
	slices.Sort(env)
	return env
}

func wantEnv(t *testing.T, got []string, want ...string) {
	t.Helper()
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("child environment:\n  %q\nwant:\n  %q", got, want)
	}
}

// callerEnv is procman's own environment in these tests: the baseline
// variables and others that must not reach the child by default.
var callerEnv = []string{
	"HOME=/home/tester",
	"USER=tester",
	"LOGNAME=tester-login",
	"PATH=/usr/local/bin:/usr/bin:/bin",
	"LANG=eo.UTF-8",
	"TERM=dumb",
	"SECRET_TOKEN=hunter2",
	"SHELL=/bin/sh",
	"LC_ALL=C",
	"EMPTY=",
}

func TestBaselineEnvironment(t *testing.T) {
	got := childEnv(t, callerEnv)
	wantEnv(t, got, callerEnv[:6]...)
}

func TestBaselineCopiesOnlyWhatIsSet(t *testing.T) {
	got := childEnv(t, []string{"PATH=/bin", "HOME=", "OTHER=x"})
	wantEnv(t, got, "PATH=/bin", "HOME=")
}

func TestCleanEnvironment(t *testing.T) {
	got := childEnv(t, callerEnv, "--clean-env")
	wantEnv(t, got)

	got = childEnv(t, callerEnv, "--clean-env", "--env", "A=1", "--env", "EMPTY_VALUE=", "--env", "SPACES= a  b ", "--env", "EQ=x=y")
	wantEnv(t, got, "A=1", "EMPTY_VALUE=", "SPACES= a  b ", "EQ=x=y")
}

func TestEnvCopiesFromCaller(t *testing.T) {
	got := childEnv(t, callerEnv, "--clean-env", "--env", "SECRET_TOKEN", "--env", "EMPTY", "--env", "NOT_SET_ANYWHERE")
	wantEnv(t, got, "SECRET_TOKEN=hunter2", "EMPTY=")

	// Copying a variable procman does not have unsets it.
	got = childEnv(t, []string{"PATH=/bin"}, "--env", "HOME=/set/by/flag", "--env", "HOME", "--env", "PATH")
	wantEnv(t, got, "PATH=/bin")
}

func TestEnvFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "app.env")
	content := "# database settings\n" +
		"\n" +
		"DB_HOST=localhost\n" +
		"   # an indented comment\n" +
		"QUOTED=\"kept\" 'as is'\n" +
		"SPACES=  a b  \n" +
		"EXPANDED=$HOME $(id)\n" +
		"EMPTY=\n" +
		"HASH=a # not a comment\n" +
		"\t\n" +
		"PATH=/from/file\n"
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	got := childEnv(t, callerEnv, "--env-file", file)
	wantEnv(t, got,
		"HOME=/home/tester", "USER=tester", "LOGNAME=tester-login", "LANG=eo.UTF-8", "TERM=dumb",
		"DB_HOST=localhost",
		`QUOTED="kept" 'as is'`,
		"SPACES=  a b  ",
		"EXPANDED=$HOME $(id)",
		"EMPTY=",
		"HASH=a # not a comment",
		"PATH=/from/file",
	)
}

func TestEnvLaterWins(t *testing.T) {
	dir := t.TempDir()
	first := filepath.Join(dir, "first.env")
	second := filepath.Join(dir, "second.env")
	if err := os.WriteFile(first, []byte("A=first-file\nB=first-file\nC=first-file\nA=first-file-again\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(second, []byte("C=second-file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got := childEnv(t, callerEnv, "--clean-env",
		"--env", "A=flag", "--env", "B=flag", "--env", "D=flag",
		"--env-file", first,
		"--env", "B=flag-after",
		"--env-file", second,
		"--env", "D=flag-last",
	)
	wantEnv(t, got, "A=first-file-again", "B=flag-after", "C=second-file", "D=flag-last")
}
