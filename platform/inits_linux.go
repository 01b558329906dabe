package platform

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/procman-dev/procman/platform/internal/cgroup"
)

// An initStarter starts each program under a procman-init of its own,
// taken from a few kept ready: the starter of every mechanism but
// ProcessGroup, which differ in the init's mode and in whether each tree
// gets a cgroup.
type initStarter struct {
	exe       *Executable
	mode      string // procman-init's mode
	grace     time.Duration
	guard     Guard
	cgroupDir string // where each tree gets a cgroup of its own; "" for none
	inits     *pool[*initProc]
	unused    sync.WaitGroup // inits ended unused, until they are gone
}

func newInitStarter(sys *system, mode string, opts SpawnerOptions, cgroupDir string) *initStarter {
	s := &initStarter{exe: sys.exe, mode: mode, grace: opts.Grace, guard: opts.Guard, cgroupDir: cgroupDir}
	s.inits = &pool[*initProc]{make: s.makeInit, discard: func(in *initProc) { s.unused.Go(in.end) }}
	s.inits.refill() // one ready for the first start
	return s
}

func (s *initStarter) start(ctx context.Context, spec Spec) (*Process, error) {
	in, err := s.inits.get()
	if err != nil {
		return nil, err
	}
	defer s.inits.refill()
	if !spec.Limits.IsZero() {
		if in.limits, err = setLimits(in, spec.Limits, s.guard); err != nil {
			in.close()
			return nil, err
		}
	}
	return runProgram(ctx, in, spec)
}

// close ends the inits kept ready and returns once they are gone.
func (s *initStarter) close() {
	s.inits.close()
	s.unused.Wait()
}

// makeInit starts a procman-init, in a cgroup of its own when the
// mechanism has them, and has it protected by the guard before it can
// run anything.
func (s *initStarter) makeInit() (*initProc, error) {
	var cg *cgroup.Cgroup
	releaseCgroup := func() {}
	if s.cgroupDir != "" {
		var err error
		if cg, releaseCgroup, err = makeCgroup(s.cgroupDir, s.guard); err != nil {
			return nil, err
		}
	}
	in, err := startInit(s.exe, s.mode, s.grace, cg)
	if err != nil {
		releaseCgroup()
		return nil, err
	}
	in.release, in.cgroup = releaseCgroup, cg
	if s.guard != nil {
		started, err := StartTime(in.pid)
		var unguard func()
		if err == nil {
			// The init stops its own tree when the host dies; the reaper
			// waits a little longer before it steps in.
			unguard, err = s.guard.ProtectProcess(in.pid, started, s.grace+guardMargin)
		}
		if err != nil {
			in.close()
			return nil, fmt.Errorf("protect procman-init: %w", err)
		}
		in.release = func() { unguard(); releaseCgroup() }
	}
	return in, nil
}

// guardMargin is how much longer than a procman-init's own grace the
// reaper waits before it kills the init.
const guardMargin = time.Second

// tryInit starts a procman-init in mode and ends it.
func tryInit(exe *Executable, mode string) error {
	in, err := startInit(exe, mode, 0, nil)
	if err != nil {
		return err
	}
	in.close()
	return nil
}
