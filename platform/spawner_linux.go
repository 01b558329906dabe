package platform

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/procman-dev/procman/platform/internal/cgroup"
)

// mechanisms are the mechanisms of this system, strongest first. A new
// mechanism is a file of its own, which defines its kind, and a line here.
var mechanisms = []*mechanismKind{
	&pidNamespaceKind,
	&cgroupKind,
	&subreaperKind,
	&processGroupKind,
}

// A mechanismKind is one containment mechanism, as a Spawner ranks, probes
// and opens it.
type mechanismKind struct {
	mechanism Mechanism

	// onRequest, when set, says what the mechanism changes in what the
	// program sees: it is then used only when asked for (forced, or
	// needed to reach SpawnerOptions.Minimum), never picked by default.
	onRequest string

	// unavailable says why the mechanism cannot be used on sys, or nil.
	unavailable func(sys *system) error

	// cgroupDir, if not nil, is where each tree gets a cgroup of its own
	// on sys ("" for none).
	cgroupDir func(sys *system) string

	// open returns what starts the mechanism's trees, each in a cgroup of
	// its own under cgroupDir unless that is "".
	open func(sys *system, opts SpawnerOptions, cgroupDir string) starter
}

// A starter starts the trees of one mechanism.
type starter interface {
	start(ctx context.Context, spec Spec) (*Process, error)
	// close ends what the starter keeps ready; started trees go on.
	close()
}

// A Spawner starts programs and contains each one's tree by the mechanism
// its Containment reports. It is safe for concurrent use.
type Spawner struct {
	starter starter
	opts    SpawnerOptions

	mu          sync.Mutex // guards containment and partial
	containment Containment
	partial     bool // containment's report of a PID namespace is still to be tried
}

// NewSpawner returns a Spawner using the mechanism opts ask for, or the
// strongest one available that keeps what the program sees unchanged
// (Cgroup, else Subreaper, else ProcessGroup): PIDNamespace only when asked
// for. Detection (by really trying each mechanism) takes a few
// milliseconds the first time; what it finds is kept for the life of the
// process, except failures that may pass (out of descriptors, processes or
// memory), which are tried again by the next NewSpawner. A PID namespace,
// never picked unasked, is tried only when it may be the choice, or when
// Containment reports on it. For Automatic and Cgroup, the first detection
// tries a cgroup and procman-init together, by starting the first tree's
// init in its cgroup: the first Start uses it.
func NewSpawner(opts SpawnerOptions) (*Spawner, error) {
	if opts.Guard == nil {
		return newSpawner(opts, func(sys *system) *system { return sys })
	}
	// The guard gets ready while detection tries the mechanisms and the
	// first init is made: the choice is made as if the guard were ready
	// (the inits wait for it before they can run anything), and made
	// again without it should it fail.
	ready := make(chan error, 1)
	go func() {
		err := opts.Guard.Ready()
		if err == nil {
			// The first tree's cgroup is made meanwhile: its directory is
			// handed over now, while the init gets ready, rather than
			// after. Should that fail, protecting the init tries again.
			guardCgroups(opts.Guard)
		}
		ready <- err
	}()
	// The guard's goroutine runs first, until it blocks: the reaper's
	// start, the longest of the two, begins at once, and this goroutine
	// goes on on another processor or once that one blocks. Left to the
	// scheduler, the guard's goroutine waited here for about half a
	// millisecond on a machine with two processors, most of it until this
	// one had made the first tree.
	runtime.Gosched()
	s, err := newSpawner(opts, func(sys *system) *system { return sys.withGuard(nil) })
	guardErr := <-ready
	if guardErr == nil {
		return s, err
	}
	if s != nil {
		s.Close() // its inits and their cgroups: no guard would remove them
	}
	return newSpawner(opts, func(sys *system) *system { return sys.withGuard(guardErr) })
}

