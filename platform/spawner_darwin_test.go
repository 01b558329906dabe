package platform_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/procman-dev/procman/internal/proctree"
	"github.com/procman-dev/procman/platform"
)

// TestStopEndsGrandchildrenAndASetsidDaemon: a tree of a child, a
// grandchild and a daemon that left the tree's session and process group
// and lost its parent is stopped by SIGTERM alone, every member getting
// it, and nothing of it is left.
func TestStopEndsGrandchildrenAndASetsidDaemon(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	pidFile := filepath.Join(t.TempDir(), "daemon.pids")
	s := newSpawner(t, platform.SpawnerOptions{})
	// The subshell starts the launcher and exits; the launcher leaves the
	// session, starts the daemon and exits (launchDaemon).
	tr := startTree(t, s, `sleep 600 & sh -c 'sleep 600; :' & ("$PROCMAN_TEST_SELF" &); wait`,
		"PROCMAN_TEST_SELF="+self, launcherVar+"="+pidFile)

	var launcher, daemon int
	waitFor(t, "the launcher writes the daemon's pid", func() bool {
		data, err := os.ReadFile(pidFile)
		if err != nil {
			return false
		}
		if _, err := fmt.Sscan(string(data), &launcher, &daemon); err != nil {
			t.Fatalf("the launcher wrote %q: %v", data, err)
		}
		return true
	})
	tr.record(daemon)
	waitFor(t, "the daemon is orphaned", func() bool {
		d, err := proctree.Lookup(daemon)
		if err != nil {
			t.Fatalf("the daemon %d: %v", daemon, err)
		}
		return d.PPid != launcher
	})
	root, err := proctree.Lookup(tr.p.Pid)
	if err != nil {
		t.Fatal(err)
	}
	d, err := proctree.Lookup(daemon)
	if err != nil {
		t.Fatal(err)
	}
	if d.Pgid == root.Pgid || d.Sid == root.Sid {
		t.Fatalf("the daemon did not leave the tree: daemon %+v, program %+v", d, root)
	}

	// The program, its sleep, the inner shell, its sleep and the daemon.
	members := tr.waitMembers("the tree shows the daemon and the grandchild", func(m []int) bool {
		return len(m) >= 5 && slices.Contains(m, daemon)
	})
	if !hasGrandchild(tr.p.Pid, members) {
		t.Fatalf("no member of %v is a grandchild of the program %d", members, tr.p.Pid)
	}

	if killed := tr.stop(10 * time.Second); killed {
		t.Error("SIGTERM did not end the tree within 10 s: a member never got it")
	}
	tr.assertAllGone()
	st, err := tr.p.Wait()
	if err != nil || st.Signal != syscall.SIGTERM {
		t.Errorf("Wait = %v, %v; want death by SIGTERM", st, err)
	}
}

// hasGrandchild reports whether a member's parent is a member other than
// the program.
func hasGrandchild(program int, members []int) bool {
	for _, pid := range members {
		p, err := proctree.Lookup(pid)
		if err == nil && p.PPid != program && slices.Contains(members, p.PPid) {
			return true
		}
	}
	return false
}

func TestWaitReportsTheExitCode(t *testing.T) {
	s := newSpawner(t, platform.SpawnerOptions{})
	tr := startTree(t, s, "exit 7")
	st, err := tr.p.Wait()
	if err != nil || st != (platform.ExitStatus{Code: 7}) {
		t.Errorf("Wait = %v, %v; want exit 7", st, err)
	}
	waitGone(t, tr.p)
}

func TestWaitReportsTheSignal(t *testing.T) {
	s := newSpawner(t, platform.SpawnerOptions{})

	tr := startTree(t, s, "kill -USR2 $$")
	st, err := tr.p.Wait()
	if err != nil || st.Signal != syscall.SIGUSR2 {
		t.Errorf("a program that sent itself SIGUSR2: Wait = %v, %v; want death by SIGUSR2", st, err)
	}
	waitGone(t, tr.p)

	tr = startTree(t, s, "exec sleep 600")
	if err := tr.p.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	st, err = tr.p.Wait()
	if err != nil || st.Signal != syscall.SIGKILL {
		t.Errorf("a program sent SIGKILL: Wait = %v, %v; want death by SIGKILL", st, err)
	}
	waitGone(t, tr.p)
}

