package platform

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/procman-dev/procman/internal/proctree"
)

// escapes is what Containment.Escapes says on macOS.
const escapes = "macOS has no cgroup, PID namespace or subreaper: a tree is found by scanning the process table, " +
	"and a process that leaves the tree's process groups and sessions (setsid), loses its parent " +
	"(a double fork) and removes " + proctree.TagVar + "_* from its environment, all between two scans, is no longer seen"

// A Spawner starts programs and contains each one's tree as macOS allows
// (ProcessGroup): the program leads a process group of its own and
// carries a tag in its environment, and its tree — the groups and
// sessions its members lead, their descendants, the processes carrying
// the tag — is found by scans of the process table, kept current by
// kqueue. A stop sends the graceful signal to every member once; SIGKILL
// freezes every member with SIGSTOP, scanning until no new one appears,
// then kills them all. With a Guard (the reaper), a tree is stopped the
// same way when the host dies. It is safe for concurrent use.
type Spawner struct {
	containment Containment
	guard       Guard // nil when none is ready
	opts        SpawnerOptions
	name        string        // the host's name, which tree tags carry
	trees       atomic.Uint64 // trees started, for their tags
}

// NewSpawner returns a Spawner using ProcessGroup, the one mechanism of
// macOS; forcing another is an error, and so is a Minimum above it (a
// *WeakError).
func NewSpawner(opts SpawnerOptions) (*Spawner, error) {
	c, err := DetectContainment(opts)
	if err != nil {
		return nil, err
	}
	name, err := HostName()
	if err != nil {
		return nil, err
	}
	s := &Spawner{containment: c, opts: opts, name: strings.ReplaceAll(name, "-", "_")}
	if c.Guarded {
		s.guard = opts.Guard
	}
	return s, nil
}

// DetectContainment reports what a Spawner made with opts would use:
// ProcessGroup, with the Guard when it is ready, and what can escape it.
func DetectContainment(opts SpawnerOptions) (Containment, error) {
	for _, m := range []Mechanism{opts.Mechanism, opts.Minimum} {
		if m < Automatic || m > JobObject {
			return Containment{}, fmt.Errorf("unknown containment mechanism %d", int(m))
		}
	}
	if opts.Mechanism != Automatic && opts.Mechanism != ProcessGroup {
		return Containment{}, fmt.Errorf("containment %v is not available: not a mechanism of macOS, which offers only %v", opts.Mechanism, ProcessGroup)
	}
	c := Containment{
		Mechanism: ProcessGroup,
		Forced:    opts.Mechanism == ProcessGroup,
		Unavailable: map[Mechanism]string{
			Subreaper:    "macOS has no child subreaper",
			Cgroup:       "macOS has no cgroups",
			PIDNamespace: "macOS has no PID namespaces",
		},
		Escapes:        escapes,
		DescriptorLeak: "macOS runs no procman-init",
	}
	if opts.Guard != nil {
		if err := opts.Guard.Ready(); err != nil {
			c.Escapes += "; and with no reaper (" + err.Error() + "), every tree outlives a host killed by SIGKILL"
		} else {
			c.Guarded = true
		}
	}
	if opts.Minimum > ProcessGroup {
		return Containment{}, &WeakError{Containment: c, Minimum: opts.Minimum}
	}
	return c, nil
}

// CgroupSweepDirs returns nil: macOS has no cgroups.
func CgroupSweepDirs() []string { return nil }

// Containment reports the mechanism in force.
func (s *Spawner) Containment() Containment { return s.containment }

// Mechanism returns the mechanism in force, and whether a Guard stands
// ready (Containment's Mechanism and Guarded).
func (s *Spawner) Mechanism() (m Mechanism, guarded bool) {
	return s.containment.Mechanism, s.containment.Guarded
}

// Start starts the program of spec in a tree of its own. When the program
// cannot be run (exec refused, working directory not entered), the error
// is a *ProgramError; any other error is a failure to set up the tree.
// spec.ExtraFiles become descriptors 3, 4, ... of the program.
//
// With a Guard, the tree's tag is registered before the program starts
// and the program itself once it has: should the host die at any moment,
// the tree is stopped.
//
// ctx is only checked first: a start does not block.
func (s *Spawner) Start(ctx context.Context, spec Spec) (*Process, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	tag := proctree.Tag(s.name + "_" + strconv.FormatUint(s.trees.Add(1), 10))
	var unguardTag func()
	if s.guard != nil {
		var err error
		if unguardTag, err = s.guard.ProtectTree(0, 0, tag, s.opts.Grace); err != nil {
			return nil, fmt.Errorf("protect the tree: %w", err)
		}
		defer unguardTag()
	}
	spec.Env = append(slices.Clip(spec.Env), tag)
	p, t, err := startScanTree(spec, tag)
	if err != nil {
		return nil, err
	}
	if s.guard != nil {
		// Unreaped, the program is in the table even once it has exited;
		// should it not be read, the tree is guarded by its tag alone.
		pid, start := p.Pid, uint64(0)
		if start, err = StartTime(pid); err != nil {
			pid, start = 0, 0
		}
		unguard, err := s.guard.ProtectTree(pid, start, tag, s.opts.Grace)
		if err != nil {
			t.signalTree(syscall.SIGKILL)
			p.Release()
			return nil, fmt.Errorf("protect the tree: %w", err)
		}
		t.unguard = unguard
	}
	return p, nil
}

// Close does nothing: a Spawner keeps nothing ready on macOS. Processes
// already started are not affected.
func (s *Spawner) Close() {}