// newSpawner returns a Spawner of the mechanism opts ask for, on this
// system with its guard as guarded says.
func newSpawner(opts SpawnerOptions, guarded func(*system) *system) (*Spawner, error) {
	sys, complete := detectFor(opts, guarded)
	// Should detection have made an init that the starter does not take.
	defer endHeadStart()
	c, kind, err := sys.choose(opts.Mechanism, opts.Minimum)
	if err != nil {
		return nil, err
	}
	return &Spawner{containment: c, partial: !complete, opts: opts, starter: kind.open(sys, opts, c.CgroupDir)}, nil
}

// detectFor returns what this system allows, with its guard as guarded
// says, as far as the choice opts ask for needs it, and whether everything
// was tried: a PID namespace, only ever used when asked for, is tried only
// when it may be the choice.
func detectFor(opts SpawnerOptions, guarded func(*system) *system) (sys *system, complete bool) {
	first := &opts.Grace
	if opts.Mechanism != Automatic && opts.Mechanism != Cgroup {
		first = nil // the init made would not be of use
	}
	sys = guarded(detectSystem(first, subreaperMode))
	if opts.Mechanism == PIDNamespace || opts.Mechanism == Automatic && sys.automatic(Automatic).mechanism < opts.Minimum {
		return guarded(detectSystem(first, initModes()...)), true
	}
	return sys, sys.tried(pidnsMode())
}

// CgroupSweepDirs returns every directory under which a Spawner of this
// process may put the cgroups of its trees, without trying any: what the
// reaper sweeps for cgroups that dead hosts left. They include the
// directories of cgroup v1 hierarchies where the trees' limits may go. A
// directory may not exist.
func CgroupSweepDirs() []string {
	return cgroup.SweepDirs(v1Controllers...)
}

// DetectContainment reports what a Spawner made with opts would use, and
// why no stronger mechanism, without making one.
func DetectContainment(opts SpawnerOptions) (Containment, error) {
	c, _, err := detect(opts.Guard, initModes()...).choose(opts.Mechanism, opts.Minimum)
	return c, err
}

// Containment reports the mechanism in force, and why no stronger one is:
// the first call may try a PID namespace, for the report, if NewSpawner
// had no need to.
func (s *Spawner) Containment() Containment {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.partial {
		c, _, err := detect(s.opts.Guard, initModes()...).choose(s.opts.Mechanism, s.opts.Minimum)
		if err == nil && c.Mechanism == s.containment.Mechanism {
			s.containment = c
		}
		s.partial = false
	}
	return s.containment
}

// Mechanism returns the mechanism in force, and whether a Guard stands
// ready (Containment's Mechanism and Guarded), without trying anything.
func (s *Spawner) Mechanism() (m Mechanism, guarded bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.containment.Mechanism, s.containment.Guarded
}

// Start starts the program of spec in a tree of its own. When the program
// cannot be run (exec refused, working directory not entered), the error
// is a *ProgramError; any other error is a failure to set up the tree.
// The program gets no descriptor of this process but those of spec,
// unless Containment's DescriptorLeak says otherwise, and neither it nor
// anything it starts can ptrace this process or procman's helpers or read
// their environment (see ProtectHost), unless it has CAP_SYS_PTRACE.
// Under every mechanism but ProcessGroup the program gets descriptors 0, 1
// and 2 only, not spec.ExtraFiles; spec.Path may be /proc/self/fd/N, a
// descriptor of this process, whose file is then what runs.
//
// ctx bounds the start: once it is done, Start gives up, stops whatever
// it had started, and returns ctx's error.
func (s *Spawner) Start(ctx context.Context, spec Spec) (*Process, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := ProtectHost(); err != nil {
		return nil, fmt.Errorf("make the host non-dumpable: %w", err)
	}
	return s.starter.start(ctx, spec)
}

// Close ends the procman-inits kept ready for the next Start, and returns
// once they are gone. Processes already started are not affected.
func (s *Spawner) Close() { s.starter.close() }

// system is what this system allows, as found by trying.
type system struct {
	exe    *Executable
	exeErr error

	// inits holds, for each mode of procman-init, why an init in that mode
	// cannot run (nil when it can).
	inits map[string]error

	cgroupBase string
	cgroupErr  error

	guardErr error // why the guard cannot protect anything; nil when it is ready or there is none
	guarded  bool  // a guard is ready
}

