//go:build linux

package host_test

import (
	"bufio"
	"context"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/internal/proctest"
	"github.com/procman-dev/procman/reaper"
)

// mechanisms are the containment mechanisms, strongest first.
var mechanisms = []host.Mechanism{host.PIDNamespace, host.Cgroup, host.Subreaper, host.ProcessGroup}

// eachMechanism runs f once per mechanism, forced, skipping those this
// system (or this user) does not allow, with the reason.
func eachMechanism(t *testing.T, f func(t *testing.T, mech host.Mechanism)) {
	for _, mech := range mechanisms {
		t.Run(mech.String(), func(t *testing.T) {
			if _, err := host.DetectContainment(mech); err != nil {
				t.Skip(err)
			}
			f(t, mech)
		})
	}
}

// holdsDaemons says whether mech keeps setsid'd, double-forked daemons in
// the tree. A process group does not: that is why it is the last resort.
func holdsDaemons(mech host.Mechanism) bool { return mech != host.ProcessGroup }

// survivesHostKill says whether mech stops the tree when the host is
// SIGKILLed: all but the bare process group, which has no helper process.
func survivesHostKill(mech host.Mechanism) bool { return mech != host.ProcessGroup }

// treeLines are the processes each containment test starts: a three-level
// tree, and a program that starts two daemons and stays; 3 + 3 processes
// carry the marker.
var treeLines = []string{"tree 3", "daemons 2 stay"}

const treeProcesses = 6

func TestContainmentReportsTheMechanismInForce(t *testing.T) {
	m := newManager(t)
	c, err := m.Containment()
	if err != nil {
		t.Fatal(err)
	}
	if c.Mechanism == host.Automatic || c.Forced {
		t.Fatalf("Containment = %+v, want a detected mechanism", c)
	}
	for _, mech := range mechanisms {
		if mech > c.Mechanism {
			_, unavailable := c.Unavailable[mech]
			_, onRequest := c.OnRequest[mech]
			if unavailable == onRequest {
				t.Errorf("Containment %v says %v, a stronger one, is unavailable %v and available on request %v: want exactly one", c.Mechanism, mech, unavailable, onRequest)
			}
		}
	}
	if c.Mechanism == host.PIDNamespace {
		t.Errorf("the default containment is %v: it must keep real pids", c.Mechanism)
	}
	forced := newManager(t, host.WithContainment(host.ProcessGroup))
	if c, err := forced.Containment(); err != nil || c.Mechanism != host.ProcessGroup || !c.Forced {
		t.Errorf("forced Containment = %+v, %v; want process-group, forced", c, err)
	}
}

func TestStopEndsTreesAndDaemons(t *testing.T) {
	eachMechanism(t, func(t *testing.T, mech host.Mechanism) {
		marker := proctest.Marker(t)
		m := newManager(t, host.WithContainment(mech))
		var handles []host.Handle
		for _, line := range treeLines {
			h, _ := start(t, m, child(t, marker, strings.Fields(line)[0], strings.Fields(line)[1:]...))
			handles = append(handles, h)
		}
		pids := waitTrees(t, marker)
		for _, h := range handles {
			stop(t, m, h)
		}
		checkGone(t, mech, marker, pids)
	})
}

func TestCloseEndsTreesAndDaemons(t *testing.T) {
	eachMechanism(t, func(t *testing.T, mech host.Mechanism) {
		marker := proctest.Marker(t)
		m := newManager(t, host.WithContainment(mech))
		for _, line := range treeLines {
			start(t, m, child(t, marker, strings.Fields(line)[0], strings.Fields(line)[1:]...))
		}
		pids := waitTrees(t, marker)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := m.Close(ctx); err != nil {
			t.Fatal(err)
		}
		checkGone(t, mech, marker, pids)
	})
}

// waitTrees waits until the processes of treeLines run, and returns their
// pids: treeProcesses of them, both daemons among them and no short-lived
// middle process of a double fork (nor a child between fork and exec), so
// that the count holds from then on.
func waitTrees(t testing.TB, marker string) []int {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		pids := proctest.Find(marker)
		if settled(pids) {
			return pids
		}
		if time.Now().After(deadline) {
			t.Fatalf("the trees of %q are not all running after 30s: %v", treeLines, pids)
		}
	}
}

