//go:build linux

package proctest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Build compiles the package at pkg (an import path of this module) into
// dir/name, with go build's flags when given, and returns the binary's
// path. The binary is world-executable so that an unprivileged user can
// run it too.
func Build(dir, pkg, name string, flags ...string) (string, error) {
	return build(dir, pkg, name, nil, flags)
}

// build is Build with env added to go build's environment.
func build(dir, pkg, name string, env, flags []string) (string, error) {
	out := filepath.Join(dir, name)
	cmd := exec.Command("go", slices.Concat([]string{"build", "-o", out}, flags, []string{pkg})...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	cmd.Dir = moduleRoot()
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %v\n%s", pkg, err, msg)
	}
	return out, os.Chmod(out, 0o755)
}

// Procman builds procman as make does, into dir: statically (no cgo),
// procman without gRPC (the procman_lean tag), and procman-grpc, with it,
// next to it, which procman hands over to when it finds a plugin
// executable. It returns procman's path.
func Procman(dir string) (string, error) {
	static := []string{"CGO_ENABLED=0"}
	if _, err := build(dir, "github.com/procman-dev/procman/cmd/procman", "procman-grpc", static, nil); err != nil {
		return "", err
	}
	return build(dir, "github.com/procman-dev/procman/cmd/procman", "procman", static, []string{"-tags", "procman_lean"})
}

// TestChild returns the path of the testchild binary: $PROCMAN_TESTCHILD
// when set (the unprivileged runs use a prebuilt one), else one built into
// dir.
func TestChild(dir string) (string, error) {
	if path := os.Getenv("PROCMAN_TESTCHILD"); path != "" {
		return path, nil
	}
	return Build(dir, "github.com/procman-dev/procman/internal/testchild", "testchild")
}

// TestEmbed returns the path of the testembed binary: $PROCMAN_TESTEMBED
// when set, else one built into dir.
func TestEmbed(dir string) (string, error) {
	if path := os.Getenv("PROCMAN_TESTEMBED"); path != "" {
		return path, nil
	}
	return Build(dir, "github.com/procman-dev/procman/internal/testembed", "testembed")
}

// TestPlugin returns the path of the testplugin binary: $PROCMAN_TESTPLUGIN
// when set, else one built into dir.
func TestPlugin(dir string) (string, error) {
	if path := os.Getenv("PROCMAN_TESTPLUGIN"); path != "" {
		return path, nil
	}
	return Build(dir, "github.com/procman-dev/procman/internal/testplugin", "testplugin")
}

// InstallPlugins makes a directory holding the testplugin binary under
// each name procman-plugin-NAME, for discovery to find and accept (see
// TrustedDir).
func InstallPlugins(t testing.TB, testplugin string, names ...string) string {
	t.Helper()
	dir := TrustedDir(t)
	data, err := os.ReadFile(testplugin)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if err := os.WriteFile(filepath.Join(dir, "procman-plugin-"+name), data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// FindExe returns the pids of live processes running the executable at
// path.
func FindExe(path string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if exe, err := os.Readlink("/proc/" + e.Name() + "/exe"); err == nil && exe == path && State(pid) != 'Z' {
			pids = append(pids, pid)
		}
	}
	return pids
}

// ShortTempDir returns a new directory, removed at the end of the test,
// whose path is as short as the temporary directory allows: for a host's
// TMPDIR, which holds its plugin socket directories and the sockets in
// them, whose paths must fit in 107 bytes. t.TempDir() may be 80 bytes
// long.
func ShortTempDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "pm")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// WorldReadableTempDir makes a temporary directory every user may read and
// enter, for binaries that an unprivileged user runs.
func WorldReadableTempDir() (string, error) {
	dir, err := os.MkdirTemp("", "procman-test-")
	if err != nil {
		return "", err
	}
	return dir, os.Chmod(dir, 0o755)
}

func moduleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Marker returns a string unique to this call, to pass as an argument to
// every process a test starts. At the end of the test, any process whose
// command line still holds it is reported as a survivor, and killed.
func Marker(t testing.TB) string {
	t.Helper()
	b := make([]byte, 8)
	rand.Read(b)
	marker := "procman-marker-" + hex.EncodeToString(b)
	t.Cleanup(func() {
		if pids := WaitGone(marker, 30*time.Second); len(pids) > 0 {
			for _, pid := range pids {
				syscall.Kill(pid, syscall.SIGKILL)
			}
			t.Errorf("processes with marker %s survived the test: %v", marker, pids)
		}
	})
	return marker
}

// Find returns the pids of live (not zombie) processes whose command line
// has marker as one of its arguments.
func Find(marker string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil || !hasArg(cmdline, marker) {
			continue
		}
		if State(pid) == 'Z' {
			continue
		}
		pids = append(pids, pid)
	}
	return pids
}

func hasArg(cmdline []byte, arg string) bool {
	for _, a := range bytes.Split(cmdline, []byte{0}) {
		if string(a) == arg {
			return true
		}
	}
	return false
}

// ReadProc returns /proc/PID/NAME of a process that has just been started.
// The kernel lets the parent's exec return before it has set the new
// program's argument and environment ranges, so this waits until the
// command line is readable.
func ReadProc(t testing.TB, pid int, name string) []byte {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err == nil && len(cmdline) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/proc/%d/cmdline still empty after 10s (%v)", pid, err)
		}
		time.Sleep(time.Millisecond)
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// StatusField returns the value of the line key of /proc/PID/status
// ("Uid", "Groups", ...), its fields joined by single spaces.
func StatusField(t testing.TB, pid int, key string) string {
	t.Helper()
	for line := range strings.Lines(string(ReadProc(t, pid, "status"))) {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			return strings.Join(strings.Fields(v), " ")
		}
	}
	t.Fatalf("no %s line in /proc/%d/status", key, pid)
	return ""
}

