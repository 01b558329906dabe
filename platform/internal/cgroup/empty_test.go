//go:build linux

package cgroup

import (
	"os"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

func TestEmptyIsClosedForUnusedCgroup(t *testing.T) {
	c := newTestCgroup(t, newTestGroup(t))
	empty, err := c.Empty()
	if err != nil {
		t.Fatal(err)
	}
	if !isClosed(empty) {
		t.Error("Empty of a cgroup nothing was started into is open")
	}
	awaitWatcherIdle(t)
}

// TestEmptyClosesWhenLastProcessExits also shows that the exited leader,
// which the test keeps unreaped as the host does, does not hold the cgroup
// populated.
func TestEmptyClosesWhenLastProcessExits(t *testing.T) {
	c := newTestCgroup(t, newTestGroup(t))
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	tr := startTree(t, c.FD(), `cat <&3 >/dev/null & exec cat <&3 >/dev/null`, r)
	r.Close()
	awaitProcs(t, c, 2, "cat")
	empty, err := c.Empty()
	if err != nil {
		t.Fatal(err)
	}
	if isClosed(empty) {
		t.Fatal("Empty closed while two processes run")
	}
	w.Close() // both read end of file and exit
	leader := tr.cmd.Process.Pid
	var info unix.Siginfo
	if err := unix.Waitid(unix.P_PID, leader, &info, unix.WEXITED|unix.WNOWAIT, nil); err != nil {
		t.Fatal(err)
	}
	awaitEmpty(t, c)
	if f := stat(leader); f == nil || f[0] != "Z" {
		t.Fatalf("leader %d: stat %v; want an unreaped zombie", leader, f)
	}
	if err := tr.cmd.Wait(); err != nil {
		t.Fatal(err)
	}
}

func TestZombieLeavesCgroupEmpty(t *testing.T) {
	c := newTestCgroup(t, newTestGroup(t))
	tr := startTree(t, c.FD(), `exit 0`)
	leader := tr.cmd.Process.Pid
	var info unix.Siginfo
	if err := unix.Waitid(unix.P_PID, leader, &info, unix.WEXITED|unix.WNOWAIT, nil); err != nil {
		t.Fatal(err)
	}
	if f := stat(leader); f == nil || f[0] != "Z" {
		t.Fatalf("leader %d: stat %v; want an unreaped zombie", leader, f)
	}
	if populated, err := c.Populated(); err != nil || populated {
		t.Errorf("with only a zombie: Populated() = %v, %v; want false", populated, err)
	}
	if pids, err := c.Procs(); err != nil || len(pids) != 0 {
		t.Errorf("with only a zombie: Procs() = %v, %v; want none", pids, err)
	}
	empty, err := c.Empty()
	if err != nil || !isClosed(empty) {
		t.Errorf("with only a zombie: Empty() = open %v, %v; want closed", !isClosed(empty), err)
	}
	if err := c.Remove(); err != nil {
		t.Errorf("with only a zombie: Remove: %v", err)
	}
	if err := tr.cmd.Wait(); err != nil {
		t.Fatal(err)
	}
}

func TestEmptySharesOneGoroutine(t *testing.T) {
	const n = 20
	g := newTestGroup(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	cgroups := make([]*Cgroup, n)
	trees := make([]*tree, n)
	for i := range cgroups {
		cgroups[i] = newTestCgroup(t, g)
		trees[i] = startTree(t, cgroups[i].FD(), `exec cat <&3 >/dev/null`, r)
	}
	r.Close()
	for _, c := range cgroups {
		awaitProcs(t, c, 1, "cat")
	}
	awaitWatcherIdle(t)
	before := runtime.NumGoroutine()
	empties := make([]<-chan struct{}, n)
	for i, c := range cgroups {
		if empties[i], err = c.Empty(); err != nil {
			t.Fatal(err)
		}
		if isClosed(empties[i]) {
			t.Fatalf("Empty of %s closed while its cat runs", c.Path())
		}
	}
	if added := runtime.NumGoroutine() - before; added > 1 {
		t.Errorf("watching %d cgroups added %d goroutines; want 1", n, added)
	}
	w.Close()
	for _, c := range cgroups {
		awaitEmpty(t, c)
	}
	for _, tr := range trees {
		if err := tr.cmd.Wait(); err != nil {
			t.Error(err)
		}
	}
	awaitWatcherIdle(t)
}

// awaitWatcherIdle waits until the goroutine that serves Empty has ended,
// as it must once no channel is open.
func awaitWatcherIdle(t *testing.T) {
	t.Helper()
	waitFor(t, "end of the watching goroutine", func() bool {
		watches.mu.Lock()
		defer watches.mu.Unlock()
		return watches.inotify == nil
	})
}
