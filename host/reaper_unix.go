//go:build !windows

package host

import (
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/procman-dev/procman/platform"
	"github.com/procman-dev/procman/reaper"
)

// newGuard returns the platform.Guard of a Manager logging through
// logger: the shared reaper, started on first need.
func newGuard(logger hclog.Logger) platform.Guard { return reaperGuard{logger: logger} }

// The reaper is shared by every Manager of the program: one process that
// outlives the program and stops what it protects if the program dies
// without doing so. It is started on first need; a start that failed is
// tried again on the next need.
var shared struct {
	mu     sync.Mutex
	reaper *reaper.Reaper
}

func sharedReaper(logger hclog.Logger) (*reaper.Reaper, error) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.reaper != nil {
		return shared.reaper, nil
	}
	opts := reaper.Options{
		Logger:           logger.Named("reaper"),
		SweepDirPrefixes: []string{pluginSocketDirPrefix()},
	}
	// Detected without a guard: this is the guard's own start.
	opts.SweepCgroupDirs = platform.CgroupSweepDirs()
	r, err := reaper.Start(opts)
	if err != nil {
		return nil, err
	}
	shared.reaper = r
	return r, nil
}

// runningReaper returns the shared reaper if it runs, nil otherwise.
func runningReaper() *reaper.Reaper {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	return shared.reaper
}

// reaperGuard is the platform.Guard of a Manager: the shared reaper.
type reaperGuard struct {
	logger hclog.Logger
}

func (g reaperGuard) Ready() error {
	_, err := sharedReaper(g.logger)
	return err
}

func (g reaperGuard) ProtectProcess(pid int, startTime uint64, grace time.Duration) (func(), error) {
	return g.protect(func(r *reaper.Reaper) (*reaper.Registration, error) {
		return r.ProtectProcess(pid, startTime, grace)
	})
}

func (g reaperGuard) ReclaimCgroup(path string, wait time.Duration) (func(), error) {
	return g.protect(func(r *reaper.Reaper) (*reaper.Registration, error) {
		return r.ReclaimCgroup(path, wait)
	})
}

func (g reaperGuard) ProtectTree(pid int, startTime uint64, tag string, grace time.Duration) (func(), error) {
	return g.protect(func(r *reaper.Reaper) (*reaper.Registration, error) {
		return r.ProtectTree(pid, startTime, tag, grace)
	})
}

// protect registers with the shared reaper, starting it if need be, and
// returns what ends the registration.
func (g reaperGuard) protect(register func(*reaper.Reaper) (*reaper.Registration, error)) (func(), error) {
	r, err := sharedReaper(g.logger)
	if err != nil {
		return nil, err
	}
	reg, err := register(r)
	if err != nil {
		return nil, err
	}
	return func() { reg.Release() }, nil
}