// initModes are the modes of procman-init the mechanisms use.
func initModes() []string { return []string{subreaperMode, pidnsMode()} }

// tried reports whether an init in mode was tried, whatever came of it.
func (s *system) tried(mode string) bool {
	_, ok := s.inits[mode]
	return s.exeErr != nil || ok && !errors.Is(s.inits[mode], errUntried)
}

// initErr says why an init cannot run in mode.
func (s *system) initErr(mode string) error {
	if s.exeErr != nil {
		return s.exeErr
	}
	if err, ok := s.inits[mode]; ok {
		return err
	}
	return errUntried
}

// settled reports whether nothing found for modes may change on a second
// try.
func (s *system) settled(modes []string) bool {
	if transient(s.exeErr) || transient(s.cgroupErr) {
		return false
	}
	for _, mode := range modes {
		if transient(s.initErr(mode)) {
			return false
		}
	}
	return true
}

// transient reports whether err is a failure that may pass: the process
// or the system ran out of something for a moment.
func transient(err error) bool {
	for _, errno := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.EAGAIN, syscall.ENOMEM, syscall.ENOBUFS, syscall.EINTR} {
		if errors.Is(err, errno) {
			return true
		}
	}
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, errUntried)
}

// detected holds what detect found; once settled, it is not tried again.
var detected struct {
	mu  sync.Mutex
	sys *system
}

// detect returns what this system allows, trying inits in modes only,
// and trying again whatever failed for a reason that may pass; the guard,
// if any, is asked every time.
func detect(guard Guard, modes ...string) *system {
	sys := detectSystem(nil, modes...)
	if guard == nil {
		return sys
	}
	return sys.withGuard(guard.Ready())
}

// detectSystem is detect without the guard. When first is not nil, the
// first detection tries the cgroup directory and procman-init's subreaper
// mode by making the first tree's init, with grace *first (see
// tryFirstTree).
func detectSystem(first *time.Duration, modes ...string) *system {
	detected.mu.Lock()
	defer detected.mu.Unlock()
	sys := detected.sys
	if sys == nil {
		sys = untried
	}
	if !sys.settled(modes) {
		sys = tryAll(sys, modes, first)
		detected.sys = sys
	}
	out := *sys
	return &out
}

// withGuard returns s with a guard that got ready, or failed to with err.
func (s *system) withGuard(err error) *system {
	out := *s
	out.guardErr, out.guarded = err, err == nil
	return &out
}

// untried is what is known before anything was tried.
var untried = &system{exeErr: errUntried, cgroupErr: errUntried}

// errUntried is the failure of what was never tried: like a transient
// one, it is tried.
var errUntried = errors.New("not tried yet")

// tryAll tries again whatever last could not settle, of the inits only
// those in modes. The tries run side by side: each is mostly waiting for a
// process to start. When first is not nil and neither the cgroup directory
// nor the subreaper mode was tried, both are first tried at once by
// making the first tree's init (see tryFirstTree), and apart only should
// that fail.
func tryAll(last *system, modes []string, first *time.Duration) *system {
	s := &system{inits: make(map[string]error)}
	s.exe, s.exeErr = initExecutable()
	var wg sync.WaitGroup
	var mu sync.Mutex // guards s.inits
	headStart := false
	if first != nil && s.exeErr == nil && slices.Contains(modes, subreaperMode) && transient(last.initErr(subreaperMode)) && transient(last.cgroupErr) {
		if base, err := tryFirstTree(s.exe, *first); err == nil {
			s.cgroupBase = base
			s.inits[subreaperMode] = nil
			headStart = true
		}
	}
	if s.exeErr == nil {
		for _, mode := range initModes() {
			if !slices.Contains(modes, mode) {
				if err, ok := last.inits[mode]; ok {
					s.inits[mode] = err
				}
				continue
			}
			if err := last.initErr(mode); !transient(err) {
				s.inits[mode] = err
				continue
			}
			if headStart && mode == subreaperMode {
				continue
			}
			wg.Go(func() {
				err := tryInit(s.exe, mode)
				mu.Lock()
				s.inits[mode] = err
				mu.Unlock()
			})
		}
	}
	name, nameErr := HostName()
	switch {
	case headStart: // tried above
	case !transient(last.cgroupErr):
		s.cgroupBase, s.cgroupErr = last.cgroupBase, last.cgroupErr
	case nameErr != nil:
		s.cgroupErr = nameErr
	default:
		wg.Go(func() {
			// procman-init, run with no argument, exits at once: a static
			// program starts faster than the default /bin/true.
			program := "/bin/true"
			if s.exeErr == nil {
				program = s.exe.Path
			}
			s.cgroupBase, s.cgroupErr = cgroup.DetectWith(name+"-probe", program)
		})
	}
	wg.Wait()
	return s
}

