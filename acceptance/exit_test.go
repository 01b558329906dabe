//go:build linux

package acceptance

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/internal/proctest"
)

func TestExitCodeIsMirrored(t *testing.T) {
	marker := proctest.Marker(t)
	for code := range 256 {
		r := run(t, procman(t, "run", "--", testchildBin, "exit", strconv.Itoa(code), marker))
		if r.code != code {
			t.Errorf("child exited with %d, procman with %d; stderr:\n%s", code, r.code, r.stderr)
		}
	}
}

func TestSignalDeathIs128PlusSignal(t *testing.T) {
	// Signals that end a Go program such as testchild when it is sent them.
	for _, sig := range []int{1, 2, 9, 15} {
		t.Run(strconv.Itoa(sig), func(t *testing.T) {
			marker := proctest.Marker(t)
			r := run(t, procman(t, "run", "--", testchildBin, "kill", strconv.Itoa(sig), marker))
			r.wantExit(t, 128+sig)
		})
	}
}

func TestCommandNotFound(t *testing.T) {
	marker := proctest.Marker(t)
	dir, name := filepath.Split(testchildBin)

	// Found through the PATH procman passes on...
	found := procman(t, "run", "--", name, "exit", "0", marker)
	found.Env = []string{"PATH=" + dir}
	run(t, found).wantExit(t, 0)

	// ...and not through a PATH of the command's own, even though procman's
	// PATH has it.
	notFound := procman(t, "run", "--env", "PATH=/nonexistent", "--", name, "exit", "0", marker)
	notFound.Env = []string{"PATH=" + dir}
	r := run(t, notFound)
	r.wantExit(t, 127)
	r.wantOneLine(t, strconv.Quote(name)+` not found in PATH "/nonexistent"`)

	r = run(t, procman(t, "run", "--", filepath.Join(t.TempDir(), "missing"), marker))
	r.wantExit(t, 127)
	r.wantOneLine(t, "command not found")
}

func TestCommandNotExecutable(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		return path
	}
	tests := []struct {
		name    string
		command string
		message string
	}{
		{"no execute permission", write("data", "#!/bin/sh\n", 0o644), "not executable"},
		{"directory", dir, "not executable"},
		{"unknown format", write("text", "neither a script nor a program\n", 0o755), "exec format error"},
		// Like bash: the command was found, its interpreter was not.
		{"missing interpreter", write("script", "#!/nonexistent/interpreter -x\necho hi\n", 0o755), "interpreter /nonexistent/interpreter does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			marker := proctest.Marker(t)
			r := run(t, procman(t, "run", "--", tt.command, marker))
			r.wantExit(t, 126)
			r.wantOneLine(t, tt.message)
		})
	}
}

// withFileLimit makes cmd run under "ulimit -n limit".
func withFileLimit(cmd *exec.Cmd, limit int) *exec.Cmd {
	cmd.Args = append([]string{"sh", "-c", `ulimit -n "$0" && exec "$@"`, strconv.Itoa(limit)}, cmd.Args...)
	cmd.Path = "/bin/sh"
	return cmd
}

// wantOwnLine fails the test unless the last line of procman's stderr is
// procman's one message, holding want, and no other line is (procman's
// log lines may come before it).
func (r result) wantOwnLine(t *testing.T, want string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	var own []string
	for _, line := range lines {
		if strings.HasPrefix(line, "procman") {
			own = append(own, line)
		}
	}
	if len(own) != 1 || own[0] != lines[len(lines)-1] || !strings.Contains(own[0], want) {
		t.Errorf("stderr:\n%s\nwant one last line of procman's own, holding %q", r.stderr, want)
	}
}

// procman's own failures exit 125, never 126 or 127, which tell of the
// command. Out of descriptors at every limit from where the Go runtime
// can start to where the command runs, procman either runs the command or
// says why it cannot, under every mechanism.
func TestOwnFailureIs125(t *testing.T) {
	eachMechanism(t, func(t *testing.T, mech host.Mechanism) {
		marker := proctest.Marker(t)
		failures := 0
		for limit := 10; limit <= 64; limit++ {
			cmd := procman(t, "run", "--no-plugins", "--containment", mech.String(), "--", testchildBin, "exit", "0", marker)
			r := run(t, withFileLimit(cmd, limit))
			if r.code == 0 {
				break
			}
			failures++
			if r.code != 125 {
				t.Errorf("ulimit -n %d: exit code %d, want 125 or 0; stderr:\n%s", limit, r.code, r.stderr)
				continue
			}
			r.wantOwnLine(t, "too many open files")
		}
		if failures == 0 {
			t.Error("procman never ran out of descriptors: nothing was tested")
		}
	})
}

