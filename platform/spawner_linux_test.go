package platform

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// spawners returns a Spawner for each mechanism this system allows, and
// skips the others with the reason.
func eachMechanism(t *testing.T, f func(t *testing.T, s *Spawner)) {
	for _, m := range []Mechanism{PIDNamespace, Cgroup, Subreaper, ProcessGroup} {
		t.Run(m.String(), func(t *testing.T) {
			s, err := NewSpawner(SpawnerOptions{Mechanism: m, Grace: time.Second})
			if err != nil {
				t.Skip(err)
			}
			t.Cleanup(s.Close)
			f(t, s)
		})
	}
}

func spawnShell(t *testing.T, s *Spawner, script string) *Process {
	t.Helper()
	null, err := DevNull()
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Start(context.Background(), Spec{
		Path:  "/bin/sh",
		Args:  []string{"sh", "-c", script},
		Dir:   "/",
		Env:   []string{"PATH=/usr/bin:/bin"},
		Stdin: null, Stdout: null, Stderr: null,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopTree(t, p) })
	return p
}

func TestSpawnerReportsExitAndPid(t *testing.T) {
	eachMechanism(t, func(t *testing.T, s *Spawner) {
		p := spawnShell(t, s, "read x </proc/self/stat; exit 3")
		st, err := p.Wait()
		if err != nil || st != (ExitStatus{Code: 3}) {
			t.Fatalf("Wait = %v, %v; want exit 3", st, err)
		}
		select {
		case <-p.Gone():
		case <-time.After(10 * time.Second):
			t.Fatal("Gone not closed after the program exited")
		}
	})
}

func TestSpawnerPidIsTheHostsView(t *testing.T) {
	eachMechanism(t, func(t *testing.T, s *Spawner) {
		p := spawnShell(t, s, "exec sleep 600")
		deadline := time.Now().Add(10 * time.Second)
		for {
			cmdline, _ := os.ReadFile("/proc/" + itoa(p.Pid) + "/cmdline")
			if strings.HasPrefix(string(cmdline), "sleep\x00600") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("pid %d is not the program: cmdline %q", p.Pid, cmdline)
			}
			time.Sleep(time.Millisecond)
		}
		members, err := p.Members()
		if err != nil || !slices.Contains(members, p.Pid) {
			t.Errorf("Members = %v, %v; want it to hold the program %d", members, err, p.Pid)
		}
	})
}

func TestSpawnerExecFailureIsTheErrno(t *testing.T) {
	eachMechanism(t, func(t *testing.T, s *Spawner) {
		null, _ := DevNull()
		_, err := s.Start(context.Background(), Spec{Path: "/nonexistent/program", Args: []string{"x"}, Dir: "/", Stdin: null, Stdout: null, Stderr: null})
		if !errors.Is(err, syscall.ENOENT) {
			t.Fatalf("Start of a missing program = %v, want ENOENT", err)
		}
	})
}

// TestSpawnerKnowsATreeEndedWithItsProgram: under a procman-init, the
// program's exit says whether its tree is empty, so that the host need not
// walk the tree (or /proc) to tell: the tree of a program that ran alone
// is known empty, one that left a process is not.
func TestSpawnerKnowsATreeEndedWithItsProgram(t *testing.T) {
	eachMechanism(t, func(t *testing.T, s *Spawner) {
		tree := func(p *Process) *initTree {
			it, ok := p.tree.(*initTree)
			if !ok {
				t.Skip("no procman-init: the process group is scanned for")
			}
			return it
		}
		alone := spawnShell(t, s, "exit 3")
		if st, err := alone.Wait(); err != nil || st.Code != 3 {
			t.Fatalf("Wait = %v, %v; want exit 3", st, err)
		}
		if !tree(alone).empty {
			t.Error("the tree of a program that ran alone is not known empty at its exit")
		}
		if members, err := alone.Members(); err != nil || len(members) != 0 {
			t.Errorf("Members = %v, %v; want none", members, err)
		}

		left := spawnShell(t, s, "sleep 600 & exit 4")
		if st, err := left.Wait(); err != nil || st.Code != 4 {
			t.Fatalf("Wait = %v, %v; want exit 4", st, err)
		}
		if tree(left).empty {
			t.Error("a tree whose sleep lives on is said empty")
		}
		if members, err := left.Members(); err != nil || len(members) != 1 {
			t.Errorf("Members = %v, %v; want the sleep", members, err)
		}
	})
}

func TestSpawnerTreeOutlivesTheProgram(t *testing.T) {
	eachMechanism(t, func(t *testing.T, s *Spawner) {
		// A daemon: its own session, then orphaned. It writes its pid, so
		// that it can be killed where it escapes.
		daemonPid := filepath.Join(t.TempDir(), "daemon.pid")
		p := spawnShell(t, s, "setsid sh -c 'sleep 600 & echo $! >"+daemonPid+"; exit 0' </dev/null; sleep 600 & exit 7")
		if s.Containment().Mechanism == ProcessGroup {
			t.Cleanup(func() { killEscaped(t, daemonPid) })
		}
		st, err := p.Wait()
		if err != nil || st.Code != 7 {
			t.Fatalf("Wait = %v, %v; want exit 7", st, err)
		}
		members, err := p.Members()
		want := 2
		if s.Containment().Mechanism == ProcessGroup {
			want = 1 // the daemon escaped: the weakness of the mechanism
		}
		if err != nil || len(members) != want {
			t.Fatalf("Members after the program exited = %v, %v; want %d sleeps", members, err, want)
		}
		select {
		case <-p.Gone():
			t.Fatal("Gone closed while the tree lives")
		case <-time.After(50 * time.Millisecond):
		}
		if err := p.SignalTree(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case <-p.Gone():
		case <-time.After(10 * time.Second):
			t.Fatal("tree not gone after SIGTERM to the tree")
		}
		for _, pid := range members {
			if st := processState(pid); st != 0 && st != 'Z' {
				if s.Containment().Mechanism == ProcessGroup {
					syscall.Kill(pid, syscall.SIGKILL) // the escaped daemon
					continue
				}
				t.Errorf("pid %d survived (state %c)", pid, st)
			}
		}
	})
}

