package platform

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/procman-dev/procman/internal/proctest"
	"golang.org/x/sys/unix"
)

// TestStartReportsWhyTheProgramCannotRun: Start runs a program through
// procman-init's exec mode, and a program that cannot run still fails it
// with the *ProgramError a direct exec gives: the errno of the program's
// own exec, or of entering its directory. The failed process is reaped.
func TestStartReportsWhyTheProgramCannotRun(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		return path
	}
	garbage := write("garbage", "not a program\n", 0o755)
	plain := write("plain", "#!/bin/sh\n", 0o644)
	orphan := write("orphan", "#!/nonexistent/interpreter\n", 0o755)
	null, err := DevNull()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, dir string
		args            []string
		op, errPath     string
		errno           syscall.Errno
	}{
		{"missing", filepath.Join(dir, "missing"), dir, nil, "exec", filepath.Join(dir, "missing"), syscall.ENOENT},
		{"not executable", plain, dir, nil, "exec", plain, syscall.EACCES},
		{"no format", garbage, dir, nil, "exec", garbage, syscall.ENOEXEC},
		{"missing interpreter", orphan, dir, nil, "exec", orphan, syscall.ENOENT},
		{"argument too long", "/bin/true", dir, []string{strings.Repeat("x", 200<<10)}, "exec", "/bin/true", syscall.E2BIG},
		{"missing directory", "/bin/true", filepath.Join(dir, "nope"), nil, "chdir", filepath.Join(dir, "nope"), syscall.ENOENT},
	}
	before := ownChildren(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Start(Spec{
				Path: tt.path, Args: append([]string{"x"}, tt.args...), Dir: tt.dir,
				Stdin: null, Stdout: null, Stderr: null,
			})
			var pe *ProgramError
			if !errors.As(err, &pe) || pe.Op != tt.op || pe.Path != tt.errPath || pe.Err != tt.errno {
				t.Fatalf("Start = %v, want a *ProgramError %s %s: %v", err, tt.op, tt.errPath, tt.errno)
			}
		})
	}
	if after := ownChildren(t); !slices.Equal(after, before) {
		t.Errorf("children after the failed starts %v, before %v: a failed one was left", after, before)
	}
}

// TestStartRunsAProgramNamedByAHostDescriptor: a Spec's Path may name a
// descriptor of this process (/proc/self/fd/N, as an Executable's does),
// even one whose number the child's own descriptors take: the program is
// the file this process has as N, not what the child has there.
func TestStartRunsAProgramNamedByAHostDescriptor(t *testing.T) {
	program, err := os.Open("/bin/true")
	if err != nil {
		t.Fatal(err)
	}
	defer program.Close()
	null, err := DevNull()
	if err != nil {
		t.Fatal(err)
	}
	// The child's descriptors 3 and on: N among them.
	extra := make([]*os.File, program.Fd())
	for i := range extra {
		extra[i] = null
	}
	p, err := Start(Spec{
		Path: "/proc/self/fd/" + strconv.Itoa(int(program.Fd())), Args: []string{"true"}, Dir: "/",
		Stdin: null, Stdout: null, Stderr: null, ExtraFiles: extra,
	})
	if err != nil {
		t.Fatal(err)
	}
	st, err := p.Wait()
	p.Release()
	if err != nil || st != (ExitStatus{}) {
		t.Errorf("the program %v, %v; want it to exit 0", st, err)
	}
}

// ownChildren lists this process's children, zombies included.
func ownChildren(t *testing.T) []int {
	t.Helper()
	kids, err := children(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(kids)
	return kids
}

// openPath opens path as PrepareCommand's caller does: O_PATH, so that a
// file that may only be executed can be.
func openPath(t *testing.T, path string) *os.File {
	t.Helper()
	fd, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), path)
	t.Cleanup(func() { f.Close() })
	return f
}

// TestPrepareCommandPassesOnlyTheCommandsDescriptors: commands prepared
// by PrepareCommand and started while another goroutine keeps opening
// descriptors without O_CLOEXEC run the program they were given by
// descriptor, as the started process itself, with their arguments,
// environment and directory, and with 0, 1, 2 and their ExtraFiles only.
func TestPrepareCommandPassesOnlyTheCommandsDescriptors(t *testing.T) {
	marker := proctest.Marker(t)
	dir := t.TempDir()
	null, err := DevNull()
	if err != nil {
		t.Fatal(err)
	}
	null2, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null2.Close()
	stop := strayDescriptors(int(null2.Fd()))
	defer stop()
	for i := range 30 {
		// A path that names nothing: the program is the descriptor.
		cmd := exec.Command(filepath.Join(dir, "unused"))
		cmd.Args = []string{"sh", "-c", `echo "$$ $0 $PWD $X"; ls /proc/self/fd`, marker}
		cmd.Env = []string{"X=" + strconv.Itoa(i)}
		cmd.Dir = dir
		cmd.ExtraFiles = []*os.File{null}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := PrepareCommand(cmd, openPath(t, "/bin/sh")); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Run(); err != nil {
			t.Fatalf("run %d: %v (%s)", i, err, out.Bytes())
		}
		// 3: the ExtraFile; 4: the directory ls reads.
		want := fmt.Sprintf("%d %s %s %d\n0\n1\n2\n3\n4\n", cmd.Process.Pid, marker, dir, i)
		if out.String() != want {
			t.Fatalf("run %d wrote %q, want %q", i, out.Bytes(), want)
		}
	}
}

// TestPrepareCommandRunsScriptsAndReportsFailures: a #! script given by
// descriptor runs (its interpreter reads it through /dev/fd/N), and a
// program that cannot be executed makes the command exit 127 with the
// reason on its stderr.
func TestPrepareCommandRunsScriptsAndReportsFailures(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "script")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(script, "a", "b c")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := PrepareCommand(cmd, openPath(t, script)); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Run(); err != nil || out.String() != "a b c\n" {
		t.Errorf("the script: %v, %q; want it to print its arguments", err, out.Bytes())
	}

	out.Reset()
	cmd = exec.Command(plain)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := PrepareCommand(cmd, openPath(t, plain)); err != nil {
		t.Fatal(err)
	}
	err := cmd.Run()
	var exit *exec.ExitError
	if want := "procman-init: exec " + plain + ": Permission denied\n"; !errors.As(err, &exit) || exit.ExitCode() != 127 || out.String() != want {
		t.Errorf("a file that is not executable: %v, %q; want exit status 127 and %q", err, out.Bytes(), want)
	}
}
