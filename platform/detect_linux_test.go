package platform

import (
	"errors"
	"strings"
	"syscall"
	"testing"
)

// TestTransientDetectionFailureIsTriedAgain runs detection out of
// descriptors: what failed for that reason must not stick, and the next
// detection, with descriptors again, must find every mechanism it found
// before.
func TestTransientDetectionFailureIsTriedAgain(t *testing.T) {
	forgetDetection(t)

	baseline := tryAll(untried, initModes())
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
