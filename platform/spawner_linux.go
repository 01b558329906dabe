package platform

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/procman-dev/procman/platform/internal/cgroup"
	"github.com/procman-dev/procman/platform/internal/initimage"
)

// A Spawner starts programs and contains each one's tree by the mechanism
// its Containment reports. It is safe for concurrent use.
type Spawner struct {
	containment Containment
	opts        SpawnerOptions
	caps        *capabilities
	inits       *pool[*initProc]   // PIDNamespace and Subreaper
	cgroups     *pool[readyCgroup] // Cgroup
}

// readyCgroup is a cgroup made, and protected, ahead of time.
type readyCgroup struct {
	cg      *cgroup.Cgroup
	release func()
}

// NewSpawner returns a Spawner using the mechanism opts ask for, or the
// strongest one available. Detection (by really trying each mechanism, once
// per process) takes a few milliseconds the first time.
func NewSpawner(opts SpawnerOptions) (*Spawner, error) {
	caps := detect()
	c, err := caps.choose(opts.Mechanism)
	if err != nil {
		return nil, err
	}
	s := &Spawner{containment: c, opts: opts, caps: caps}
	discardInit := func(in *initProc) { in.close() }
	switch c.Mechanism {
	case PIDNamespace:
		s.inits = &pool[*initProc]{make: func() (*initProc, error) { return s.makeInit(caps.pidnsMode) }, discard: discardInit}
	case Subreaper:
		s.inits = &pool[*initProc]{make: func() (*initProc, error) { return s.makeInit("subreaper") }, discard: discardInit}
	case Cgroup:
		s.cgroups = &pool[readyCgroup]{
			make: func() (readyCgroup, error) {
				cg, release, err := s.makeCgroup()
				return readyCgroup{cg, release}, err
			},
			discard: func(r readyCgroup) { r.release() },
		}
	}
	// Ready before the first Start.
	if s.inits != nil {
		s.inits.refill()
	}
	if s.cgroups != nil {
		s.cgroups.refill()
	}
	return s, nil
}

// DetectContainment reports what a Spawner with opts would use, and why no
// stronger mechanism.
func DetectContainment(m Mechanism) (Containment, error) {
	return detect().choose(m)
}

// Containment reports the mechanism in force.
func (s *Spawner) Containment() Containment { return s.containment }

// Start starts the program of spec in a tree of its own. When the program
// cannot be run (exec refused, working directory not entered), the error
// is a *ProgramError; any other error is a failure to set up the tree.
//
// ctx bounds the start: once it is done, Start gives up, stops whatever
// it had started, and returns ctx's error.
func (s *Spawner) Start(ctx context.Context, spec Spec) (*Process, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	switch s.containment.Mechanism {
	case PIDNamespace, Subreaper:
		in, err := s.inits.get()
		if err != nil {
			return nil, err
		}
		defer s.inits.refill()
		return runProgram(ctx, in, spec)
	case Cgroup:
		r, err := s.cgroups.get()
		if err != nil {
			return nil, err
		}
		defer s.cgroups.refill()
		p, err := start(spec, r.cg.FD())
		if err != nil {
			r.release()
			return nil, err
		}
		p.cg, p.cleanup = r.cg, r.release
		return p, nil
	default:
		return start(spec, -1)
	}
}

// Close ends the procman-inits, and removes the cgroups, kept ready for
// the next Start. Processes already started are not affected.
func (s *Spawner) Close() {
	if s.inits != nil {
		s.inits.close()
	}
	if s.cgroups != nil {
		s.cgroups.close()
	}
}

