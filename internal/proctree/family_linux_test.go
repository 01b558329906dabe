//go:build linux

package proctree

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The tests named TestRealTree... run a Family against real process trees
// through SystemTable, with real signals: the membership and stop code
// that macOS needs, proven here on Linux's /proc. The tests named
// TestSystemTable... check the table itself.
//
// Every process a test starts carries, in its environment, a marker of
// that test (markerVar), which what it starts inherits: at the end of the
// test, a live process of the test's user that carries it outlived the
// test, which fails, and is killed.

const (
	markerVar = "PROCTREE_TEST_MARKER"
	// waitLimit bounds every wait of these tests for a process to start,
	// write a line, join a family or exit: generous, for a loaded machine.
	waitLimit = 20 * time.Second
)

// testUid is the user of the families of these tests: the test's own, that
// of every process it starts.
func testUid() uint32 { return uint32(os.Getuid()) }

func randomHex() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// newMarker returns the environment entry that marks the processes of t,
// and makes sure that none outlives it.
func newMarker(t *testing.T) string {
	t.Helper()
	entry := markerVar + "=" + randomHex()
	t.Cleanup(func() { sweep(t, entry) })
	return entry
}

// newTagName returns a family name unique to this call, for Tag.
func newTagName() string { return "test_" + randomHex() }

// baseEnv is the environment of the processes a test starts: a PATH and
// the test's marker, then extra.
func baseEnv(marker string, extra ...string) []string {
	return append([]string{"PATH=/usr/bin:/bin", marker}, extra...)
}

// marked returns the live processes of the test's user, other than the
// test's, that carry marker in their environment.
func marked(marker string) ([]Proc, error) {
	table := SystemTable()
	procs, err := table.Procs()
	if err != nil {
		return nil, err
	}
	var found []Proc
	for _, p := range procs {
		if p.Zombie || p.Uid != testUid() || p.Pid == os.Getpid() {
			continue
		}
		if env, err := table.Environ(p); err == nil && slices.Contains(env, marker) {
			found = append(found, p)
		}
	}
	return found, nil
}