func processState(pid int) byte {
	state, ok := readState(itoa(pid), make([]byte, 512))
	if !ok {
		return 0
	}
	return state
}

func itoa(n int) string { return strconv.Itoa(n) }

// killEscaped kills the daemon whose pid is in the file pidFile, which
// escaped its tree: a sleep this test started.
func killEscaped(t *testing.T, pidFile string) {
	var pid int
	for deadline := time.Now().Add(10 * time.Second); pid == 0; time.Sleep(time.Millisecond) {
		data, _ := os.ReadFile(pidFile)
		pid, _ = strconv.Atoi(strings.TrimSpace(string(data)))
		if pid == 0 && time.Now().After(deadline) {
			t.Errorf("the escaped daemon never wrote its pid to %s", pidFile)
			return
		}
	}
	if cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline"); string(cmdline) == "sleep\x00600\x00" {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// TestDefaultKeepsRealPids: Automatic picks a mechanism that leaves the
// program its real pid (cgroup or subreaper, never a PID namespace unless
// asked for), and offers a PID namespace on request where one can be made.
func TestDefaultKeepsRealPids(t *testing.T) {
	s, err := NewSpawner(SpawnerOptions{Grace: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	c := s.Containment()
	if c.Mechanism == PIDNamespace {
		t.Fatalf("default containment is %v: it must keep real pids", c)
	}
	if _, err := DetectContainment(SpawnerOptions{Mechanism: PIDNamespace}); err == nil {
		if _, ok := c.OnRequest[PIDNamespace]; !ok {
			t.Errorf("a PID namespace can be made, but the default containment does not offer it on request:\n%v", c)
		}
		if !strings.Contains(c.String(), "pid-namespace: available on request") {
			t.Errorf("containment report does not say pid-namespace is available on request:\n%v", c)
		}
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "pid")
	p := spawnShell(t, s, "echo $$ >"+out+".tmp && mv "+out+".tmp "+out+"; exec sleep 600")
	var said []byte
	deadline := time.Now().Add(10 * time.Second)
	for said, err = os.ReadFile(out); err != nil; said, err = os.ReadFile(out) {
		if time.Now().After(deadline) {
			t.Fatal("the shell never wrote its pid")
		}
		time.Sleep(time.Millisecond)
	}
	if got := strings.TrimSpace(string(said)); got != itoa(p.Pid) {
		t.Errorf("under %v the shell says its pid is %s; the host sees %d", c.Mechanism, got, p.Pid)
	}
}

// TestMinimumAboveTheDefaultPicksWhatIsOnRequest: Automatic with a
// Minimum stronger than the default takes a mechanism used only on
// request rather than fail.
func TestMinimumAboveTheDefaultPicksWhatIsOnRequest(t *testing.T) {
	if _, err := DetectContainment(SpawnerOptions{Mechanism: PIDNamespace}); err != nil {
		t.Skip(err)
	}
	c, err := DetectContainment(SpawnerOptions{Minimum: PIDNamespace})
	if err != nil {
		t.Fatal(err)
	}
	if c.Mechanism != PIDNamespace || c.Forced {
		t.Errorf("Automatic with Minimum pid-namespace gives %v (forced %v), want pid-namespace, detected", c.Mechanism, c.Forced)
	}
}

// TestKilledInitLosesItsTree: a program that kills its procman-init (its
// parent) with SIGKILL, after starting a daemon of its own (setsid, then
// orphaned), does not get away: the tree is reported gone only once the
// daemon is gone too. A keeper kills it under Subreaper; under Cgroup,
// where the init of a root host has no keeper, the Spawner kills what is
// left in the cgroup.
func TestKilledInitLosesItsTree(t *testing.T) {
	eachMechanism(t, func(t *testing.T, s *Spawner) {
		if m := s.Containment().Mechanism; m != Cgroup && m != Subreaper {
			t.Skip("the init's death ends a PID namespace; no init under ProcessGroup")
		}
		daemonPid := filepath.Join(t.TempDir(), "daemon.pid")
		p := spawnShell(t, s, "setsid sh -c 'sleep 600 & echo $! >"+daemonPid+"' </dev/null; "+
			"while [ ! -s "+daemonPid+" ]; do sleep 0.01; done; kill -KILL $PPID; sleep 600")
		if _, err := p.Wait(); err == nil {
			t.Fatal("Wait of a tree whose init was killed: no error")
		}
		select {
		case <-p.Gone():
		case <-time.After(20 * time.Second):
			t.Fatal("tree not gone after its init was killed")
		}
		data, err := os.ReadFile(daemonPid)
		if err != nil {
			t.Fatal(err)
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
		if pid <= 0 {
			t.Fatalf("daemon pid %q", data)
		}
		if st := processState(pid); st != 0 && st != 'Z' {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Errorf("the daemon %d outlived the tree (state %c)", pid, st)
		}
	})
}