// settled says whether pids are the processes of treeLines once they all
// run.
func settled(pids []int) bool {
	daemons := 0
	for _, pid := range pids {
		cmdline, _ := os.ReadFile("/proc/" + itoa(pid) + "/cmdline")
		switch {
		case strings.Contains(string(cmdline), "\x00daemonize\x00"):
			return false
		case strings.Contains(string(cmdline), "\x00daemon-sleep\x00"):
			daemons++
		}
	}
	return len(pids) == treeProcesses && daemons == 2
}

// pidfds counts the pidfds process pid holds.
func pidfds(pid int) int {
	n := 0
	fds, _ := os.ReadDir("/proc/" + itoa(pid) + "/fd")
	for _, fd := range fds {
		if target, _ := os.Readlink("/proc/" + itoa(pid) + "/fd/" + fd.Name()); target == "anon_inode:[pidfd]" {
			n++
		}
	}
	return n
}

// checkGone fails unless every process with marker is gone; under a
// mechanism that does not hold daemons, the daemons that escaped are killed
// by pid instead.
func checkGone(t *testing.T, mech host.Mechanism, marker string, pids []int) {
	t.Helper()
	var left []int
	for deadline := time.Now().Add(30 * time.Second); ; {
		left = left[:0]
		for _, pid := range proctest.Find(marker) {
			cmdline, _ := os.ReadFile("/proc/" + itoa(pid) + "/cmdline")
			if !holdsDaemons(mech) && strings.Contains(string(cmdline), "daemon-sleep") {
				continue // the known escape
			}
			left = append(left, pid)
		}
		if len(left) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	for _, pid := range left {
		cmdline, _ := os.ReadFile("/proc/" + itoa(pid) + "/cmdline")
		t.Errorf("pid %d (%q) of %v survived", pid, cmdline, pids)
	}
	if !holdsDaemons(mech) {
		for _, pid := range proctest.Find(marker) {
			syscall.Kill(pid, syscall.SIGKILL) // the escaped daemons: only processes this test started
		}
	}
}

func TestIgnoredSIGTERMIsKilledAfterTheGrace(t *testing.T) {
	eachMechanism(t, func(t *testing.T, mech host.Mechanism) {
		marker := proctest.Marker(t)
		m := newManager(t, host.WithContainment(mech), host.WithStopGracePeriod(200*time.Millisecond))
		h, _ := start(t, m, child(t, marker, "tree-ignore-term", "2"))
		proctest.WaitCountIgnoring(t, marker, 2, syscall.SIGTERM, 10*time.Second)
		stop(t, m, h)
		if pids := proctest.Find(marker); len(pids) != 0 {
			t.Errorf("Stop returned while %v lived", pids)
		}
		if st, _ := m.Status(h); !st.Unresponsive {
			t.Errorf("status = %v, want unresponsive", st)
		}
	})
}

// startDetached starts testchild daemons N CODE under mech and waits until
// its status is RunningDetached. It skips the test under a mechanism that
// does not hold daemons.
func startDetached(t *testing.T, mech host.Mechanism, n int, code string) (*host.Manager, host.Handle, host.Status, string) {
	t.Helper()
	if !holdsDaemons(mech) {
		t.Skip("a process group does not hold daemons")
	}
	marker := proctest.Marker(t)
	m := newManager(t, host.WithContainment(mech))
	h, st := start(t, m, child(t, marker, "daemons", strconv.Itoa(n), code))
	waitFor(t, func() bool { st, _ = m.Status(h); return st.State == host.RunningDetached })
	return m, h, st, marker
}

func TestDetachedTreeIsRunningDetachedUntilItEnds(t *testing.T) {
	eachMechanism(t, func(t *testing.T, mech host.Mechanism) {
		m, h, st, marker := startDetached(t, mech, 2, "5")
		daemons := proctest.WaitCount(t, marker, 2, 10*time.Second)
		slices.Sort(st.Descendants)
		slices.Sort(daemons)
		if st.ExitCode != 5 || !slices.Equal(st.Descendants, daemons) {
			t.Fatalf("status = %+v, want RunningDetached with code 5 and descendants %v", st, daemons)
		}
		if st.Done() {
			t.Error("RunningDetached is Done")
		}
		// One daemon ends by itself; the other keeps the tree alive.
		syscall.Kill(daemons[0], syscall.SIGKILL)
		waitFor(t, func() bool { st, _ = m.Status(h); return len(st.Descendants) == 1 })
		if st.State != host.RunningDetached || st.Descendants[0] != daemons[1] {
			t.Fatalf("status after one daemon ended = %+v", st)
		}
		syscall.Kill(daemons[1], syscall.SIGKILL)
		if st := wait(t, m, h); st.State != host.Exited || st.ExitCode != 5 || len(st.Descendants) != 0 {
			t.Errorf("final status = %+v, want exited 5", st)
		}
	})
}

func TestStopOnRunningDetachedStopsTheDescendants(t *testing.T) {
	eachMechanism(t, func(t *testing.T, mech host.Mechanism) {
		m, h, _, marker := startDetached(t, mech, 1, "0")
		proctest.WaitCount(t, marker, 1, 10*time.Second)
		stop(t, m, h)
		if pids := proctest.Find(marker); len(pids) != 0 {
			t.Errorf("Stop returned while %v lived", pids)
		}
		if st, _ := m.Status(h); st.State != host.Exited || st.ExitCode != 0 {
			t.Errorf("status after Stop = %v, want exited 0 (the main process's own exit)", st)
		}
	})
}

func TestExitWithMainStopsTheRest(t *testing.T) {
	eachMechanism(t, func(t *testing.T, mech host.Mechanism) {
		marker := proctest.Marker(t)
		m := newManager(t, host.WithContainment(mech))
		h, _ := start(t, m, child(t, marker, "daemons", "1", "3"), host.WithExitWithMain())
		st := wait(t, m, h)
		if st.State != host.Exited || st.ExitCode != 3 {
			t.Errorf("status = %v, want exited 3", st)
		}
		checkGone(t, mech, marker, nil)
	})
}

// embedder starts testembed with the processes of treeLines under mech and
// returns it once they all run.
func embedder(t testing.TB, mech host.Mechanism, marker string, env ...string) *exec.Cmd {
	t.Helper()
	cmd, _ := embedderOf(t, mech, marker, "1s", treeLines, env...)
	return cmd
}

// embedderOf starts testembed with grace and the testchild command lines
// under mech, and returns it, and its stdin, once they all run.
func embedderOf(t testing.TB, mech host.Mechanism, marker, grace string, lines []string, env ...string) (*exec.Cmd, io.WriteCloser) {
	t.Helper()
	cmd := exec.Command(testembed, append([]string{grace, testchild}, lines...)...)
	cmd.Env = append(append(os.Environ(), "PROCMAN_MARKER="+marker, "PROCMAN_TEST_CONTAINMENT="+mech.String()), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, _ := bufio.NewReader(out).ReadString('\n')
	if line != "ready "+mech.String()+"\n" && !(mech == host.Automatic && strings.HasPrefix(line, "ready ")) {
		t.Fatalf("embedder said %q, want ready %v", line, mech)
	}
	return cmd, in
}

// TestKilledOrSignalledEmbedderLeavesNothing ends a program embedding host
// with SIGTERM, which its Manager handles (it stops everything itself), and
// with SIGKILL (the init or the reaper must).
func TestKilledOrSignalledEmbedderLeavesNothing(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			eachMechanism(t, func(t *testing.T, mech host.Mechanism) {
				if sig == syscall.SIGKILL && !survivesHostKill(mech) {
					t.Skip("a bare process group has nobody left to stop it")
				}
				marker := proctest.Marker(t)
				cmd := embedder(t, mech, marker, "PROCMAN_TEST_SIGNALS=1")
				pids := waitTrees(t, marker)
				cmd.Process.Signal(sig)
				cmd.Wait()
				checkGone(t, mech, marker, pids)
			})
		})
	}
}