// sweep fails t if a process with marker still runs, and kills every such
// process, through a pidfd after checking its start time, until none is
// left.
func sweep(t *testing.T, marker string) {
	reported := false
	deadline := time.Now().Add(waitLimit)
	for {
		procs, err := marked(marker)
		if err == nil && len(procs) == 0 {
			return
		}
		if err == nil && !reported {
			t.Errorf("processes outlived the test: %v", procs)
			reported = true
		}
		if time.Now().After(deadline) {
			t.Errorf("processes of the test still run after %v of SIGKILL: %v (%v)", waitLimit, procs, err)
			return
		}
		for _, p := range procs {
			SystemTable().Signal(p, syscall.SIGKILL)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// child is a process the test started, in a process group of its own,
// with the test's marker: it is killed and reaped at the end of the test.
type child struct {
	Proc
	lines  <-chan string // what it, and what it starts, write to stdout
	stderr string        // the file its stderr goes to
	exited chan struct{}
	state  *os.ProcessState // set before exited is closed
}

// start starts argv with the environment env (baseEnv's) in a process
// group of its own.
func start(t *testing.T, env []string, argv ...string) *child {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Stdout = w
	cmd.Stderr = stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = cmd.Start()
	w.Close()
	if err != nil {
		r.Close()
		t.Fatal(err)
	}
	c := &child{stderr: stderr.Name(), exited: make(chan struct{})}
	go func() {
		cmd.Wait()
		c.state = cmd.ProcessState
		close(c.exited)
	}()
	lines := make(chan string)
	c.lines = lines
	go func() {
		defer close(lines)
		for s := bufio.NewScanner(r); s.Scan(); {
			lines <- s.Text()
		}
	}()
	t.Cleanup(func() {
		// cmd.Process signals through a pidfd of the child, which is
		// not reaped before it ends: no other process can get it.
		if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
			t.Errorf("kill pid %d: %v", cmd.Process.Pid, err)
		}
		<-c.exited
		r.Close()
		for range lines {
		}
	})
	// Until it is reaped, the child's pid names it.
	c.Proc = procOf(t, cmd.Process.Pid)
	return c
}

// startScript starts /bin/sh running script with the environment env.
func startScript(t *testing.T, env []string, script string) *child {
	t.Helper()
	return start(t, env, "/bin/sh", "-c", script)
}

// line returns the next line the child's tree writes.
func (c *child) line(t *testing.T) string {
	t.Helper()
	select {
	case l, ok := <-c.lines:
		if !ok {
			t.Fatalf("pid %d's output ended early; stderr: %s", c.Pid, c.errors())
		}
		return l
	case <-time.After(waitLimit):
		t.Fatalf("pid %d wrote no line within %v; stderr: %s", c.Pid, waitLimit, c.errors())
	}
	return ""
}

// procLine reads a line holding a pid and returns that process.
func (c *child) procLine(t *testing.T) Proc {
	t.Helper()
	l := c.line(t)
	pid, err := strconv.Atoi(l)
	if err != nil {
		t.Fatalf("pid %d wrote %q, not a pid", c.Pid, l)
	}
	return procOf(t, pid)
}

// wait waits for the child to exit and be reaped.
func (c *child) wait(t *testing.T) *os.ProcessState {
	t.Helper()
	select {
	case <-c.exited:
		return c.state
	case <-time.After(waitLimit):
		t.Fatalf("pid %d still runs after %v", c.Pid, waitLimit)
	}
	return nil
}

func (c *child) errors() string {
	data, _ := os.ReadFile(c.stderr)
	return string(data)
}

// procOf returns process pid as SystemTable lists it.
func procOf(t *testing.T, pid int) Proc {
	t.Helper()
	procs, err := SystemTable().Procs()
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(procs, func(p Proc) bool { return p.Pid == pid })
	if i < 0 {
		t.Fatalf("pid %d is not in the table", pid)
	}
	return procs[i]
}

// ended reports whether process id has ended: it is gone, a zombie, or its
// pid names another process.
func ended(id ID) bool {
	st, err := readStat(id.Pid)
	return errors.Is(err, ErrGone) || err == nil && (st.Start != id.Start || st.Zombie())
}

// wantEnded fails t for every process of ids still running.
func wantEnded(t *testing.T, what string, ids ...ID) {
	t.Helper()
	for _, id := range ids {
		if !ended(id) {
			t.Errorf("%s: pid %d still runs", what, id.Pid)
		}
	}
}

func idsOf(procs []Proc) []ID {
	ids := make([]ID, len(procs))
	for i, p := range procs {
		ids[i] = p.ID()
	}
	return ids
}

// awaitMembers scans f until its members are exactly want (a process
// between two execs, or one that is about to exit, may be seen for a
// while), and fails t if they are not within waitLimit.
func awaitMembers(t *testing.T, f *Family, want ...Proc) {
	t.Helper()
	wantIDs := idsOf(want)
	slices.SortFunc(wantIDs, func(a, b ID) int { return a.Pid - b.Pid })
	deadline := time.Now().Add(waitLimit)
	for {
		members, err := f.Scan(SystemTable())
		if err != nil {
			t.Fatal(err)
		}
		got := idsOf(members)
		if slices.Equal(got, wantIDs) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("members %v, want %v", got, wantIDs)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// wantSignalled fails t unless the child's exit was by sig.
func wantSignalled(t *testing.T, what string, state *os.ProcessState, sig syscall.Signal) {
	t.Helper()
	ws, ok := state.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != sig {
		t.Errorf("%s ended with %v, want killed by %v", what, state, sig)
	}
}

// recordingTable is the system's table, recording every signal it is
// asked to send. With allowed set, it sends none to a process outside it
// (answering ErrGone): a family in error must not signal the machine's
// other processes.
type recordingTable struct {
	Table
	allowed map[ID]bool

	mu      sync.Mutex // guards signals
	signals []sentSignal
}

func (r *recordingTable) Signal(p Proc, sig syscall.Signal) error {
	r.mu.Lock()
	r.signals = append(r.signals, sentSignal{p.ID(), sig})
	r.mu.Unlock()
	if r.allowed != nil && !r.allowed[p.ID()] {
		return ErrGone
	}
	return r.Table.Signal(p, sig)
}

// sent returns the signals asked for so far, in order.
func (r *recordingTable) sent() []sentSignal {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.signals)
}

func TestRealTreeStopEndsGrandchildren(t *testing.T) {
	marker := newMarker(t)
	// Two children; an orphan left in the root's group by a subshell that
	// exits; a child in a session of its own, tied to the tree by its
	// parent alone.
	root := startScript(t, baseEnv(marker), `
		sleep 600 & echo $!
		sleep 600 & echo $!
		(sleep 600 & echo $!)
		setsid sleep 600 & echo $!
		wait`)
	procs := []Proc{root.Proc}
	for range 4 {
		procs = append(procs, root.procLine(t))
	}
	f := New(root.ID(), testUid(), "")
	awaitMembers(t, f, procs...)

	table := &recordingTable{Table: SystemTable()}
	if err := Stop(table, syscall.SIGTERM, waitLimit, f); err != nil {
		t.Fatal(err)
	}
	wantEnded(t, "after Stop", idsOf(procs)...)
	for _, p := range procs {
		if got := signalsTo(table.sent(), p.ID()); !slices.Equal(got, []syscall.Signal{syscall.SIGTERM}) {
			t.Errorf("pid %d was sent %v, want SIGTERM once", p.Pid, got)
		}
	}
	wantSignalled(t, "the root", root.wait(t), syscall.SIGTERM)
}

func TestRealTreeTagCatchesDoubleForkedDaemon(t *testing.T) {
	marker := newMarker(t)
	tag := Tag(newTagName())
	// The daemon's parent, in a session of its own, exits at once: the
	// daemon is left in that session, which no member leads any more,
	// with another parent.
	root := startScript(t, baseEnv(marker, tag), `
		setsid /bin/sh -c 'sleep 600 & echo $!'
		echo ready
		exec sleep 600`)
	daemon := root.procLine(t)
	if l := root.line(t); l != "ready" {
		t.Fatalf("root wrote %q, not ready", l)
	}
	daemon = procOf(t, daemon.Pid)
	if daemon.PPid == root.Pid || daemon.Pgid == root.Pgid || daemon.Sid == root.Sid || daemon.Sid == root.Pid {
		t.Fatalf("the daemon %+v is still tied to the root %+v", daemon, root.Proc)
	}

	untagged := New(root.ID(), testUid(), "")
	tagged := New(root.ID(), testUid(), tag)
	awaitMembers(t, tagged, root.Proc, daemon)
	awaitMembers(t, untagged, root.Proc)

	if err := Stop(SystemTable(), syscall.SIGTERM, waitLimit, tagged); err != nil {
		t.Fatal(err)
	}
	wantEnded(t, "after Stop", root.ID(), daemon.ID())
	wantSignalled(t, "the root", root.wait(t), syscall.SIGTERM)
}

func TestRealTreeKillEndsForkLoop(t *testing.T) {
	// A crowd of sleeps, then three loops that fork (200 times each, or
	// until killed) children in sessions of their own: Kill signals in pid
	// order, so that a loop still forks while the crowd before it is
	// signalled. A child
	// forked then, whose loop is killed before it is seen, would be left
	// in a session no member leads, with init for a parent.
	const crowd = `
		i=0
		while [ $i -lt 50 ]; do sleep 600 & i=$((i+1)); done
		for n in 1 2 3; do
			(j=0; while [ $j -lt 200 ]; do
				%s
				j=$((j+1))
			done; wait) &
		done
		echo ready
		wait`
	for _, tc := range []struct {
		name string
		fork string // the loops' body
		tag  bool
	}{
		// Tied to the family by its parent alone.
		{"setsid children", "setsid sleep 600 &", false},
		// Tied to the family by the tag alone, once its subshell exits.
		{"double-forked daemons", "(setsid sleep 600 &)", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			marker := newMarker(t)
			env, tag := baseEnv(marker), ""
			if tc.tag {
				tag = Tag(newTagName())
				env = append(env, tag)
			}
			root := startScript(t, env, fmt.Sprintf(crowd, tc.fork))
			if l := root.line(t); l != "ready" {
				t.Fatalf("root wrote %q, not ready", l)
			}
			f := New(root.ID(), testUid(), tag)
			seen := make(map[ID]bool)
			deadline := time.Now().Add(waitLimit)
			for members := []Proc(nil); len(members) < 90; {
				if time.Now().After(deadline) {
					t.Fatalf("the family has %d members after %v, not 90", len(members), waitLimit)
				}
				var err error
				if members, err = f.Scan(SystemTable()); err != nil {
					t.Fatal(err)
				}
				for _, p := range members {
					seen[p.ID()] = true
				}
				time.Sleep(5 * time.Millisecond)
			}

			table := &recordingTable{Table: SystemTable()}
			if err := f.Kill(table); err != nil {
				t.Fatal(err)
			}
			if members, err := f.Scan(SystemTable()); err != nil || len(members) > 0 {
				t.Errorf("members after Kill: %v (%v)", members, err)
			}
			for _, s := range table.sent() {
				seen[s.id] = true
			}
			for id := range seen {
				wantEnded(t, "after Kill", id)
			}
			if left, err := marked(marker); err != nil || len(left) > 0 {
				t.Errorf("processes of the tree left after Kill: %v (%v)", left, err)
			}
			t.Logf("%d processes seen in the family", len(seen))
		})
	}
}

func TestRealTreeStopKillsTermIgnorerAfterGrace(t *testing.T) {
	marker := newMarker(t)
	root := startScript(t, baseEnv(marker), `
		trap "" TERM
		sleep 600 & echo $!
		exec sleep 600`)
	grandchild := root.procLine(t)
	f := New(root.ID(), testUid(), "")
	awaitMembers(t, f, root.Proc, grandchild)

	table := &recordingTable{Table: SystemTable()}
	if err := Stop(table, syscall.SIGTERM, 200*time.Millisecond, f); err != nil {
		t.Fatal(err)
	}
	wantEnded(t, "after Stop", root.ID(), grandchild.ID())
	wantSignalled(t, "the root", root.wait(t), syscall.SIGKILL)
	for _, p := range []Proc{root.Proc, grandchild} {
		got := signalsTo(table.sent(), p.ID())
		if len(got) < 3 || got[0] != syscall.SIGTERM || got[1] != syscall.SIGSTOP || got[len(got)-1] != syscall.SIGKILL {
			t.Errorf("pid %d was sent %v, want SIGTERM, SIGSTOP, then SIGKILL", p.Pid, got)
		}
	}
}

func TestRealTreeStopEndsGracefulTreeWithinGrace(t *testing.T) {
	marker := newMarker(t)
	root := startScript(t, baseEnv(marker), `
		trap 'exit 7' TERM
		sleep 600 & echo $!
		wait`)
	grandchild := root.procLine(t)
	f := New(root.ID(), testUid(), "")
	awaitMembers(t, f, root.Proc, grandchild)

	// The grace is long enough never to run out here: Kill must not be
	// needed.
	table := &recordingTable{Table: SystemTable()}
	if err := Stop(table, syscall.SIGTERM, waitLimit, f); err != nil {
		t.Fatal(err)
	}
	wantEnded(t, "after Stop", root.ID(), grandchild.ID())
	if state := root.wait(t); state.ExitCode() != 7 {
		t.Errorf("the root ended with %v, want exit status 7 from its SIGTERM trap", state)
	}
	for _, p := range []Proc{root.Proc, grandchild} {
		if got := signalsTo(table.sent(), p.ID()); !slices.Equal(got, []syscall.Signal{syscall.SIGTERM}) {
			t.Errorf("pid %d was sent %v, want SIGTERM alone", p.Pid, got)
		}
	}
}

func TestRealTreeStopSignalsOnlyMembers(t *testing.T) {
	marker := newMarker(t)
	name := newTagName()
	root := startScript(t, baseEnv(marker, Tag(name)), `
		sleep 600 & echo $!
		trap "" TERM
		setsid sleep 600 & echo $!
		wait`)
	members := []Proc{root.Proc, root.procLine(t), root.procLine(t)}
	// The decoy is of the same user and session as the root, started after
	// it, and carries the tag of another family whose name begins with
	// this one's.
	decoy := start(t, baseEnv(marker, Tag(name+"_nested"), TagVar+"_"+name+"=0"), "sleep", "600")
	if decoy.Sid != root.Sid || decoy.Uid != root.Uid {
		t.Fatalf("the decoy %+v is not in the root's session %+v", decoy.Proc, root.Proc)
	}
	f := New(root.ID(), testUid(), Tag(name))
	awaitMembers(t, f, members...)

	table := &recordingTable{Table: SystemTable(), allowed: make(map[ID]bool)}
	for _, p := range members {
		table.allowed[p.ID()] = true
	}
	if err := Stop(table, syscall.SIGTERM, 200*time.Millisecond, f); err != nil {
		t.Fatal(err)
	}
	wantEnded(t, "after Stop", idsOf(members)...)
	for _, s := range table.sent() {
		if !table.allowed[s.id] {
			t.Errorf("%v was sent to pid %d, which is no member", s.sig, s.id.Pid)
		}
	}
	if ended(decoy.ID()) {
		t.Fatal("the decoy ended")
	}
	if err := SystemTable().Signal(decoy.Proc, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	wantSignalled(t, "the decoy", decoy.wait(t), syscall.SIGKILL)
}

func TestSystemTableWrongStartIsErrGone(t *testing.T) {
	marker := newMarker(t)
	c := start(t, baseEnv(marker), "sleep", "600")
	impostor := c.Proc
	impostor.Start++
	if err := SystemTable().Signal(impostor, syscall.SIGKILL); !errors.Is(err, ErrGone) {
		t.Errorf("Signal with another start time: %v, want ErrGone", err)
	}
	if env, err := SystemTable().Environ(impostor); !errors.Is(err, ErrGone) {
		t.Errorf("Environ with another start time: %v, %v, want ErrGone", env, err)
	}
	// Had SIGKILL been sent, the process would end by it, whatever came
	// next.
	if err := SystemTable().Signal(c.Proc, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	wantSignalled(t, "the process", c.wait(t), syscall.SIGTERM)
}

func TestSystemTableExitedProcessIsErrGone(t *testing.T) {
	marker := newMarker(t)
	// The grandchild's parent, a sleep once it execs, never reaps it.
	c := startScript(t, baseEnv(marker), `
		sleep 600 & echo $!
		exec sleep 600`)
	grandchild := c.procLine(t)
	if err := SystemTable().Signal(grandchild, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(waitLimit)
	for st, err := readStat(grandchild.Pid); err != nil || !st.Zombie(); st, err = readStat(grandchild.Pid) {
		if time.Now().After(deadline) {
			t.Fatalf("pid %d is no zombie after SIGKILL: %+v, %v", grandchild.Pid, st, err)
		}
		time.Sleep(time.Millisecond)
	}
	if env, err := SystemTable().Environ(grandchild); !errors.Is(err, ErrGone) {
		t.Errorf("Environ of a zombie: %v, %v, want ErrGone", env, err)
	}

	if err := SystemTable().Signal(c.Proc, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	wantSignalled(t, "the process", c.wait(t), syscall.SIGKILL)
	// Reaped: its pid names nothing, or another process.
	if err := SystemTable().Signal(c.Proc, syscall.SIGKILL); !errors.Is(err, ErrGone) {
		t.Errorf("Signal of a reaped process: %v, want ErrGone", err)
	}
	if env, err := SystemTable().Environ(c.Proc); !errors.Is(err, ErrGone) {
		t.Errorf("Environ of a reaped process: %v, %v, want ErrGone", env, err)
	}
}

func TestSystemTableEnvironAndProcsOfChild(t *testing.T) {
	marker := newMarker(t)
	env := baseEnv(marker, "PROCTREE_TEST_VALUE="+randomHex())
	c := start(t, env, "sleep", "600")
	// The environment is empty while the exec is under way.
	deadline := time.Now().Add(waitLimit)
	got, err := SystemTable().Environ(c.Proc)
	for ; errors.Is(err, errNoEnvironment) && time.Now().Before(deadline); got, err = SystemTable().Environ(c.Proc) {
		time.Sleep(time.Millisecond)
	}
	if err != nil || !slices.Equal(got, env) {
		t.Errorf("Environ: %q, %v, want %q", got, err, env)
	}

	procs, err := SystemTable().Procs()
	if err != nil {
		t.Fatal(err)
	}
	sid, err := unix.Getsid(0)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(procs, func(p Proc) bool { return p.Pid == c.Pid })
	self := slices.IndexFunc(procs, func(p Proc) bool { return p.Pid == os.Getpid() })
	if i < 0 || self < 0 {
		t.Fatalf("the child (%d) or the test (%d) is not in the table", c.Pid, os.Getpid())
	}
	wantChild := Proc{Pid: c.Pid, PPid: os.Getpid(), Pgid: c.Pid, Sid: sid, Uid: testUid(), Start: c.Start}
	if procs[i] != wantChild {
		t.Errorf("the child is %+v, want %+v", procs[i], wantChild)
	}
	if me := procs[self]; me.PPid != os.Getppid() || me.Pgid != syscall.Getpgrp() || me.Sid != sid || me.Uid != testUid() || me.Start > c.Start || me.Zombie {
		t.Errorf("the test is %+v, want the parent %d, group %d, session %d, user %d, a start no later than %d",
			me, os.Getppid(), syscall.Getpgrp(), sid, testUid(), c.Start)
	}
}