// makeInit starts a procman-init (in its own cgroup when cgroups are in
// use) and has it protected by the guard before it can run anything.
func (s *Spawner) makeInit(mode string) (*initProc, error) {
	cgroupFD, releaseCgroup := -1, func() {}
	if s.containment.Cgroup {
		cg, release, err := s.makeCgroup()
		if err != nil {
			return nil, err
		}
		cgroupFD, releaseCgroup = cg.FD(), release
	}
	in, err := startInit(s.caps.exe, mode, s.opts.Grace, cgroupFD)
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

// makeCgroup makes a cgroup for one tree, protected by the guard; release
// removes it.
func (s *Spawner) makeCgroup() (*cgroup.Cgroup, func(), error) {
	group, err := s.caps.hostCgroup()
	if err != nil {
		return nil, nil, err
	}
	if s.opts.Guard != nil {
		// The process's directory of cgroups goes when the process does.
		s.caps.guardOnce.Do(func() {
			_, s.caps.guardErr = s.opts.Guard.ProtectCgroup(group.Path(), s.opts.Grace)
		})
		if s.caps.guardErr != nil {
			return nil, nil, fmt.Errorf("protect cgroup: %w", s.caps.guardErr)
		}
	}
	cg, err := group.New()
	if err != nil {
		return nil, nil, err
	}
	unguard := func() {}
	if s.opts.Guard != nil {
		unguard, err = s.opts.Guard.ProtectCgroup(cg.Path(), s.opts.Grace)
		if err != nil {
			cg.Remove()
			return nil, nil, fmt.Errorf("protect cgroup: %w", err)
		}
	}
	return cg, func() { cg.Remove(); unguard() }, nil
}

// capabilities is what this system allows, found once per process by
// trying.
type capabilities struct {
	exe       *Executable
	exeErr    error
	pidnsMode string
	pidnsErr  error
	subErr    error

	cgroupBase string
	cgroupErr  error

	groupOnce sync.Once
	group     *cgroup.Group
	groupErr  error
	guardOnce sync.Once // the group is protected by the first Guard to use it
	guardErr  error
}

var (
	detectOnce sync.Once
	detected   *capabilities
)

func detect() *capabilities {
	detectOnce.Do(func() {
		c := &capabilities{pidnsMode: "pidns"}
		if os.Geteuid() != 0 {
			c.pidnsMode = "pidns+user"
		}
		if initimage.Image == nil {
			c.exeErr = fmt.Errorf("procman-init is not built for %s/%s", runtime.GOOS, runtime.GOARCH)
		} else {
			c.exe, c.exeErr = NewExecutable("procman-init", initimage.Image)
		}
		if c.exeErr != nil {
			c.pidnsErr, c.subErr = c.exeErr, c.exeErr
		} else {
			c.pidnsErr = tryInit(c.exe, c.pidnsMode)
			c.subErr = tryInit(c.exe, "subreaper")
		}
		c.cgroupBase, c.cgroupErr = cgroup.Detect()
		detected = c
	})
	return detected
}

// tryInit starts a procman-init in mode and ends it.
func tryInit(exe *Executable, mode string) error {
	in, err := startInit(exe, mode, 0, -1)
	if err != nil {
		return err
	}
	in.close()
	return nil
}

func (c *capabilities) errFor(m Mechanism) error {
	switch m {
	case PIDNamespace:
		return c.pidnsErr
	case Cgroup:
		return c.cgroupErr
	case Subreaper:
		return c.subErr
	}
	return nil
}

// choose picks want, or the strongest available mechanism when want is
// Automatic.
func (c *capabilities) choose(want Mechanism) (Containment, error) {
	if want < Automatic || want > PIDNamespace {
		return Containment{}, fmt.Errorf("unknown containment mechanism %d", int(want))
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
	if out.Mechanism == PIDNamespace && c.cgroupErr == nil && !out.Forced {
		out.Cgroup, out.CgroupDir = true, c.cgroupBase
	}
	if out.Mechanism == Cgroup {
		out.CgroupDir = c.cgroupBase
	}
	return out, nil
}

// hostCgroup is this process's directory of cgroups, made on first use
// and named after the process, so that the reaper can tell whether its
// owner still lives.
func (c *capabilities) hostCgroup() (*cgroup.Group, error) {
	c.groupOnce.Do(func() {
		if c.cgroupErr != nil {
			c.groupErr = c.cgroupErr
			return
		}
		name, err := HostName()
		if err != nil {
			c.groupErr = err
			return
		}
		c.group, c.groupErr = cgroup.NewGroup(c.cgroupBase, name)
	})
	return c.group, c.groupErr
}

// HostName is how this process names what it leaves on the system (socket
// directories, cgroups): "<pid>-<start time>", so that a reaper can tell
// leftovers of a dead host from those of a live one.
func HostName() (string, error) {
	start, err := StartTime(os.Getpid())
	if err != nil {
		return "", err
	}
	return strconv.Itoa(os.Getpid()) + "-" + strconv.FormatUint(start, 10), nil
}