// reaperOf returns the pid of the reaper that pid started, waiting for one
// whose pid is not old.
func reaperOf(t *testing.T, parent, old int) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, pid := range childrenOf(parent) {
			comm, _ := os.ReadFile("/proc/" + itoa(pid) + "/comm")
			if strings.TrimSpace(string(comm)) == "procman-reaper" && pid != old && proctest.State(pid) != 'Z' {
				return pid
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no procman-reaper (other than %d) among the children of %d", old, parent)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func childrenOf(pid int) []int {
	var pids []int
	tasks, _ := os.ReadDir("/proc/" + itoa(pid) + "/task")
	for _, task := range tasks {
		data, _ := os.ReadFile("/proc/" + itoa(pid) + "/task/" + task.Name() + "/children")
		for _, f := range strings.Fields(string(data)) {
			pids = append(pids, atoi(f))
		}
	}
	return pids
}

func TestKilledReaperIsRestartedAndStillProtects(t *testing.T) {
	eachMechanism(t, func(t *testing.T, mech host.Mechanism) {
		if !survivesHostKill(mech) {
			t.Skip("a bare process group has no reaper")
		}
		marker := proctest.Marker(t)
		cmd := embedder(t, mech, marker)
		pids := waitTrees(t, marker)
		first := reaperOf(t, cmd.Process.Pid, 0)
		syscall.Kill(first, syscall.SIGKILL)
		second := reaperOf(t, cmd.Process.Pid, first)
		if pids := proctest.Find(marker); len(pids) != treeProcesses {
			t.Fatalf("after the reaper was killed, %d processes carry the marker, want %d", len(pids), treeProcesses)
		}
		// The host registers its inits again with the new reaper, which
		// holds a pidfd of each: one per tree at least. Only root may
		// count them: the reaper is not dumpable.
		if os.Geteuid() == 0 {
			waitFor(t, func() bool { return pidfds(second) >= len(treeLines) })
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		checkGone(t, mech, marker, pids)
		if proctest.WaitGone("host="+itoa(cmd.Process.Pid), 30*time.Second) != nil {
			t.Errorf("reaper %d outlived its work", second)
		}
	})
}

// TestRandomKillsLeaveNothing SIGKILLs hosts at random moments, 100 times
// per mechanism: a host in its first 50 ms (detecting, making its helpers,
// starting trees, then starting and stopping them as fast as it can), and a
// host whose reaper was SIGKILLed just before it. Nothing the hosts started
// may survive, and once their reapers are done and a sweep has run, nothing
// they made — cgroups, probes, socket and helper directories — may be left.
func TestRandomKillsLeaveNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("100 rounds per mechanism")
	}
	for _, reaperFirst := range []bool{false, true} {
		name := "Host"
		if reaperFirst {
			name = "ReaperThenHost"
		}
		t.Run(name, func(t *testing.T) {
			eachMechanism(t, func(t *testing.T, mech host.Mechanism) {
				if !survivesHostKill(mech) {
					t.Skip("a bare process group has nobody left to stop it")
				}
				marker := proctest.Marker(t)
				var killed []killedHost
				for round := range 100 {
					killed = append(killed, killRandomly(t, mech, marker, reaperFirst))
					if left := proctest.WaitGone(marker, 10*time.Second); len(left) != 0 {
						for _, pid := range left {
							syscall.Kill(pid, syscall.SIGKILL)
						}
						t.Fatalf("round %d: %v survived the host's SIGKILL", round, left)
					}
				}
				checkNoLeftovers(t, killed)
			})
		})
	}
}

