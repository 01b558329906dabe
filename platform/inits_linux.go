package platform

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
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

	// head is the init detection made (see tryFirstTree), when it suits
	// this starter: the first it hands out.
	head atomic.Pointer[initProc]
}

func newInitStarter(sys *system, mode string, opts SpawnerOptions, cgroupDir string) *initStarter {
	s := &initStarter{exe: sys.exe, mode: mode, grace: opts.Grace, guard: opts.Guard, cgroupDir: cgroupDir}
	s.head.Store(takeHeadStart(mode, opts.Grace, cgroupDir))
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
	if in := s.head.Swap(nil); in != nil {
		in.end()
	}
	s.unused.Wait()
}

// makeInit starts a procman-init, in a cgroup of its own when the
// mechanism has them (or takes the one detection made), and has it
// protected by the guard (its cgroup too) before it can run anything. The
// init is started before the guard is asked: the first is made while the
// guard itself starts.
func (s *initStarter) makeInit() (*initProc, error) {
	in := s.head.Swap(nil)
	if in == nil {
		var err error
		if in, err = startTreeInit(s.exe, s.mode, s.grace, s.cgroupDir); err != nil {
			return nil, err
		}
	}
	if s.guard != nil {
		if err := s.protect(in); err != nil {
			// At once: should the guard be failing, nothing else would
			// remove its cgroup (see makeCgroup).
			in.end()
			return nil, err
		}
	}
	return in, nil
}

// startTreeInit starts a procman-init in mode with grace, in a cgroup of
// its own in the host's directory under cgroupDir unless that is "". On
// failure, what it made is removed (see makeCgroup).
func startTreeInit(exe *Executable, mode string, grace time.Duration, cgroupDir string) (*initProc, error) {
	var cg *cgroup.Cgroup
	releaseCgroup := func() {}
	if cgroupDir != "" {
		var err error
		if cg, releaseCgroup, err = makeCgroup(cgroupDir); err != nil {
			return nil, err
		}
	}
	in, err := startInit(exe, mode, grace, cg)
	if err != nil {
		releaseCgroup()
		return nil, err
	}
	in.release, in.cgroup = releaseCgroup, cg
	return in, nil
}

// protect has the guard protect in, and its cgroup, if any.
func (s *initStarter) protect(in *initProc) error {
	if in.cgroup != nil {
		if err := guardCgroups(s.guard); err != nil {
			return err
		}
	}
	started, err := StartTime(in.pid)
	if err != nil {
		return fmt.Errorf("protect procman-init: %w", err)
	}
	// The init stops its own tree when the host dies; the reaper waits a
	// little longer before it steps in.
	unguard, err := s.guard.ProtectProcess(in.pid, started, s.grace+guardMargin)
	if err != nil {
		return fmt.Errorf("protect procman-init: %w", err)
	}
	releaseCgroup := in.release
	in.release = func() { unguard(); releaseCgroup() }
	return nil
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

// The first tree's init can be made by detection: its start in subreaper
// mode, in a cgroup of its own, tries both the mode and the cgroup
// directory at once, where trying each apart costs two more processes and
// the first Start's wait for them (see tryFirstTree). The first
// initStarter of that mode, grace and cgroup directory takes it instead of
// making one; endHeadStart ends one that none took.
var head struct {
	mu        sync.Mutex
	in        *initProc
	grace     time.Duration
	cgroupDir string
}

// tryFirstTree starts a procman-init in subreaper mode with grace, in a
// cgroup of its own in the host's directory under the cgroup directory
// Detect tries first, and keeps it for the first initStarter to take. It
// returns that directory. The init's start must wait for nothing else,
// the guard included: nothing is run under it before the guard protects
// it (see initStarter.protect).
func tryFirstTree(exe *Executable, grace time.Duration) (string, error) {
	base, err := cgroup.FirstCandidate()
	if err != nil {
		return "", err
	}
	in, err := startTreeInit(exe, subreaperMode, grace, base)
	if err != nil {
		return "", err
	}
	head.mu.Lock()
	defer head.mu.Unlock()
	head.in, head.grace, head.cgroupDir = in, grace, base
	return base, nil
}

// takeHeadStart returns the init tryFirstTree made if it was made in mode,
// with grace, in a cgroup under cgroupDir, and nil otherwise.
func takeHeadStart(mode string, grace time.Duration, cgroupDir string) *initProc {
	head.mu.Lock()
	defer head.mu.Unlock()
	in := head.in
	if in == nil || mode != subreaperMode || grace != head.grace || cgroupDir != head.cgroupDir {
		return nil
	}
	head.in = nil
	return in
}

// endHeadStart ends the init tryFirstTree made, if none took it, and
// returns once it is gone and its cgroup removed.
func endHeadStart() {
	head.mu.Lock()
	in := head.in
	head.in = nil
	head.mu.Unlock()
	if in != nil {
		in.end()
	}
}
