//go:build linux

package cgroup

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// daemonScript leaves two sleeps behind when its shell exits: one that
// setsid and a double fork made a daemon, and one plain background job.
const daemonScript = `setsid sh -c 'sleep 1000 & exit 0' & sleep 1000 & exit 0`

func TestProcsListsDetachedDescendants(t *testing.T) {
	c := newTestCgroup(t, newTestGroup(t))
	tr := startTree(t, c.FD(), daemonScript)
	if err := tr.cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	pids := awaitProcs(t, c, 2, "sleep")
	if stat(pids[0])[3] == stat(pids[1])[3] {
		t.Errorf("sleeps %v share a session: the daemon did not setsid", pids)
	}
	if populated, err := c.Populated(); err != nil || !populated {
		t.Errorf("Populated() = %v, %v; want true", populated, err)
	}
	empty, err := c.Empty()
	if err != nil {
		t.Fatal(err)
	}
	if isClosed(empty) {
		t.Error("Empty closed while two sleeps run")
	}
	if err := c.Kill(); err != nil {
		t.Fatal(err)
	}
	awaitEmpty(t, c)
}

func TestSignalEndsDetachedDescendants(t *testing.T) {
	c := newTestCgroup(t, newTestGroup(t))
	tr := startTree(t, c.FD(), daemonScript)
	if err := tr.cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	awaitProcs(t, c, 2, "sleep")
	if err := c.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	awaitEmpty(t, c)
	if pids := tr.survivors(); len(pids) > 0 {
		t.Errorf("processes %v survived SIGTERM", pids)
	}
}

func TestKillEndsTreeIgnoringSIGTERM(t *testing.T) {
	c := newTestCgroup(t, newTestGroup(t))
	tr := startTree(t, c.FD(), `trap "" TERM; sleep 1000 & wait`)
	pids := awaitProcs(t, c, 2, "") // sh and sleep
	if err := c.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// An ignored signal is dropped when sent, so this is no race.
	for _, pid := range pids {
		if !alive(pid) {
			t.Fatalf("process %d (%s) ended on SIGTERM, which it ignores", pid, comm(pid))
		}
	}
	if err := c.Kill(); err != nil {
		t.Fatal(err)
	}
	awaitEmpty(t, c)
	err := tr.cmd.Wait()
	if status, ok := tr.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || status.Signal() != syscall.SIGKILL {
		t.Errorf("shell ended with %v; want SIGKILL", err)
	}
	if pids := tr.survivors(); len(pids) > 0 {
		t.Errorf("processes %v survived Kill", pids)
	}
}

func TestKillEndsTreeThatKeepsForking(t *testing.T) {
	// The loop is bounded so that a broken Kill cannot exhaust pids.
	const script = `trap "" TERM; i=0; while [ $i -lt 1000 ]; do setsid sleep 1000 & i=$((i+1)); done; wait`
	for _, tc := range []struct {
		name string
		kill func(*Cgroup) error
	}{
		{"cgroup.kill", (*Cgroup).Kill},
		{"Signal(SIGKILL)", func(c *Cgroup) error { return c.Signal(syscall.SIGKILL) }},
		// This kernel has cgroup.kill; the fallback is called directly.
		{"freezer fallback for kernels before 5.14", (*Cgroup).killFrozen},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestCgroup(t, newTestGroup(t))
			tr := startTree(t, c.FD(), script)
			waitFor(t, "20 processes", func() bool {
				pids, err := c.Procs()
				return err == nil && len(pids) >= 20
			})
			if err := tc.kill(c); err != nil {
				t.Fatal(err)
			}
			awaitEmpty(t, c)
			if pids := tr.survivors(); len(pids) > 0 {
				t.Errorf("%d processes survived", len(pids))
			}
			if frozen, err := readEvent(c.Path(), "frozen"); err != nil || frozen {
				t.Errorf("cgroup frozen = %v, %v after the kill; want thawed", frozen, err)
			}
		})
	}
}

