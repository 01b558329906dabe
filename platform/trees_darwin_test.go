package platform_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/procman-dev/procman/internal/proctree"
	"github.com/procman-dev/procman/platform"
)

// waitLimit bounds every wait of these tests for something that should
// happen at once: generous, as a loaded machine can be slow.
const waitLimit = 30 * time.Second

// markerVar names the environment variable that carries a test's marker
// into every process of its tree: macOS's sleep(1) takes no extra
// argument to carry it on its command line.
const markerVar = "PROCMAN_TEST_MARKER"

// A testTree is a tree a test started through a Spawner, with every
// process the test saw in it, by pid and start time. Its cleanup kills
// each of them still alive, by pid once its start time is checked, reaps
// the program, and fails the test if a process carrying the test's
// marker is left.
type testTree struct {
	t      *testing.T
	p      *platform.Process
	marker string // markerVar's entry, in the environment of every process of the tree
	stderr string // the file that the tree's standard error goes to
	seen   map[proctree.ID]bool
}

func newSpawner(t *testing.T, opts platform.SpawnerOptions) *platform.Spawner {
	t.Helper()
	s, err := platform.NewSpawner(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// startTree starts /bin/sh -c script with s, its environment PATH, the
// test's marker and env.
func startTree(t *testing.T, s *platform.Spawner, script string, env ...string) *testTree {
	t.Helper()
	b := make([]byte, 8)
	rand.Read(b)
	tr := &testTree{
		t:      t,
		marker: markerVar + "=" + hex.EncodeToString(b),
		stderr: filepath.Join(t.TempDir(), "stderr"),
		seen:   make(map[proctree.ID]bool),
	}
	// After t.TempDir: cleanups run last first, and the stderr file is
	// still there for cleanup to show.
	t.Cleanup(tr.cleanup)
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	stderr, err := os.Create(tr.stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	p, err := s.Start(context.Background(), platform.Spec{
		Path:  "/bin/sh",
		Args:  []string{"sh", "-c", script},
		Dir:   "/",
		Env:   append([]string{"PATH=/usr/bin:/bin", tr.marker}, env...),
		Stdin: null, Stdout: null, Stderr: stderr,
	})
	if err != nil {
		t.Fatal(err)
	}
	tr.p = p
	tr.record(p.Pid)
	return tr
}

// record remembers process pid, if it lives, with its start time.
func (tr *testTree) record(pid int) {
	if p, err := proctree.Lookup(pid); err == nil && !p.Zombie {
		tr.seen[p.ID()] = true
	}
}

// members returns the tree's members, and records them.
func (tr *testTree) members() []int {
	tr.t.Helper()
	pids, err := tr.p.Members()
	if err != nil {
		tr.t.Fatalf("Members: %v", err)
	}
	for _, pid := range pids {
		tr.record(pid)
	}
	return pids
}

// waitMembers waits until the tree's members satisfy ok, and returns
// them.
func (tr *testTree) waitMembers(what string, ok func(members []int) bool) []int {
	tr.t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		members := tr.members()
		if ok(members) {
			return members
		}
		if time.Now().After(deadline) {
			tr.t.Fatalf("%s: not after %v; members %v", what, waitLimit, members)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stop stops the tree as a host stops one: SIGTERM to every member, then,
// if the tree is not gone after grace, SIGKILL. It reports whether SIGKILL
// was needed, and fails the test if the tree is not gone waitLimit after
// it.
func (tr *testTree) stop(grace time.Duration) (killed bool) {
	tr.t.Helper()
	tr.members()
	if err := tr.p.SignalTree(syscall.SIGTERM); err != nil {
		tr.t.Fatalf("SignalTree(SIGTERM): %v", err)
	}
	select {
	case <-tr.p.Gone():
		return false
	case <-time.After(grace):
	}
	tr.members()
	if err := tr.p.SignalTree(syscall.SIGKILL); err != nil {
		tr.t.Fatalf("SignalTree(SIGKILL): %v", err)
	}
	select {
	case <-tr.p.Gone():
	case <-time.After(waitLimit):
		members, _ := tr.p.Members()
		tr.t.Fatalf("the tree is not gone %v after SIGKILL: members %v", waitLimit, members)
	}
	return true
}

// survivors waits until no process the test saw is alive, and returns
// those still alive after waitLimit.
func (tr *testTree) survivors() []proctree.Proc {
	deadline := time.Now().Add(waitLimit)
	for {
		var alive []proctree.Proc
		for id := range tr.seen {
			if p, ok := lookupAlive(id); ok {
				alive = append(alive, p)
			}
		}
		if len(alive) == 0 || time.Now().After(deadline) {
			return alive
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// assertAllGone fails the test unless every process it saw in the tree is
// gone.
func (tr *testTree) assertAllGone() {
	tr.t.Helper()
	if alive := tr.survivors(); len(alive) > 0 {
		tr.t.Errorf("processes of the tree outlived its stop by %v: %+v", waitLimit, alive)
	}
}

func (tr *testTree) cleanup() {
	t := tr.t
	if tr.p != nil {
		tr.p.SignalTree(syscall.SIGKILL)
	}
	table := proctree.SystemTable()
	for id := range tr.seen {
		// ErrGone: dead already, or its pid names another process now.
		table.Signal(proctree.Proc{Pid: id.Pid, Start: id.Start}, syscall.SIGKILL)
	}
	if alive := tr.survivors(); len(alive) > 0 {
		t.Errorf("processes of the tree survived SIGKILL by %v: %+v", waitLimit, alive)
	}
	if marked, err := waitMarkerGone(tr.marker); err != nil {
		t.Errorf("look for processes with marker %s: %v", tr.marker, err)
	} else if len(marked) > 0 {
		for _, p := range marked {
			table.Signal(p, syscall.SIGKILL)
		}
		t.Errorf("processes with marker %s, which the tree did not show, survived the test: %+v", tr.marker, marked)
	}
	if tr.p != nil {
		// Reaps the program.
		if err := tr.p.Release(); err != nil {
			t.Errorf("Release: %v", err)
		}
	}
	if stderr, _ := os.ReadFile(tr.stderr); t.Failed() && len(stderr) > 0 {
		t.Logf("the tree's standard error:\n%s", stderr)
	}
}

// lookupAlive returns the process id names if it is alive (not a zombie).
// A failure to read the process table counts as alive, so that it cannot
// pass for a process gone.
func lookupAlive(id proctree.ID) (proctree.Proc, bool) {
	p, err := proctree.Lookup(id.Pid)
	if errors.Is(err, proctree.ErrGone) {
		return proctree.Proc{}, false
	}
	if err != nil {
		return proctree.Proc{Pid: id.Pid, Start: id.Start}, true
	}
	return p, p.Start == id.Start && !p.Zombie
}

// waitMarkerGone waits until no live process of this user carries marker
// in its environment, and returns those that still do after waitLimit.
func waitMarkerGone(marker string) ([]proctree.Proc, error) {
	deadline := time.Now().Add(waitLimit)
	for {
		marked, err := withMarker(marker)
		if err != nil || len(marked) == 0 || time.Now().After(deadline) {
			return marked, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// withMarker returns the live processes of this user, this one aside,
// whose environment holds marker.
func withMarker(marker string) ([]proctree.Proc, error) {
	table := proctree.SystemTable()
	procs, err := table.Procs()
	if err != nil {
		return nil, err
	}
	uid, self := uint32(os.Geteuid()), os.Getpid()
	var marked []proctree.Proc
	for _, p := range procs {
		if p.Zombie || p.Uid != uid || p.Pid == self {
			continue
		}
		// An environment that cannot be read (the process is gone, or
		// exec'ing) is looked at again at the next call.
		if env, err := table.Environ(p); err == nil && slices.Contains(env, marker) {
			marked = append(marked, p)
		}
	}
	return marked, nil
}

// waitFor waits until ok holds, failing the test after waitLimit.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %v", what, waitLimit)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
