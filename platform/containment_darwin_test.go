package platform_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/procman-dev/procman/platform"
)

// TestContainmentIsProcessGroup: macOS offers ProcessGroup alone, says
// why each stronger mechanism is missing, and says what can escape it.
func TestContainmentIsProcessGroup(t *testing.T) {
	c, err := platform.DetectContainment(platform.SpawnerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Mechanism != platform.ProcessGroup || c.Forced || c.Cgroup {
		t.Errorf("DetectContainment = %v (forced %v, cgroup %v); want process-group, detected, no cgroup", c.Mechanism, c.Forced, c.Cgroup)
	}
	for _, m := range []platform.Mechanism{platform.Subreaper, platform.Cgroup, platform.PIDNamespace} {
		if c.Unavailable[m] == "" {
			t.Errorf("Unavailable[%v] is empty: the containment does not say why %v is not used", m, m)
		}
	}
	if c.Escapes == "" {
		t.Error("Escapes is empty: the containment does not say what can leave a tree")
	}
	s := newSpawner(t, platform.SpawnerOptions{})
	if got := s.Containment().Mechanism; got != platform.ProcessGroup {
		t.Errorf("Spawner.Containment().Mechanism = %v, want process-group", got)
	}
}

func TestForcingAnotherMechanismIsAnError(t *testing.T) {
	for _, m := range []platform.Mechanism{platform.Subreaper, platform.Cgroup, platform.PIDNamespace, platform.JobObject, platform.Mechanism(99)} {
		opts := platform.SpawnerOptions{Mechanism: m}
		if c, err := platform.DetectContainment(opts); err == nil {
			t.Errorf("DetectContainment forcing %v = %v, want an error", m, c.Mechanism)
		}
		if s, err := platform.NewSpawner(opts); err == nil {
			s.Close()
			t.Errorf("NewSpawner forcing %v succeeded, want an error", m)
		}
	}
	s := newSpawner(t, platform.SpawnerOptions{Mechanism: platform.ProcessGroup})
	if c := s.Containment(); c.Mechanism != platform.ProcessGroup || !c.Forced {
		t.Errorf("forcing process-group: %v (forced %v), want process-group, forced", c.Mechanism, c.Forced)
	}
}

func TestMinimumAboveProcessGroupIsAWeakError(t *testing.T) {
	for _, m := range []platform.Mechanism{platform.Subreaper, platform.Cgroup, platform.PIDNamespace} {
		s, err := platform.NewSpawner(platform.SpawnerOptions{Minimum: m})
		var weak *platform.WeakError
		if !errors.As(err, &weak) {
			if s != nil {
				s.Close()
			}
			t.Errorf("NewSpawner with Minimum %v = %v, want a *WeakError", m, err)
			continue
		}
		if weak.Minimum != m || weak.Containment.Mechanism != platform.ProcessGroup {
			t.Errorf("Minimum %v: WeakError{Minimum: %v, Mechanism: %v}; want Minimum %v, Mechanism process-group", m, weak.Minimum, weak.Containment.Mechanism, m)
		}
		if reason := weak.Containment.Unavailable[m]; reason == "" || !strings.Contains(err.Error(), reason) {
			t.Errorf("Minimum %v: the error %q does not say why %v is missing (%q)", m, err, m, reason)
		}
	}
	s := newSpawner(t, platform.SpawnerOptions{Minimum: platform.ProcessGroup})
	if got := s.Containment().Mechanism; got != platform.ProcessGroup {
		t.Errorf("Minimum process-group: %v, want process-group", got)
	}
}

// TestGuardedOnlyWithAReadyGuardFakeGuard: with no Guard, or one that is
// not ready, a Spawner is not guarded, and then Escapes says why; the
// reaper that guards trees for real is a separate program, stood for here
// by fakeGuard.
func TestGuardedOnlyWithAReadyGuardFakeGuard(t *testing.T) {
	if c := newSpawner(t, platform.SpawnerOptions{}).Containment(); c.Guarded {
		t.Error("with no Guard, Containment().Guarded is set")
	}
	if c := newSpawner(t, platform.SpawnerOptions{Guard: &fakeGuard{}}).Containment(); !c.Guarded {
		t.Error("with a ready Guard, Containment().Guarded is not set")
	}
	notReady := &fakeGuard{ready: errors.New("the reaper would not start")}
	c := newSpawner(t, platform.SpawnerOptions{Guard: notReady}).Containment()
	if c.Guarded {
		t.Error("with a Guard that is not ready, Containment().Guarded is set")
	}
	if !strings.Contains(c.Escapes, "the reaper would not start") {
		t.Errorf("with a Guard that is not ready, Escapes does not give the reason: %q", c.Escapes)
	}
}

// fakeGuard records what a Spawner asks it to protect, and protects
// nothing.
type fakeGuard struct {
	ready error // what Ready returns

	mu    sync.Mutex // guards trees
	trees []protectedTree
}

// protectedTree is one call of ProtectTree.
type protectedTree struct {
	pid      int
	start    uint64
	tag      string
	grace    time.Duration
	released bool // its release function was called
}

func (g *fakeGuard) Ready() error { return g.ready }

func (g *fakeGuard) ProtectProcess(int, uint64, time.Duration) (func(), error) {
	return nil, errors.New("fakeGuard: ProtectProcess is not for macOS")
}

func (g *fakeGuard) ReclaimCgroup(string, time.Duration) (func(), error) {
	return nil, errors.New("fakeGuard: ReclaimCgroup is not for macOS")
}

func (g *fakeGuard) ProtectTree(pid int, start uint64, tag string, grace time.Duration) (func(), error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	i := len(g.trees)
	g.trees = append(g.trees, protectedTree{pid: pid, start: start, tag: tag, grace: grace})
	return func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		g.trees[i].released = true
	}, nil
}

func (g *fakeGuard) protected() []protectedTree {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]protectedTree(nil), g.trees...)
}