// killedHost is a host a test killed: its pid, and its name, which names
// everything it made.
type killedHost struct {
	pid  int
	name string
}

// killRandomly starts a churning embedder under mech and SIGKILLs it within
// 50 ms; with reaperFirst, once it runs, its reaper and then, within a
// millisecond, the embedder itself.
func killRandomly(t *testing.T, mech host.Mechanism, marker string, reaperFirst bool) killedHost {
	t.Helper()
	cmd := exec.Command(testembed, append([]string{"1s", testchild}, treeLines...)...)
	cmd.Env = append(os.Environ(), "PROCMAN_MARKER="+marker, "PROCMAN_TEST_CONTAINMENT="+mech.String(), "PROCMAN_TEST_CHURN=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	start, err := os.ReadFile("/proc/" + itoa(pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(start[strings.LastIndexByte(string(start), ')')+1:]))
	victim := killedHost{pid: pid, name: itoa(pid) + "-" + fields[22-3]}
	if reaperFirst {
		if line, _ := bufio.NewReader(out).ReadString('\n'); !strings.HasPrefix(line, "ready") {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("embedder said %q, want ready", line)
		}
	}
	time.Sleep(time.Duration(rand.IntN(50_000)) * time.Microsecond)
	if reaperFirst {
		syscall.Kill(reaperOf(t, pid, 0), syscall.SIGKILL)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	return victim
}

// checkNoLeftovers waits for the reapers of the killed hosts to finish,
// sweeps as a new host's reaper would, and fails if anything named after a
// killed host is left.
func checkNoLeftovers(t *testing.T, killed []killedHost) {
	t.Helper()
	for _, h := range killed {
		if left := proctest.WaitGone("host="+itoa(h.pid), 30*time.Second); len(left) != 0 {
			t.Errorf("reaper %v of killed host %d still runs", left, h.pid)
		}
	}
	c, err := host.DetectContainment(host.Automatic)
	if err != nil {
		t.Fatal(err)
	}
	// A killed host's last init exits just after its tree is gone, and the
	// sweep leaves a cgroup whose init still holds it: wait for them to be
	// empty (a process that stays is a leftover all the same).
	if c.CgroupDir != "" {
		for _, h := range killed {
			events := filepath.Join(c.CgroupDir, h.name, "cgroup.events")
			for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
				if data, err := os.ReadFile(events); err != nil || strings.Contains(string(data), "populated 0") {
					break
				}
			}
		}
	}
	sweeper, err := reaper.Start(reaper.Options{
		SweepDirPrefixes: []string{filepath.Join(os.TempDir(), "procman-")},
		SweepCgroupDirs:  slices.DeleteFunc([]string{c.CgroupDir}, func(d string) bool { return d == "" }),
	})
	if err != nil {
		t.Fatal(err)
	}
	sweeper.Close()
	for _, h := range killed {
		var left []string
		for _, pattern := range []string{
			filepath.Join(os.TempDir(), "procman-"+h.name+"-*"),
			filepath.Join(c.CgroupDir, h.name),
			filepath.Join(c.CgroupDir, h.name+"-*"),
			filepath.Join(c.CgroupDir, "probe-"+itoa(h.pid)+"-*"), // as probes were once named
		} {
			if c.CgroupDir == "" && !strings.HasPrefix(pattern, os.TempDir()) {
				continue
			}
			found, _ := filepath.Glob(pattern)
			left = append(left, found...)
		}
		if len(left) != 0 {
			t.Errorf("killed host %s left %v", h.name, left)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// TestKilledInitLosesItsTree SIGKILLs the procman-init of a tree with a
// daemon while the host lives: the kernel ends a PID namespace with its
// PID 1, and the host kills what the init left in its cgroup.
func TestKilledInitLosesItsTree(t *testing.T) {
	eachMechanism(t, func(t *testing.T, mech host.Mechanism) {
		switch mech {
		case host.Subreaper:
			t.Skip("a killed subreaper's orphans go to the system's init: a documented limit")
		case host.ProcessGroup:
			t.Skip("no procman-init")
		}
		marker := proctest.Marker(t)
		m := newManager(t, host.WithContainment(mech))
		h, st := start(t, m, child(t, marker, "daemons", "1", "stay"))
		proctest.WaitCount(t, marker, 2, 30*time.Second)
		stat := string(proctest.ReadProc(t, st.PID, "stat"))
		init := atoi(strings.Fields(stat[strings.LastIndexByte(stat, ')')+1:])[1])
		if comm := strings.TrimSpace(string(proctest.ReadProc(t, init, "comm"))); comm != "procman-init" {
			t.Fatalf("the parent of pid %d is %d (%s), not procman-init", st.PID, init, comm)
		}
		syscall.Kill(init, syscall.SIGKILL)
		wait(t, m, h)
		if left := proctest.WaitGone(marker, 30*time.Second); len(left) > 0 {
			for _, pid := range left {
				syscall.Kill(pid, syscall.SIGKILL)
			}
			t.Errorf("%v outlived their procman-init", left)
		}
	})
}
