package platform

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/procman-dev/procman/internal/proctest"
)

// TestTransientDetectionFailureIsTriedAgain runs detection out of
// descriptors: what failed for that reason must not stick, and the next
// detection, with descriptors again, must find every mechanism it found
// before.
func TestTransientDetectionFailureIsTriedAgain(t *testing.T) {
	forgetDetection(t)

	baseline := tryAll(untried, initModes(), nil)
	var limit syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &limit); err != nil {
		t.Fatal(err)
	}
	low := limit
	low.Cur = 8 // fewer than detection needs
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	starved := detect(nil, initModes()...)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &limit); err != nil {
		t.Fatal(err)
	}
	if err := starved.errFor(Subreaper); !errors.Is(err, syscall.EMFILE) {
		t.Fatalf("out of descriptors, subreaper: %v; want an error wrapping EMFILE", err)
	}
	if starved.settled(initModes()) {
		t.Error("a detection that failed for lack of descriptors counts as settled")
	}

	again := detect(nil, initModes()...)
	for _, m := range []Mechanism{PIDNamespace, Cgroup, Subreaper} {
		if err := again.errFor(m); err != nil && baseline.errFor(m) == nil {
			t.Errorf("%v still unavailable after descriptors came back: %v", m, err)
		}
	}
}

// TestPIDNamespaceTriedOnlyWhenItMatters makes a Spawner by default, which
// never picks a PID namespace: none is tried until Containment reports on
// it. Asked for, it is tried at once.
func TestPIDNamespaceTriedOnlyWhenItMatters(t *testing.T) {
	forgetDetection(t)
	triedNS := func() bool {
		detected.mu.Lock()
		defer detected.mu.Unlock()
		return detected.sys.tried(pidnsMode())
	}

	s, err := NewSpawner(SpawnerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if triedNS() {
		t.Fatal("a default Spawner tried a PID namespace")
	}
	if m, _ := s.Mechanism(); m == PIDNamespace {
		t.Fatal("a default Spawner uses a PID namespace")
	}
	c := s.Containment()
	if !triedNS() {
		t.Fatal("Containment did not try a PID namespace")
	}
	_, onRequest := c.OnRequest[PIDNamespace]
	_, unavailable := c.Unavailable[PIDNamespace]
	if onRequest == unavailable || strings.Contains(c.Unavailable[PIDNamespace], errUntried.Error()) {
		t.Errorf("Containment = %v; want pid-namespace either available on request or unavailable for a reason", c)
	}

	detected.mu.Lock()
	detected.sys = nil
	detected.mu.Unlock()
	ns, err := NewSpawner(SpawnerOptions{Mechanism: PIDNamespace})
	if err == nil {
		ns.Close()
	}
	if !triedNS() {
		t.Errorf("a Spawner asked for a PID namespace did not try one (NewSpawner: %v)", err)
	}
}

// forgetDetection makes the test's detection start from nothing, and puts
// back what was detected before once the test ends.
func forgetDetection(t *testing.T) {
	detected.mu.Lock()
	saved := detected.sys
	detected.sys = nil
	detected.mu.Unlock()
	t.Cleanup(func() {
		detected.mu.Lock()
		detected.sys = saved
		detected.mu.Unlock()
	})
}

// TestDetectionMakesTheFirstTreesInit has the first detection of a
// default Spawner try the cgroup directory and the subreaper mode by
// making the first tree's init: the first Start's program is that init's
// child, and no other init was made for it.
func TestDetectionMakesTheFirstTreesInit(t *testing.T) {
	forgetDetection(t)
	const grace = 3 * time.Second
	sys := detectSystem(ptr(grace), subreaperMode)
	if sys.cgroupErr != nil {
		t.Skipf("no cgroup to try: %v", sys.cgroupErr)
	}
	head.mu.Lock()
	in := head.in
	head.mu.Unlock()
	if in == nil {
		t.Fatal("detection found a cgroup directory but made no init")
	}
	if sys.initErr(subreaperMode) != nil {
		t.Errorf("subreaper mode: %v, though its init runs", sys.initErr(subreaperMode))
	}
	s, err := NewSpawner(SpawnerOptions{Grace: grace})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if m, _ := s.Mechanism(); m != Cgroup {
		t.Fatalf("mechanism %v, want cgroup", m)
	}
	p := startSpec(t, s, shellSpec(t, proctest.Marker(t), loopScript))
	if parent := parentOf(t, p.Pid); parent != in.pid && parentOf(t, parent) != in.pid {
		t.Errorf("the program (pid %d) is not of the init detection made (pid %d): its parent is %d", p.Pid, in.pid, parent)
	}
}

// TestUnusedFirstInitIsEnded has the first detection make the first
// tree's init, then a Spawner that cannot use it (another grace): the init
// is gone and its cgroup removed once NewSpawner returns.
func TestUnusedFirstInitIsEnded(t *testing.T) {
	forgetDetection(t)
	sys := detectSystem(ptr(3*time.Second), subreaperMode)
	head.mu.Lock()
	in := head.in
	head.mu.Unlock()
	if sys.cgroupErr != nil || in == nil {
		t.Skipf("no init made by detection (cgroup: %v)", sys.cgroupErr)
	}
	dir := in.cgroup.Path()
	s, err := NewSpawner(SpawnerOptions{Grace: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := syscall.Kill(in.pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("the unused init (pid %d) still exists: kill 0 = %v", in.pid, err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("its cgroup %s: %v, want it removed", dir, err)
	}
}

func ptr[T any](v T) *T { return &v }

// parentOf returns the parent of pid.
func parentOf(t *testing.T, pid int) int {
	t.Helper()
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	ppid, err := strconv.Atoi(fields[1])
	if err != nil {
		t.Fatal(err)
	}
	return ppid
}

// TestFailedInitStartLeavesNoCgroup makes a tree's cgroup, in a host
// directory that no guard has yet, for an init that cannot start: both
// directories must be gone, for nothing else would remove them.
func TestFailedInitStartLeavesNoCgroup(t *testing.T) {
	sys := detect(nil, subreaperMode)
	if sys.cgroupErr != nil {
		t.Skipf("no cgroup to try: %v", sys.cgroupErr)
	}
	dropHostGroup() // the tests' own, when no tree is in it
	if host.group != nil {
		t.Skip("the tests' cgroup directory is in use")
	}
	name, err := HostName()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := startTreeInit(&Executable{Path: "/nonexistent/procman-init"}, subreaperMode, time.Second, sys.cgroupBase); err == nil {
		t.Fatal("an init that does not exist started")
	}
	dir := filepath.Join(sys.cgroupBase, name)
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the host's directory of cgroups %s: %v, want it removed", dir, err)
	}
}
