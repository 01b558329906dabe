//go:build linux

package acceptance

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/procman-dev/procman/internal/proctest"
)

// hostileGrace is the --grace of the hostile tests: short, so that what
// survives a SIGTERM is killed soon.
const hostileGrace = 2 * time.Second

// survivalDeadline is how long the hostile tests wait for a tree to be gone
// after procman's end: the grace an init gives its tree, and a margin for
// the reaper, which acts only once it sees its host dead.
const survivalDeadline = hostileGrace + 20*time.Second

// containmentChoices are the ways procman run is asked to contain a tree in
// the hostile tests: the default (no flag) and each mechanism that holds
// daemons (a bare process group does not).
var containmentChoices = []string{"default", "cgroup", "subreaper", "pid-namespace"}

// eachContainment runs f for each of containmentChoices as a subtest, with
// the flags that ask procman run for it.
func eachContainment(t *testing.T, f func(t *testing.T, flags []string)) {
	for _, choice := range containmentChoices {
		t.Run(choice, func(t *testing.T) {
			f(t, containmentFlags(choice))
		})
	}
}

func containmentFlags(choice string) []string {
	if choice == "default" {
		return nil
	}
	return []string{"--containment", choice}
}

// skipUnlessContains skips the test, with procman's reason, when procman
// run (as cmd runs it, with the containment flags already in its
// arguments) says the containment asked for is not available here. Any
// other failure fails the test.
func skipUnlessContains(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	r := run(t, cmd)
	switch {
	case r.code == 0:
	case r.code == 125 && strings.Contains(r.stderr, "not available"):
		t.Skipf("procman says: %s", strings.TrimSpace(r.stderr))
	default:
		t.Fatalf("%q: exit code %d, want 0 or 125 (containment not available); stderr:\n%s", cmd.Args, r.code, r.stderr)
	}
}

// hostileRun returns "procman run --no-plugins --grace G FLAGS -- COMMAND".
func hostileRun(t *testing.T, flags []string, command ...string) *exec.Cmd {
	args := slices.Concat([]string{"run", "--no-plugins", "--grace", hostileGrace.String()}, flags, []string{"--"}, command)
	return procman(t, args...)
}

// TestHostileProgramKillsItsInit: a program starts a daemon (setsid, then
// fork again), then kills its own init, the parent procman gave it, with
// SIGKILL. It must not get away: once procman run has ended (with a
// non-zero status: the init ended before the program did) neither the
// program nor its daemon may live. Where the init withstands the kill (a
// PID namespace's init cannot be killed from inside), procman must still
// hold the tree and stop all of it on SIGTERM.
func TestHostileProgramKillsItsInit(t *testing.T) {
	eachContainment(t, func(t *testing.T, flags []string) {
		marker := proctest.Marker(t)
		skipUnlessContains(t, hostileRun(t, flags, testchildBin, "exit", "0", marker))
		armed := filepath.Join(t.TempDir(), "armed")
		script := `"$0" daemons 1 0 "$1" || exit 1
while [ ! -e "$2" ]; do sleep 0.01; done
kill -9 $PPID
exec "$0" sleep "$1"`
		p := start(t, hostileRun(t, flags, "/bin/sh", "-c", script, testchildBin, marker, armed))
		t.Cleanup(func() { stopIfRunning(p) })
		waitDaemons(t, p, 1)
		// procman, the program and its daemon
		pids := proctest.WaitCount(t, marker, 3, 30*time.Second)
		killInit(t, p, marker, processRunning(t, pids, "/bin/sh"), armed)
	})
}