// BusyPython is a Python program that keeps two processes busy for 2 s
// and prints the CPU time they used together, in seconds: 4 on two free
// CPUs.
const BusyPython = `import os, time
for _ in range(2):
    if os.fork() == 0:
        end = time.monotonic() + 2
        while time.monotonic() < end:
            pass
        os._exit(0)
os.wait(); os.wait()
t = os.times()
print(t.children_user + t.children_system)
`

// State returns the state letter of /proc/PID/stat ('R', 'S', 'Z', ...), or
// 0 when the process does not exist.
func State(pid int) byte {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return 0
	}
	return stat[i+2]
}

// Comm returns the command name of pid (/proc/PID/comm), or "" when the
// process does not exist.
func Comm(pid int) string {
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return ""
	}
	return string(bytes.TrimSpace(comm))
}

// WaitGone waits up to timeout for every process with marker to be gone and
// returns those still there.
func WaitGone(marker string, timeout time.Duration) []int {
	deadline := time.Now().Add(timeout)
	for {
		pids := Find(marker)
		if len(pids) == 0 || time.Now().After(deadline) {
			return pids
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// WaitCount waits up to timeout until exactly n processes carry marker, and
// returns them; it fails the test otherwise.
func WaitCount(t testing.TB, marker string, n int, timeout time.Duration) []int {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		pids := Find(marker)
		if len(pids) == n {
			return pids
		}
		if time.Now().After(deadline) {
			t.Fatalf("want %d processes with marker %s, have %d: %v", n, marker, len(pids), pids)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// WaitIgnoring waits until process pid ignores sig (SigIgn in
// /proc/PID/status), so that a test does not signal it before it is ready.
// (Whether a Go program handles a signal cannot be read this way: the Go
// runtime catches every signal from the start.)
func WaitIgnoring(t testing.TB, pid int, sig syscall.Signal, timeout time.Duration) {
	t.Helper()
	waitSignalMask(t, pid, "SigIgn", sig, timeout)
}

// WaitCountIgnoring waits until exactly n processes carry marker and every
// one of them ignores sig, and returns them; it fails the test otherwise.
// Unlike WaitCount then WaitIgnoring, it is not misled by a process seen
// for an instant (a child between fork and exec shows its parent's
// command line).
func WaitCountIgnoring(t testing.TB, marker string, n int, sig syscall.Signal, timeout time.Duration) []int {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		pids := Find(marker)
		if len(pids) == n && !slices.ContainsFunc(pids, func(pid int) bool { return !inSignalMask(pid, "SigIgn", sig) }) {
			return pids
		}
		if time.Now().After(deadline) {
			t.Fatalf("want %d processes with marker %s ignoring %v, have %v", n, marker, sig, pids)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func waitSignalMask(t testing.TB, pid int, field string, sig syscall.Signal, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !inSignalMask(pid, field, sig) {
		if time.Now().After(deadline) {
			t.Fatalf("pid %d: %v not in %s after %v", pid, sig, field, timeout)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func inSignalMask(pid int, field string, sig syscall.Signal) bool {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(status), "\n") {
		if mask, ok := strings.CutPrefix(line, field+":"); ok {
			bits, err := strconv.ParseUint(strings.TrimSpace(mask), 16, 64)
			return err == nil && bits&(1<<(uint(sig)-1)) != 0
		}
	}
	return false
}

// HostName returns the name by which process pid, a procman host whose
// /proc is its own namespace's (as procman gives every pid-namespace tree),
// names what it leaves on the system: "<pid>-<start time>-<pidns>", its pid
// in its own namespace, its start time and the inode of that namespace.
// It is platform.HostName of that process, read from outside.
func HostName(t testing.TB, pid int) string {
	t.Helper()
	// Read as it is, not through ReadProc: a host that already exited is a
	// zombie, whose command line is empty, and still has its stat.
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	ids := nsPids(t, pid)
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	return fmt.Sprintf("%s-%s-%d", ids[len(ids)-1], fields[22-3], pidNamespace(t, pid, len(ids)))
}

// nsPids returns the NSpid line of process pid: its pid in each PID
// namespace from /proc's down to its own.
func nsPids(t testing.TB, pid int) []string {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if ids, ok := strings.CutPrefix(line, "NSpid:"); ok {
			return strings.Fields(ids)
		}
	}
	t.Fatalf("/proc/%d/status has no NSpid line", pid)
	return nil
}

// pidNamespace returns the inode of the PID namespace of process pid, at
// depth levels below /proc's. A procman host makes itself non-dumpable,
// and then only root may read its /proc/PID/ns: the namespace is then
// found through the test's own, or through an ancestor in the same one.
func pidNamespace(t testing.TB, pid, levels int) uint64 {
	t.Helper()
	var st syscall.Stat_t
	for p := pid; p > 0; {
		if syscall.Stat(fmt.Sprintf("/proc/%d/ns/pid", p), &st) == nil {
			return st.Ino
		}
		if levels == 1 { // the test's namespace, when /proc is its own
			if err := syscall.Stat("/proc/self/ns/pid", &st); err != nil {
				t.Fatal(err)
			}
			return st.Ino
		}
		stat := ReadProc(t, p, "stat")
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		parent, _ := strconv.Atoi(fields[1])
		if parent <= 0 || len(nsPids(t, parent)) != levels {
			break
		}
		p = parent
	}
	t.Fatalf("cannot tell the PID namespace of process %d", pid)
	return 0
}