func TestProcsSignalAndKillReachCgroupsBelow(t *testing.T) {
	c := newTestCgroup(t, newTestGroup(t))
	below := filepath.Join(c.Path(), "below", "deeper")
	if err := os.MkdirAll(below, 0o755); err != nil {
		t.Fatal(err)
	}
	fd, err := unix.Open(below, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	tr := startTree(t, fd, `trap "" TERM; exec sleep 1000`)
	pids := awaitProcs(t, c, 1, "sleep")
	if pids[0] != tr.cmd.Process.Pid {
		t.Errorf("Procs() = %v; want [%d]", pids, tr.cmd.Process.Pid)
	}
	if populated, err := c.Populated(); err != nil || !populated {
		t.Errorf("Populated() = %v, %v; want true", populated, err)
	}
	killAndRemove(t, c)
}

func TestRemove(t *testing.T) {
	c := newTestCgroup(t, newTestGroup(t))
	if err := c.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(c.Path()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after Remove, stat %s: %v; want not exist", c.Path(), err)
	}
	if fd := c.FD(); fd != -1 {
		t.Errorf("after Remove, FD() = %d; want -1", fd)
	}
	empty, err := c.Empty()
	if err != nil || !isClosed(empty) {
		t.Errorf("after Remove, Empty() = open %v, %v; want closed", !isClosed(empty), err)
	}
	if err := c.Remove(); err != nil {
		t.Errorf("second Remove: %v", err)
	}
}

func TestRemoveFailsWhilePopulated(t *testing.T) {
	c := newTestCgroup(t, newTestGroup(t))
	startTree(t, c.FD(), `exec sleep 1000`)
	awaitProcs(t, c, 1, "sleep")
	if err := c.Remove(); !errors.Is(err, unix.EBUSY) {
		t.Fatalf("Remove of a cgroup with a process: %v; want EBUSY", err)
	}
	if c.FD() < 0 {
		t.Fatal("a failed Remove closed the descriptor")
	}
	if err := c.Kill(); err != nil {
		t.Fatal(err)
	}
	awaitEmpty(t, c)
	if err := c.Remove(); err != nil {
		t.Fatal(err)
	}
}

// RemoveIfEmpty removes an empty cgroup at once, and leaves one with a
// process as it is, descriptor and all, without waiting.
func TestRemoveIfEmpty(t *testing.T) {
	g := newTestGroup(t)
	empty := newTestCgroup(t, g)
	if !empty.RemoveIfEmpty() {
		t.Fatal("RemoveIfEmpty of an empty cgroup: false")
	}
	if _, err := os.Stat(empty.Path()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after RemoveIfEmpty, stat %s: %v; want not exist", empty.Path(), err)
	}
	if fd := empty.FD(); fd != -1 {
		t.Errorf("after RemoveIfEmpty, FD() = %d; want -1", fd)
	}
	if !empty.RemoveIfEmpty() || empty.Remove() != nil {
		t.Error("a removed cgroup is not reported removed again")
	}

	used := newTestCgroup(t, g)
	startTree(t, used.FD(), `exec sleep 1000`)
	awaitProcs(t, used, 1, "sleep")
	if used.RemoveIfEmpty() {
		t.Fatal("RemoveIfEmpty of a cgroup with a process: true")
	}
	if _, err := os.Stat(used.Path()); err != nil {
		t.Errorf("after RemoveIfEmpty of a cgroup in use, stat %s: %v", used.Path(), err)
	}
	if used.FD() < 0 {
		t.Fatal("RemoveIfEmpty of a cgroup in use closed the descriptor")
	}
	if err := used.Kill(); err != nil {
		t.Fatal(err)
	}
	awaitEmpty(t, used)
	if !used.RemoveIfEmpty() {
		t.Error("RemoveIfEmpty once the cgroup is empty: false")
	}
}

// TestCloseFD: the descriptor can be closed once the tree was started
// into the cgroup; the cgroup and what it does stay.
func TestCloseFD(t *testing.T) {
	c := newTestCgroup(t, newTestGroup(t))
	startTree(t, c.FD(), `exec sleep 1000`)
	before := openDescriptors(t)
	c.CloseFD()
	if got := c.FD(); got != -1 {
		t.Errorf("after CloseFD, FD() = %d; want -1", got)
	}
	if after := openDescriptors(t); after != before-1 {
		t.Errorf("%d descriptors open after CloseFD, %d before; want one fewer", after, before)
	}
	awaitProcs(t, c, 1, "sleep")
	killAndRemove(t, c)
}

// killAndRemove kills what is in c, waits until it is empty, removes it,
// and checks that it is gone.
func killAndRemove(t *testing.T, c *Cgroup) {
	t.Helper()
	if err := c.Kill(); err != nil {
		t.Fatal(err)
	}
	awaitEmpty(t, c)
	if err := c.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(c.Path()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after Remove, stat %s: %v; want not exist", c.Path(), err)
	}
}

func openDescriptors(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

func TestRemoveRightAfterKill(t *testing.T) {
	c := newTestCgroup(t, newTestGroup(t))
	tr := startTree(t, c.FD(), `sleep 1000 & exec sleep 1000`)
	awaitProcs(t, c, 2, "sleep")
	if err := c.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := c.Remove(); err != nil {
		t.Fatalf("Remove right after Kill: %v", err)
	}
	tr.cmd.Wait()
}