// TestHostileDaemonEndings: a program starts daemons the way servers do
// (setsid, then fork again), and its tree ends in each way it can: procman
// run is stopped with SIGTERM; the program exits by itself, while procman
// run waits for its daemon, and is then stopped; the program exits with
// --exit-with-main, so procman run ends with it; procman is killed with
// SIGKILL. No daemon survives any of them.
func TestHostileDaemonEndings(t *testing.T) {
	eachContainment(t, func(t *testing.T, flags []string) {
		marker := proctest.Marker(t)
		skipUnlessContains(t, hostileRun(t, flags, testchildBin, "exit", "0", marker))

		t.Run("stop", func(t *testing.T) {
			marker := proctest.Marker(t)
			p := start(t, hostileRun(t, flags, testchildBin, "daemons", "2", "stay", marker))
			waitDaemons(t, p, 2)
			proctest.WaitCount(t, marker, 4, 30*time.Second) // procman, the program, two daemons
			p.signal(t, syscall.SIGTERM)
			p.wantEnd(t, 128+int(syscall.SIGTERM), marker)
		})

		t.Run("program-exits", func(t *testing.T) {
			marker := proctest.Marker(t)
			p := start(t, hostileRun(t, flags, testchildBin, "daemons", "1", "7", marker))
			t.Cleanup(func() { stopIfRunning(p) })
			waitDaemons(t, p, 1)
			proctest.WaitCount(t, marker, 2, 30*time.Second) // procman and the daemon: the program exited
			time.Sleep(500 * time.Millisecond)
			if s := proctest.State(p.cmd.Process.Pid); s == 'Z' || s == 0 {
				t.Fatalf("procman run ended while the program's daemon lived; stderr:\n%s", p.stderr)
			}
			p.signal(t, syscall.SIGTERM)
			// The program's status stands: SIGTERM ended only its daemon.
			if code := p.wait(t); code != 7 {
				t.Errorf("procman run, stopped after the program exited 7, exited %d, want 7; stderr:\n%s", code, p.stderr)
			}
			if pids := proctest.Find(marker); len(pids) > 0 {
				t.Errorf("%v outlived procman run", pids)
				killMarked(pids)
			}
		})

		t.Run("exit-with-main", func(t *testing.T) {
			marker := proctest.Marker(t)
			p := start(t, hostileRun(t, slices.Concat(flags, []string{"--exit-with-main"}), testchildBin, "daemons", "2", "7", marker))
			waitDaemons(t, p, 2)
			p.wantEnd(t, 7, marker)
		})

		t.Run("procman-killed", func(t *testing.T) {
			marker := proctest.Marker(t)
			p := start(t, hostileRun(t, flags, testchildBin, "daemons", "2", "stay", marker))
			waitDaemons(t, p, 2)
			proctest.WaitCount(t, marker, 4, 30*time.Second)
			p.signal(t, syscall.SIGKILL)
			p.cmd.Wait()
			wantGone(t, marker, survivalDeadline, "after procman was killed")
		})
	})
}

