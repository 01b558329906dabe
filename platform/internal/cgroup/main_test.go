//go:build linux

package cgroup

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/procman-dev/procman/internal/proctest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// deadline bounds every wait for an event in these tests; it is generous
// because it only matters when something is broken.
const deadline = 10 * time.Second

var testSeq atomic.Uint64

// newTestGroup returns a group of its own for t, removed when t ends, or
// skips t when this user cannot use cgroup v2 here.
func newTestGroup(t testing.TB) *Group {
	t.Helper()
	base, err := Detect(selfName(t) + "-probe")
	if err != nil {
		t.Skipf("cgroup v2 is not usable as uid %d here: %v", os.Geteuid(), err)
	}
	g, err := NewGroup(base, fmt.Sprintf("%s-test-%d", selfName(t), testSeq.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := g.Remove(); err != nil {
			t.Errorf("group left behind: %v", err)
		}
	})
	return g
}

// newTestCgroup returns a new cgroup of g that is killed and removed when
// t ends, unless t removed it.
func newTestCgroup(t testing.TB, g *Group) *Cgroup {
	t.Helper()
	c, err := g.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if c.FD() < 0 {
			return
		}
		if err := c.Kill(); err != nil {
			t.Errorf("kill %s: %v", c.Path(), err)
		}
		awaitEmpty(t, c)
		if err := c.Remove(); err != nil {
			t.Errorf("cgroup left behind: %v", err)
		}
	})
	return c
}

// A tree is a process tree started by a shell script; each of its
// processes carries the tree's marker in its environment.
type tree struct {
	cmd    *exec.Cmd
	marker string
}

// startTree runs script with sh in the cgroup opened as cgroupFD, with
// extra as its descriptors 3 and up. When t ends, a process of the tree
// that is still alive fails t, and is killed by pid.
func startTree(t testing.TB, cgroupFD int, script string, extra ...*os.File) *tree {
	t.Helper()
	marker := fmt.Sprintf("PROCMAN_CGROUP_TEST=%d-%d", os.Getpid(), testSeq.Add(1))
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.Env = []string{"PATH=/usr/bin:/bin", marker}
	cmd.ExtraFiles = extra
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: cgroupFD}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tr := &tree{cmd: cmd, marker: marker}
	t.Cleanup(func() {
		if pids := tr.survivors(); len(pids) > 0 {
			t.Errorf("%d processes of %q survived, killed now: %v", len(pids), script, pids)
			for _, pid := range pids {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return tr
}

// survivors returns the live processes, zombies excluded, that carry the
// tree's marker.
func (tr *tree) survivors() []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		panic(err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if err != nil || !bytes.Contains(append([]byte{0}, env...), []byte("\x00"+tr.marker+"\x00")) {
			continue
		}
		if alive(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// stat returns the fields of /proc/PID/stat after the command name:
// state first. It returns nil once the process was reaped.
func stat(pid int) []string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	s := string(data)
	return strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
}

// alive reports whether pid is a process that has not exited; a zombie
// has.
func alive(pid int) bool {
	f := stat(pid)
	return f != nil && f[0] != "Z" && f[0] != "X"
}

func comm(pid int) string {
	data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return strings.TrimSpace(string(data))
}

// waitFor polls cond until it holds, and fails t if it does not within
// the deadline.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(deadline)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("no %s after %v", what, deadline)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// awaitProcs waits until c holds n processes, all named name unless name
// is empty, and returns them.
func awaitProcs(t testing.TB, c *Cgroup, n int, name string) []int {
	t.Helper()
	var pids []int
	waitFor(t, fmt.Sprintf("%d %s processes in %s", n, name, c.Path()), func() bool {
		var err error
		if pids, err = c.Procs(); err != nil {
			t.Fatal(err)
		}
		for _, pid := range pids {
			if name != "" && comm(pid) != name {
				return false
			}
		}
		return len(pids) == n
	})
	return pids
}

// awaitEmpty fails t unless c's Empty channel closes within the deadline.
func awaitEmpty(t testing.TB, c *Cgroup) {
	t.Helper()
	empty, err := c.Empty()
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-empty:
	case <-time.After(deadline):
		pids, _ := c.Procs()
		t.Fatalf("%s not empty after %v: %v", c.Path(), deadline, pids)
	}
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// selfName is the name of the test process as procman names what it
// leaves on the system, so that a reaper sweeps what a killed test run
// left behind.
func selfName(t testing.TB) string {
	t.Helper()
	return proctest.HostName(t, os.Getpid())
}
