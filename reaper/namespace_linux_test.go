package reaper

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/procman-dev/procman/internal/proctest"
	"github.com/procman-dev/procman/platform"
)

// In a PID namespace that kept the outer /proc, as procman run inside a
// procman pid-namespace tree has it, the reaper finds a registered
// process in /proc by its pid there: it stops the process it was given,
// and never one that /proc names by the namespace's pid.
func TestNestedReaperSignalsTheRegisteredProcess(t *testing.T) {
	marker := proctest.Marker(t)
	h := startNestedHost(t, marker)
	note := filepath.Join(t.TempDir(), "note")
	protected := h.spawn(10*time.Second, "term-note", marker, note)

	// A process of the namespace whose pid there is, in /proc, the pid of
	// an unrelated process outside: registered with that one's start time,
	// it names no process of the namespace.
	var bystander process
	var nsPid int
	for range 10 {
		f := h.do("start", "trap", marker)
		p := killAtEnd(t, atoi(t, f[0]))
		if start, err := platform.StartTime(atoi(t, f[1])); err == nil {
			bystander, nsPid = p, atoi(t, f[1])
			h.do("protect", f[1], strconv.FormatUint(start, 10), "100")
			break
		}
	}
	if nsPid == 0 {
		t.Fatal("no process of the namespace has a pid that /proc gives a process outside it")
	}

	reaper := identify(t, h.reaper)
	h.kill()
	if !waitFor(10*time.Second, func() bool { return !reaper.alive() }) {
		t.Fatal("the reaper did not exit after its host's death")
	}
	if data, err := os.ReadFile(note); err != nil || string(data) != "term" {
		t.Errorf("the registered process (pid %d, %d in the namespace) noted %q, %v; want a SIGTERM", protected, h.nsPid(protected), data, err)
	}
	if !bystander.alive() {
		t.Errorf("process %d (%d in the namespace), registered under another process's identity, was stopped", bystander.pid, nsPid)
	}
}

// In such a namespace, the members of a registered cgroup (cgroup.procs
// gives their pids in the namespace) get their SIGTERM.
func TestNestedReaperSignalsCgroupMembers(t *testing.T) {
	base := testCgroup(t)
	marker := proctest.Marker(t)
	h := startNestedHost(t, marker)
	note := filepath.Join(t.TempDir(), "note")
	member := identify(t, atoi(t, h.do("spawn-cgroup", base, "term-note", marker, note)[0]))
	h.expectGone(member.pid, "process of the protected cgroup")
	h.do("cgroup", base, "60000")

	h.kill()
	if !waitFor(10*time.Second, func() bool { return !member.alive() }) {
		t.Fatal("the member of the registered cgroup got no SIGTERM")
	}
	if data, err := os.ReadFile(note); err != nil || string(data) != "term" {
		t.Errorf("the member of the registered cgroup noted %q, %v; want a SIGTERM", data, err)
	}
}

// startNestedHost starts a fake host in a PID namespace of its own (the
// host is pid 2 there, its reaper 3) that keeps the outer /proc.
func startNestedHost(t *testing.T, marker string) *host {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root, to make a PID namespace")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skipf("no unshare here: %v", err)
	}
	h := startHostWith(t, marker, hostOptions{}, exec.Command(unshare, "--pid", "--fork", "--kill-child", testBinary, marker))
	if h.nsPid(h.pid) == h.pid {
		t.Fatalf("the fake host %d is not in a PID namespace of its own", h.pid)
	}
	return h
}

// nsPid returns the pid in its own PID namespace of the process /proc
// names pid: the last of its NSpid line.
func (h *host) nsPid(pid int) int {
	h.t.Helper()
	for line := range strings.Lines(string(proctest.ReadProc(h.t, pid, "status"))) {
		if rest, ok := strings.CutPrefix(line, "NSpid:"); ok {
			f := strings.Fields(rest)
			return atoi(h.t, f[len(f)-1])
		}
	}
	h.t.Fatalf("no NSpid line for pid %d", pid)
	return 0
}