// errFor says why m cannot be used, or nil.
func (s *system) errFor(m Mechanism) error {
	for _, k := range mechanisms {
		if k.mechanism == m {
			return k.unavailable(s)
		}
	}
	return fmt.Errorf("%v is not a mechanism of this system", m)
}

// choose picks want, or when want is Automatic the strongest available
// mechanism that is not only for the asking — or, should that be weaker
// than min, the weakest available one that is not; either must be at
// least min.
func (s *system) choose(want, min Mechanism) (Containment, *mechanismKind, error) {
	if want < Automatic || want > JobObject {
		return Containment{}, nil, fmt.Errorf("unknown containment mechanism %d", int(want))
	}
	if min < Automatic || min > JobObject {
		return Containment{}, nil, fmt.Errorf("unknown containment mechanism %d", int(min))
	}
	var chosen *mechanismKind
	if want != Automatic {
		for _, k := range mechanisms {
			if k.mechanism == want {
				chosen = k
			}
		}
		if chosen == nil {
			return Containment{}, nil, fmt.Errorf("containment %v is not available: not a mechanism of this system", want)
		}
		if err := chosen.unavailable(s); err != nil {
			return Containment{}, nil, fmt.Errorf("containment %v is not available: %w", want, err)
		}
	} else {
		chosen = s.automatic(min)
	}
	out := Containment{Mechanism: chosen.mechanism, Forced: want != Automatic, Unavailable: make(map[Mechanism]string), OnRequest: make(map[Mechanism]string)}
	for _, k := range mechanisms {
		if k.mechanism <= chosen.mechanism {
			continue
		}
		switch err := k.unavailable(s); {
		case err != nil:
			out.Unavailable[k.mechanism] = err.Error()
		case out.Forced:
			out.Unavailable[k.mechanism] = "available, but " + chosen.mechanism.String() + " was forced"
		default:
			out.OnRequest[k.mechanism] = k.onRequest
		}
	}
	if out.Mechanism < min {
		return Containment{}, nil, &WeakError{Containment: out, Minimum: min}
	}
	if chosen.cgroupDir != nil {
		out.CgroupDir = chosen.cgroupDir(s)
		out.Cgroup = out.CgroupDir != ""
	}
	out.Guarded = chosen.mechanism != ProcessGroup && s.guarded
	if out.Mechanism == ProcessGroup && s.exeErr != nil {
		out.DescriptorLeak = s.exeErr.Error()
	}
	return out, chosen, nil
}

// automatic is the mechanism Automatic picks: the strongest available one
// not only for the asking, unless that is weaker than min and one that is
// for the asking is strong enough.
func (s *system) automatic(min Mechanism) *mechanismKind {
	var chosen *mechanismKind
	for _, k := range mechanisms {
		if k.onRequest == "" && k.unavailable(s) == nil {
			chosen = k
			break
		}
	}
	if chosen.mechanism >= min {
		return chosen
	}
	for i := len(mechanisms) - 1; i >= 0; i-- {
		if k := mechanisms[i]; k.mechanism >= min && k.unavailable(s) == nil {
			return k
		}
	}
	return chosen
}