// Out of processes (ulimit -u, which binds users other than root), procman
// either runs the command or says, with 125, that it cannot. The limit
// counts every process of the user: it rises from 1 until the command
// runs, skipping the limits at which the Go runtime itself cannot start.
func TestOutOfProcessesIs125(t *testing.T) {
	bash, err := exec.LookPath("bash") // dash's ulimit has no -u
	if err != nil {
		t.Skip(err)
	}
	marker := proctest.Marker(t)
	failures := 0
	for limit := 1; limit <= 500; limit++ {
		cmd := procman(t, "run", "--no-plugins", "--", testchildBin, "exit", "0", marker)
		cmd.Args = append([]string{"bash", "-c", `ulimit -u "$0" && exec "$@"`, strconv.Itoa(limit)}, cmd.Args...)
		cmd.Path = bash
		if os.Geteuid() == 0 {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		}
		r := run(t, cmd)
		switch {
		case r.code == 0:
			if failures == 0 {
				t.Error("procman never ran out of processes: nothing was tested")
			}
			return
		case r.code == 2 && (strings.Contains(r.stderr, "pthread_create failed") || strings.Contains(r.stderr, "failed to create new OS thread")):
			continue // the Go runtime died before procman's code ran
		case r.code != 125:
			t.Errorf("ulimit -u %d: exit code %d, want 125 or 0; stderr:\n%s", limit, r.code, r.stderr)
			continue
		}
		failures++
		r.wantOwnLine(t, "resource temporarily unavailable")
	}
	t.Error("procman did not run the command with up to 500 processes")
}

// A log file that cannot be opened is a bad configuration, as a missing
// log directory is.
func TestUnusableLogFileIsABadConfiguration(t *testing.T) {
	socket := filepath.Join(t.TempDir(), "log.socket")
	ln, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	marker := proctest.Marker(t)
	r := run(t, procman(t, "run", "--no-plugins", "--log", socket, "--", testchildBin, "exit", "0", marker))
	r.wantExit(t, 2)
	r.wantOneLine(t, "log file: open "+socket+": not a regular file: a socket (--log-special allows a FIFO or a character device)")
}

// A working directory that exists but cannot be entered is a bad
// configuration too: not a command that cannot be executed.
func TestUnenterableCwdIsABadConfiguration(t *testing.T) {
	eachMechanism(t, func(t *testing.T, mech host.Mechanism) {
		marker := proctest.Marker(t)
		closed, asNobody := closedDir(t)
		if asNobody && mech == host.Cgroup {
			t.Skip("procman runs as nobody here, who has no cgroup of its own")
		}
		cmd := procman(t, "run", "--no-plugins", "--containment", mech.String(), "--cwd", closed, "--", testchildBin, "exit", "0", marker)
		cmd.Dir = "/"
		if asNobody {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		}
		r := run(t, cmd)
		r.wantExit(t, 2)
		r.wantOneLine(t, "chdir "+closed+": permission denied")
	})
}

// closedDir returns a directory of root's that procman can see but not
// enter, and whether procman must run as nobody for that. A directory of
// the user's own would not do: in a user namespace of the user's own, as
// under pid-namespace unprivileged, the command may enter it whatever its
// mode.
func closedDir(t *testing.T) (dir string, asNobody bool) {
	if os.Geteuid() == 0 {
		parent, err := proctest.WorldReadableTempDir()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(parent) })
		dir = filepath.Join(parent, "closed")
		if err := os.Mkdir(dir, 0o600); err != nil { // no search permission
			t.Fatal(err)
		}
		return dir, true
	}
	for _, dir := range []string{"/root", "/var/cache/ldconfig"} {
		if info, err := os.Stat(dir); err == nil && info.IsDir() && syscall.Access(dir, 1 /* X_OK */) != nil {
			return dir, false
		}
	}
	t.Skip("no directory of root's keeps this user out")
	return "", false
}