// killInit lets a hostile program (pid program) kill its init, by making
// the file armed it waits for, and checks the outcome: when the init dies,
// procman run must end with a failure status and nothing with marker may
// survive; when it withstands the kill, procman run, stopped, must leave
// nothing either.
func killInit(t *testing.T, p *running, marker string, program int, armed string) {
	t.Helper()
	init := parentPid(t, program)
	initStart := startTimeOf(init)
	t.Logf("the program %d's parent, its init, is %d (%s)", program, init, commOf(init))
	if err := os.WriteFile(armed, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if !waitProcessGone(init, initStart, 5*time.Second) {
		t.Logf("the init %d withstood the program's kill -9", init)
		p.signal(t, syscall.SIGTERM)
		p.wantEnd(t, 128+int(syscall.SIGTERM), marker)
		return
	}
	code := waitExit(t, p, 30*time.Second+hostileGrace)
	if code == 0 {
		t.Errorf("procman run exited 0 after the program killed its init, want a failure status; stderr:\n%s", p.stderr)
	}
	t.Logf("procman run exited %d; stderr:\n%s", code, p.stderr)
	wantGone(t, marker, survivalDeadline, "after the program killed its init and procman run ended")
}

// wantGone fails the test unless every process with marker is gone within
// timeout, and kills those that are not, so that the marker's own check
// does not wait for them again.
func wantGone(t *testing.T, marker string, timeout time.Duration, when string) {
	t.Helper()
	if left := proctest.WaitGone(marker, timeout); len(left) > 0 {
		t.Errorf("%s: still running %v later: %s", when, timeout, describePids(left))
		killMarked(left)
	}
}

// killMarked kills pids, processes the test caused (they carry its marker).
func killMarked(pids []int) {
	for _, pid := range pids {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// describePids names each of pids with its command line.
func describePids(pids []int) string {
	var parts []string
	for _, pid := range pids {
		parts = append(parts, strconv.Itoa(pid)+" "+strconv.Quote(strings.Join(cmdlineOf(pid), " ")))
	}
	return strings.Join(parts, ", ")
}

// stopIfRunning stops a procman run that a failed test left running, so
// that it ends before the marker's check: SIGTERM, and SIGKILL if it is
// still there 20 seconds later.
func stopIfRunning(p *running) {
	if p.cmd.ProcessState != nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		p.cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		<-done
	}
}

// waitExit waits up to timeout for procman to exit by itself, and returns
// its exit code; it fails the test if procman does not end in time or dies
// of a signal.
func waitExit(t *testing.T, p *running, timeout time.Duration) int {
	t.Helper()
	exited := make(chan error, 1)
	go func() { exited <- p.cmd.Wait() }()
	select {
	case err := <-exited:
		if _, ok := errors.AsType[*exec.ExitError](err); err != nil && !ok {
			t.Fatalf("%q: %v", p.cmd.Args, err)
		}
	case <-time.After(timeout):
		p.cmd.Process.Signal(syscall.SIGTERM)
		<-exited
		t.Fatalf("procman run did not end within %v; stopped it; stderr:\n%s", timeout, p.stderr)
	}
	if !p.cmd.ProcessState.Exited() {
		t.Fatalf("%q: %v; stderr:\n%s", p.cmd.Args, p.cmd.ProcessState, p.stderr)
	}
	return p.cmd.ProcessState.ExitCode()
}

// processRunning returns the one of pids whose first argument is argv0.
func processRunning(t *testing.T, pids []int, argv0 string) int {
	t.Helper()
	for _, pid := range pids {
		if a := cmdlineOf(pid); len(a) > 0 && a[0] == argv0 {
			return pid
		}
	}
	t.Fatalf("none of %s runs %s", describePids(pids), argv0)
	return 0
}

// cmdlineOf returns the command line of process pid, as /proc shows it.
func cmdlineOf(pid int) []string {
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil || len(cmdline) == 0 {
		return nil
	}
	return strings.Split(string(bytes.TrimSuffix(cmdline, []byte{0})), "\x00")
}

// statFields returns the fields of /proc/PID/stat after the command name:
// field 3 (the state) is statFields[0].
func statFields(pid int) []string {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	return strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
}

// parentPid returns the parent of process pid, as /proc names it.
func parentPid(t *testing.T, pid int) int {
	t.Helper()
	fields := statFields(pid)
	if len(fields) < 2 {
		t.Fatalf("process %d is gone", pid)
	}
	ppid, _ := strconv.Atoi(fields[1])
	return ppid
}

// startTimeOf returns the start time of process pid (field 22 of its stat
// line), which tells it from a later process with the same pid; "" when
// it is gone.
func startTimeOf(pid int) string {
	if fields := statFields(pid); len(fields) > 22-3 {
		return fields[22-3]
	}
	return ""
}

func commOf(pid int) string {
	data, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	return strings.TrimSpace(string(data))
}

// waitProcessGone waits up to timeout for the process pid that started at
// start to be gone or a zombie, and reports whether it is.
func waitProcessGone(pid int, start string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		if startTimeOf(pid) != start || proctest.State(pid) == 'Z' {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}