func waitGone(t *testing.T, p *platform.Process) {
	t.Helper()
	select {
	case <-p.Gone():
	case <-time.After(waitLimit):
		members, _ := p.Members()
		t.Errorf("Gone not closed %v after the program ended: members %v", waitLimit, members)
	}
}

// TestStopKillsWhatIgnoresSIGTERM: a tree that ignores SIGTERM outlives
// the grace period, and SIGKILL then ends all of it.
func TestStopKillsWhatIgnoresSIGTERM(t *testing.T) {
	s := newSpawner(t, platform.SpawnerOptions{})
	// The sleep inherits the ignored SIGTERM: once it shows, the trap is
	// set.
	tr := startTree(t, s, `trap "" TERM; sleep 600 & wait`)
	tr.waitMembers("the shell and its sleep", func(m []int) bool { return len(m) >= 2 })

	if killed := tr.stop(2 * time.Second); !killed {
		t.Fatal("the tree ended on SIGTERM, which it ignores: SIGKILL was not tested")
	}
	tr.assertAllGone()
	st, err := tr.p.Wait()
	if err != nil || st.Signal != syscall.SIGKILL {
		t.Errorf("Wait = %v, %v; want death by SIGKILL", st, err)
	}
}

// TestStartProtectsTheTreeByTagThenByPidFakeGuard: with a Guard, Start
// has the tree protected by its tag before the program starts and by
// the program's pid and start time once it has, and each protection ends
// when it is no longer needed. The tag is in the program's environment.
// The reaper is a separate program, stood for here by fakeGuard.
func TestStartProtectsTheTreeByTagThenByPidFakeGuard(t *testing.T) {
	g := &fakeGuard{}
	const grace = 3 * time.Second
	s := newSpawner(t, platform.SpawnerOptions{Guard: g, Grace: grace})
	tr := startTree(t, s, "sleep 600 & wait")

	trees := g.protected()
	if len(trees) != 2 {
		t.Fatalf("ProtectTree calls: %+v; want two, by tag, then by pid", trees)
	}
	byTag, byPid := trees[0], trees[1]
	if byTag.pid != 0 || byTag.start != 0 || byTag.grace != grace || !byTag.released ||
		!strings.HasPrefix(byTag.tag, proctree.TagVar+"_") || !strings.HasSuffix(byTag.tag, "=1") {
		t.Errorf("first ProtectTree: %+v; want pid 0, start 0, tag %s_<name>=1, grace %v, released once the program started", byTag, proctree.TagVar, grace)
	}
	program, err := proctree.Lookup(tr.p.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if byPid.pid != tr.p.Pid || byPid.start != program.Start || byPid.tag != byTag.tag || byPid.grace != grace || byPid.released {
		t.Errorf("second ProtectTree: %+v; want pid %d, start %d, tag %q, grace %v, not released", byPid, tr.p.Pid, program.Start, byTag.tag, grace)
	}
	// An exec under way can make the read fail for a moment.
	env, err := proctree.SystemTable().Environ(program)
	for deadline := time.Now().Add(waitLimit); err != nil && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		env, err = proctree.SystemTable().Environ(program)
	}
	if err != nil {
		t.Fatalf("read the program's environment: %v", err)
	}
	if !slices.Contains(env, byTag.tag) {
		t.Errorf("the program's environment %q does not hold its tree's tag %q", env, byTag.tag)
	}

	tr.stop(10 * time.Second)
	if err := tr.p.Release(); err != nil {
		t.Fatal(err)
	}
	if trees := g.protected(); len(trees) != 2 || !trees[1].released {
		t.Errorf("after Release, ProtectTree calls: %+v; want the second released", trees)
	}
}
