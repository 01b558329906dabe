package platform

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/procman-dev/procman/platform/internal/cgroup"
	"github.com/procman-dev/procman/platform/internal/errlist"
)

// A Spawner starts programs and contains each one's tree by the mechanism
// its Containment reports. It is safe for concurrent use.
type Spawner struct {
	containment Containment
	opts        SpawnerOptions
	exe         *Executable      // procman-init
	mode        string           // procman-init's mode; "" for ProcessGroup
	inits       *pool[*initProc] // ready inits; nil for ProcessGroup
}

// NewSpawner returns a Spawner using the mechanism opts ask for, or the
// strongest one available. Detection (by really trying each mechanism)
// takes a few milliseconds the first time; what it finds is kept for the
// life of the process, except failures that may pass (out of descriptors,
// processes or memory), which are tried again by the next NewSpawner.
func NewSpawner(opts SpawnerOptions) (*Spawner, error) {
	caps := detect(opts.Guard)
	c, err := caps.choose(opts.Mechanism, opts.Minimum)
	if err != nil {
		return nil, err
	}
	s := &Spawner{containment: c, opts: opts, exe: caps.exe}
	switch c.Mechanism {
	case PIDNamespace:
		s.mode = caps.pidnsMode
	case Cgroup, Subreaper:
		s.mode = "subreaper"
	default:
		return s, nil
	}
	s.inits = &pool[*initProc]{make: s.makeInit, discard: func(in *initProc) { in.close() }}
	s.inits.refill() // ready before the first Start
	return s, nil
}

// DetectContainment reports what a Spawner made with opts would use, and
// why no stronger mechanism, without making one.
func DetectContainment(opts SpawnerOptions) (Containment, error) {
	return detect(opts.Guard).choose(opts.Mechanism, opts.Minimum)
}

// Containment reports the mechanism in force.
func (s *Spawner) Containment() Containment { return s.containment }

// Start starts the program of spec in a tree of its own. When the program
// cannot be run (exec refused, working directory not entered), the error
// is a *ProgramError; any other error is a failure to set up the tree.
// The program gets no descriptor of this process but those of spec,
// unless Containment's DescriptorLeak says otherwise, and neither it nor
// anything it starts can ptrace this process or procman's helpers or read
// their environment (see ProtectHost), unless it has CAP_SYS_PTRACE.
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
	if s.inits == nil {
		return start(spec, -1)
	}
	in, err := s.inits.get()
	if err != nil {
		return nil, err
	}
	defer s.inits.refill()
	return runProgram(ctx, in, spec)
}

// Close ends the procman-inits kept ready for the next Start. Processes
// already started are not affected.
func (s *Spawner) Close() {
	if s.inits != nil {
		s.inits.close()
	}
}

