package host_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/procman-dev/procman/host"

	"github.com/procman-dev/procman/internal/proctest"
)

// The grace of the Windows tests' Managers. Under Wine no graceful request
// reaches a console program (console control events are not delivered), so
// every Stop there ends at the kill, after the grace.
const testGrace = time.Second

// winManager is newManager with the Windows tests' grace.
func winManager(t *testing.T, opts ...host.Option) *host.Manager {
	return newManager(t, append([]host.Option{host.WithStopGracePeriod(testGrace)}, opts...)...)
}

// startTree starts the tree role under m, its announcements going to c.
func startTree(t *testing.T, m *host.Manager, marker string) (host.Handle, *proctest.Children) {
	t.Helper()
	c, w := proctest.NewChildren(t, deadline)
	h, st := start(t, m, child(t, marker, "tree"), host.WithOutput(w, nil))
	c.Await(treeNames...)
	if st.PID != c.Pid("level1") {
		t.Fatalf("Status pid %d, but the program is pid %d", st.PID, c.Pid("level1"))
	}
	return h, c
}

// TestTreeGoneAfterStop: Stop ends every process of the tree, the
// grandchild that its parent started detached (DETACHED_PROCESS) and then
// left included, and reports the program terminated.
func TestTreeGoneAfterStop(t *testing.T) {
	marker := newMarker(t)
	m := winManager(t)
	h, c := startTree(t, m, marker)
	if st, _ := m.Status(h); st.State != host.Running {
		t.Fatalf("status %v, want running", st)
	}
	stop(t, m, h)
	c.AwaitEnded()
	st, _ := m.Status(h)
	if st.State != host.Terminated {
		t.Errorf("status after Stop = %v, want terminated", st)
	}
	if len(m.List()) != 0 {
		t.Errorf("List() = %v after Stop, want nothing active", m.List())
	}
}

// TestTreesGoneAfterClose: Close ends every tree of the Manager.
func TestTreesGoneAfterClose(t *testing.T) {
	marker := newMarker(t)
	m := winManager(t)
	h1, c1 := startTree(t, m, marker)
	h2, c2 := startTree(t, m, marker)
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	if err := m.Close(ctx); err != nil {
		t.Fatal(err)
	}
	c1.AwaitEnded()
	c2.AwaitEnded()
	for _, h := range []host.Handle{h1, h2} {
		if st, _ := m.Status(h); !st.Done() {
			t.Errorf("status after Close = %v, want ended", st)
		}
	}
}

// TestUnresponsiveKilledAfterGrace: a program that takes every console
// control event and does nothing about it is killed after the grace, and
// marked unresponsive.
func TestUnresponsiveKilledAfterGrace(t *testing.T) {
	marker := newMarker(t)
	m := winManager(t)
	c, w := proctest.NewChildren(t, deadline)
	h, _ := start(t, m, child(t, marker, "ignore"), host.WithOutput(w, nil))
	c.Await("ignorer")
	stop(t, m, h)
	c.AwaitEnded()
	st, _ := m.Status(h)
	if !st.Unresponsive || !strings.Contains(st.UnresponsiveReason, "killed") {
		t.Errorf("status = %+v, want unresponsive", st)
	}
	if st.State != host.Terminated || st.Signal != syscall.SIGKILL {
		t.Errorf("status = %v, want terminated by the kill", st)
	}
}

// TestExitCodes: a program's exit code is its status's; Kill reports the
// program killed.
func TestExitCodes(t *testing.T) {
	marker := newMarker(t)
	m := winManager(t)
	for _, code := range []int{0, 7, 255} {
		h, _ := start(t, m, child(t, marker, "exit", strconv.Itoa(code)))
		if st := wait(t, m, h); st.State != host.Exited || st.ExitCode != code {
			t.Errorf("status = %v, want exited with %d", st, code)
		}
	}

	c, w := proctest.NewChildren(t, deadline)
	h, _ := start(t, m, child(t, marker, "sleep", "sleeper"), host.WithOutput(w, nil))
	c.Await("sleeper")
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	if err := m.Kill(ctx, h); err != nil {
		t.Fatal(err)
	}
	c.AwaitEnded()
	if st, _ := m.Status(h); st.State != host.Terminated || st.Signal != syscall.SIGKILL || st.Unresponsive {
		t.Errorf("status after Kill = %+v, want terminated by SIGKILL, not unresponsive", st)
	}
}

// TestRunningDetached: a program that exits while a process it started
// detached lives on is RunningDetached, with that process among its
// descendants, until Stop ends it; its exit code is kept.
func TestRunningDetached(t *testing.T) {
	marker := newMarker(t)
	m := winManager(t)
	c, w := proctest.NewChildren(t, deadline)
	h, _ := start(t, m, child(t, marker, "detach", "3"), host.WithOutput(w, nil))
	c.Await("detached")
	var st host.Status
	waitFor(t, func() bool {
		st, _ = m.Status(h)
		return st.State != host.Running
	})
	if st.State != host.RunningDetached || st.ExitCode != 3 || !slices.Contains(st.Descendants, c.Pid("detached")) {
		t.Fatalf("status = %+v, want running-detached with code 3 and pid %d among the descendants", st, c.Pid("detached"))
	}
	if active := m.List(); len(active) != 1 || active[0] != h {
		t.Errorf("List() = %v, want the detached tree", active)
	}
	stop(t, m, h)
	c.AwaitEnded()
	if st, _ := m.Status(h); st.State != host.Exited || st.ExitCode != 3 || len(st.Descendants) != 0 {
		t.Errorf("final status = %+v, want exited with 3", st)
	}
}
