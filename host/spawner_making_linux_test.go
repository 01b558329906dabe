package host

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/procman-dev/procman/internal/proctest"
	"github.com/procman-dev/procman/internal/proctree"
	"github.com/procman-dev/procman/platform"
	"github.com/procman-dev/procman/sdk"
)

// holdSpawnerMaking has the Spawners made from now on wait, once
// detection is about to begin, until release is closed; entered is closed
// when the first one gets there.
func holdSpawnerMaking(t *testing.T) (entered <-chan struct{}, release chan<- struct{}) {
	in, rel := make(chan struct{}), make(chan struct{})
	var once sync.Once
	newSpawner = func(opts platform.SpawnerOptions) (*platform.Spawner, error) {
		once.Do(func() { close(in) })
		<-rel
		return platform.NewSpawner(opts)
	}
	t.Cleanup(func() { newSpawner = platform.NewSpawner })
	return in, rel
}

// within fails the test unless f returns within a generous bound: a
// guard against a wait that would never end, not a measure of speed.
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s waited for the Spawner under way, which is held", what)
	}
}

// TestStartValidatesWhileTheSpawnerIsMade: the first Start's config is
// validated, and an invalid one refused, while Warm's Spawner is still
// being made, rather than once it is; a valid one then starts on that
// Spawner.
func TestStartValidatesWhileTheSpawnerIsMade(t *testing.T) {
	entered, release := holdSpawnerMaking(t)
	m := New()
	defer m.Close(context.Background())
	warmed := make(chan error, 1)
	go func() { warmed <- m.Warm() }()
	<-entered

	missing := filepath.Join(t.TempDir(), "missing")
	within(t, "Start of an invalid config", func() {
		h, err := m.Start(context.Background(), sdk.ProcessConfig{Command: "/bin/true", Dir: missing})
		if !errors.Is(err, sdk.ErrInvalidConfig) || h != (Handle{}) {
			t.Errorf("Start in a missing directory = %v, %v; want a config error and no handle", h, err)
		}
	})

	started := make(chan error, 1)
	go func() {
		h, err := m.Start(context.Background(), sdk.ProcessConfig{Command: "/bin/true", Dir: t.TempDir()})
		if err == nil {
			_, err = m.Wait(context.Background(), h)
		}
		started <- err
	}()
	close(release)
	if err := <-warmed; err != nil {
		t.Fatalf("Warm: %v", err)
	}
	if err := <-started; err != nil {
		t.Fatalf("Start once the Spawner is made: %v", err)
	}
}

// TestCloseWaitsForTheSpawnerUnderWay: Close during the making of the
// Spawner waits for it and closes it, so that the procman-init it keeps
// ready is gone once Close returns; and no Spawner is made after Close.
func TestCloseWaitsForTheSpawnerUnderWay(t *testing.T) {
	before := initChildren(t)
	entered, release := holdSpawnerMaking(t)
	m := New()
	warmed := make(chan error, 1)
	go func() { warmed <- m.Warm() }()
	<-entered
	closed := make(chan error, 1)
	go func() { closed <- m.Close(context.Background()) }()
	// Close marks the Manager closed before it looks for the Spawner
	// under way; wait for that, so that the making is released while
	// Close is waiting for it.
	for !m.isClosed() {
		time.Sleep(time.Millisecond)
	}
	close(release)
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := <-warmed; err != nil {
		t.Fatalf("Warm, begun before Close: %v", err)
	}
	if left := slices.DeleteFunc(initChildren(t), func(pid int) bool { return slices.Contains(before, pid) }); len(left) > 0 {
		t.Errorf("procman-init processes %v of the Spawner made are left after Close", left)
	}
	if err := m.Warm(); !errors.Is(err, ErrClosed) {
		t.Errorf("Warm after Close = %v, want ErrClosed", err)
	}
	m.spawnMu.Lock()
	defer m.spawnMu.Unlock()
	if m.making != nil {
		t.Error("a Spawner is being made after Close")
	}
}

// initChildren returns the pids of this process's children that run
// procman-init.
func initChildren(t *testing.T) []int {
	t.Helper()
	procs, err := proctree.SystemTable().Procs()
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, p := range procs {
		if p.PPid == os.Getpid() && proctest.Comm(p.Pid) == "procman-init" {
			pids = append(pids, p.Pid)
		}
	}
	return pids
}