// makeInit starts a procman-init, in a cgroup of its own when the
// containment has them, and has it protected by the guard before it can
// run anything.
func (s *Spawner) makeInit() (*initProc, error) {
	var cg *cgroup.Cgroup
	releaseCgroup := func() {}
	if s.containment.Cgroup {
		var err error
		if cg, releaseCgroup, err = s.makeCgroup(); err != nil {
			return nil, err
		}
	}
	in, err := startInit(s.exe, s.mode, s.opts.Grace, cg)
	if err != nil {
		releaseCgroup()
		return nil, err
	}
	in.release = releaseCgroup
	if s.opts.Guard != nil {
		started, err := StartTime(in.pid)
		var unguard func()
		if err == nil {
			// The init stops its own tree when the host dies; the reaper
			// waits a little longer before it steps in.
			unguard, err = s.opts.Guard.ProtectProcess(in.pid, started, s.opts.Grace+guardMargin)
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

// makeCgroup makes a cgroup for one tree in the host's directory, which
// the guard empties and removes should the host die; release removes it,
// once its init has exited.
func (s *Spawner) makeCgroup() (*cgroup.Cgroup, func(), error) {
	group, err := hostGroup(s.containment.CgroupDir, s.opts.Guard)
	if err != nil {
		return nil, nil, err
	}
	cg, err := group.New()
	if err != nil {
		return nil, nil, err
	}
	return cg, func() { reclaim(cg) }, nil
}

// reclaimWait bounds how long reclaim waits for killed processes to leave
// their cgroup (one in uninterruptible sleep can take long).
const reclaimWait = 10 * time.Second

// reclaim removes the cgroup of a tree whose init has exited. An init
// exits once its tree is empty, unless it was killed: then what it left —
// orphans the system's init took — is killed first, so that under the
// cgroup mechanism a killed init loses its tree, not the host its
// guarantee.
func reclaim(cg *cgroup.Cgroup) {
	if populated, err := cg.Populated(); err == nil && populated {
		if empty, err := cg.Empty(); err == nil && cg.Kill() == nil {
			select {
			case <-empty:
			case <-time.After(reclaimWait):
			}
		}
	}
	cg.Remove()
}

// The host's directory of cgroups: made on first use, named after the
// process so that a reaper can tell whether its owner still lives, and
// handed to the first guard to use it, which removes it once the process
// is gone.
var host struct {
	mu    sync.Mutex
	group *cgroup.Group
}

func hostGroup(base string, guard Guard) (*cgroup.Group, error) {
	host.mu.Lock()
	defer host.mu.Unlock()
	if host.group != nil {
		return host.group, nil
	}
	name, err := HostName()
	if err != nil {
		return nil, err
	}
	group, err := cgroup.NewGroup(base, name)
	if err != nil {
		return nil, err
	}
	if guard != nil {
		// The inits give the graceful signal and the guard protects them
		// too: once they are gone, it kills what is left in every tree's
		// cgroup and removes them all.
		if _, err := guard.ReclaimCgroup(group.Path(), 0); err != nil {
			group.Remove()
			return nil, fmt.Errorf("protect cgroup: %w", err)
		}
	}
	host.group = group
	return group, nil
}

// capabilities is what this system allows, as found by trying.
type capabilities struct {
	exe       *Executable
	exeErr    error
	pidnsMode string
	pidnsErr  error
	subErr    error

	cgroupBase string
	cgroupErr  error

	guarded  bool  // a guard is ready
	guardErr error // why the guard cannot protect anything
}

// settled reports whether nothing found may change on a second try.
func (c *capabilities) settled() bool {
	return !transient(c.exeErr) && !transient(c.pidnsErr) && !transient(c.subErr) && !transient(c.cgroupErr)
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
	mu   sync.Mutex
	caps *capabilities
}

// detect returns what this system allows, trying again whatever failed
// for a reason that may pass; the guard, if any, is asked every time.
func detect(guard Guard) *capabilities {
	detected.mu.Lock()
	c := detected.caps
	if c == nil {
		c = untried
	}
	if !c.settled() {
		c = tryAll(c)
		detected.caps = c
	}
	detected.mu.Unlock()
	out := *c
	if guard != nil {
		if err := guard.Ready(); err != nil {
			out.guardErr = err
		} else {
			out.guarded = true
		}
	}
	return &out
}

// untried is what is known before anything was tried.
var untried = &capabilities{exeErr: errUntried, pidnsErr: errUntried, subErr: errUntried, cgroupErr: errUntried}

// errUntried is the failure of what was never tried: like a transient
// one, it is tried.
var errUntried = errors.New("not tried yet")

// tryAll tries every mechanism that last could not settle.
func tryAll(last *capabilities) *capabilities {
	c := &capabilities{pidnsMode: "pidns"}
	if os.Geteuid() != 0 {
		c.pidnsMode = "pidns+user"
	}
	c.exe, c.exeErr = initExecutable()
	// kept says whether what last found, with err, stands.
	kept := func(err error) bool { return !transient(err) }
	switch {
	case c.exeErr != nil:
		c.pidnsErr, c.subErr = c.exeErr, c.exeErr
	default:
		if kept(last.pidnsErr) {
			c.pidnsErr = last.pidnsErr
		} else {
			c.pidnsErr = tryInit(c.exe, c.pidnsMode)
		}
		if kept(last.subErr) {
			c.subErr = last.subErr
		} else {
			c.subErr = tryInit(c.exe, "subreaper")
		}
	}
	if kept(last.cgroupErr) {
		c.cgroupBase, c.cgroupErr = last.cgroupBase, last.cgroupErr
	} else if name, err := HostName(); err != nil {
		c.cgroupErr = err
	} else {
		c.cgroupBase, c.cgroupErr = cgroup.Detect(name + "-probe")
	}
	return c
}

// tryInit starts a procman-init in mode and ends it.
func tryInit(exe *Executable, mode string) error {
	in, err := startInit(exe, mode, 0, nil)
	if err != nil {
		return err
	}
	in.close()
	return nil
}

// errFor says why m cannot be used, or nil.
func (c *capabilities) errFor(m Mechanism) error {
	switch m {
	case PIDNamespace:
		return joinErrors(c.pidnsErr, c.guardErr)
	case Cgroup:
		if c.cgroupErr != nil {
			return c.cgroupErr
		}
		return joinErrors(c.subErr, c.guardErr)
	case Subreaper:
		return joinErrors(c.subErr, c.guardErr)
	}
	return nil
}

// joinErrors is errors.Join on one line: the reasons are shown on one line
// of a report or of procman's stderr.
func joinErrors(errs ...error) error {
	var list errlist.List
	for _, err := range errs {
		if err != nil {
			list = append(list, err)
		}
	}
	if list == nil {
		return nil
	}
	return list
}

// choose picks want, or the strongest available mechanism when want is
// Automatic; either must be at least min.
func (c *capabilities) choose(want, min Mechanism) (Containment, error) {
	if want < Automatic || want > PIDNamespace {
		return Containment{}, fmt.Errorf("unknown containment mechanism %d", int(want))
	}
	if min < Automatic || min > PIDNamespace {
		return Containment{}, fmt.Errorf("unknown containment mechanism %d", int(min))
	}
	out := Containment{Mechanism: want, Forced: want != Automatic, Unavailable: make(map[Mechanism]string)}
	if want != Automatic {
		if err := c.errFor(want); err != nil {
			return Containment{}, fmt.Errorf("containment %v is not available: %w", want, err)
		}
	} else {
		for m := PIDNamespace; m >= ProcessGroup; m-- {
			if c.errFor(m) == nil {
				out.Mechanism = m
				break
			}
		}
	}
	for m := PIDNamespace; m > out.Mechanism; m-- {
		if err := c.errFor(m); err != nil {
			out.Unavailable[m] = err.Error()
		} else {
			out.Unavailable[m] = "available, but " + out.Mechanism.String() + " was forced"
		}
	}
	if out.Mechanism < min {
		return Containment{}, &WeakError{Containment: out, Minimum: min}
	}
	switch out.Mechanism {
	case PIDNamespace:
		// A cgroup too, where one can be had, unless the mechanism was
		// forced: what is left of a tree can then be found, and removed,
		// by cgroup.
		if c.cgroupErr == nil && !out.Forced {
			out.Cgroup, out.CgroupDir = true, c.cgroupBase
		}
	case Cgroup:
		out.Cgroup, out.CgroupDir = true, c.cgroupBase
	}
	out.Guarded = out.Mechanism != ProcessGroup && c.guarded
	if out.Mechanism == ProcessGroup && c.exeErr != nil {
		out.DescriptorLeak = c.exeErr.Error()
	}
	return out, nil
}
