package platform

import (
	"fmt"
	"strings"
	"time"
)

// Mechanism is how the processes of one managed tree are held together so
// that all of them can be stopped, whatever they do.
type Mechanism int

const (
	// Automatic picks the strongest mechanism the system allows that
	// keeps what the program sees unchanged: its real pid, the host's
	// /proc (Cgroup, else Subreaper, else ProcessGroup); on Windows,
	// JobObject.
	Automatic Mechanism = iota
	// ProcessGroup: the tree is the program's process group. A process that
	// leaves the group (setsid, setpgid) escapes, and nothing survives the
	// host to clean up after it. The last resort.
	ProcessGroup
	// Subreaper: a procman-init parent marked child subreaper, so that
	// orphans (double-forked daemons) stay in its tree, under a keeper
	// that kills what is left should the init be killed; the init stops
	// the tree when the host dies, and the reaper stops it if the init
	// does not. The program keeps its real pid: the default where no
	// cgroup can be made.
	Subreaper
	// Cgroup: a subreaper procman-init and everything it starts are in a
	// cgroup v2 of the tree's own from birth, killed as one with
	// cgroup.kill; the reaper kills it if the host dies. The program
	// keeps its real pid: the default wherever a cgroup v2 subtree can be
	// written.
	Cgroup
	// PIDNamespace: procman-init is PID 1 of a PID namespace holding the
	// tree (inside a user namespace when unprivileged), with a /proc of
	// its own; when it dies, for any reason, the kernel kills every
	// process of the namespace. The strongest, and isolation rather than
	// transparency — the program sees its namespace's pids, and pid files
	// it writes hold them — so it is used only when asked for.
	PIDNamespace
	// JobObject: Windows only, and the only mechanism there. The program
	// is in a Job Object of its tree's own before it runs its first
	// instruction, and so is everything it starts; no process may break
	// away, and the job ends every member when its last handle, held only
	// by the host, is closed — however the host ends. The program keeps
	// its real pid. It follows PIDNamespace only because it was added
	// last: mechanisms of different systems are not ranked against each
	// other.
	JobObject
)

var mechanismNames = [...]string{"automatic", "process-group", "subreaper", "cgroup", "pid-namespace", "job-object"}

func (m Mechanism) String() string {
	if m < 0 || int(m) >= len(mechanismNames) {
		return fmt.Sprintf("Mechanism(%d)", int(m))
	}
	return mechanismNames[m]
}

// ParseMechanism returns the Mechanism named s, as String writes it.
func ParseMechanism(s string) (Mechanism, error) {
	for i, name := range mechanismNames {
		if s == name {
			return Mechanism(i), nil
		}
	}
	return 0, fmt.Errorf("unknown containment mechanism %q (want one of %s)", s, strings.Join(mechanismNames[:], ", "))
}

// Containment says how a Spawner contains the trees it starts, and why no
// stronger way was used.
type Containment struct {
	// Mechanism is the mechanism in force.
	Mechanism Mechanism

	// Cgroup is set when each tree also gets a cgroup of its own (with
	// PIDNamespace, when a cgroup v2 subtree is writable): CgroupDir is
	// where they are made.
	Cgroup    bool
	CgroupDir string

	// Forced is set when the mechanism was asked for rather than detected.
	Forced bool

	// Guarded is set when a Guard (the reaper) stands ready to stop what
	// procman-init leaves, should the init itself die; on macOS, to stop
	// every tree should the host die.
	Guarded bool

	// Unavailable says, for each mechanism stronger than the one in force
	// and not in OnRequest, why it is not used: it failed when tried, or
	// a weaker one was forced.
	Unavailable map[Mechanism]string

	// OnRequest holds the mechanisms stronger than the one in force that
	// are available but used only when asked for, each with what it
	// changes in what the program sees.
	OnRequest map[Mechanism]string

	// DescriptorLeak, when not empty, says why a program may inherit a
	// descriptor that another goroutine or C code of the host opens
	// without close-on-exec while the program starts: procman-init,
	// which closes such descriptors before it execs the program, cannot
	// run. The host's descriptors are then marked close-on-exec before
	// each start (CloseOnExecAbove2), which an open at that very moment
	// escapes. Under the other mechanisms procman-init starts every
	// program, and no descriptor leaks.
	DescriptorLeak string

	// Escapes, when not empty, says in plain words what a program can do
	// to leave its tree unseen, where the mechanism cannot forbid it.
	Escapes string
}

func (c Containment) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "containment: %v", c.Mechanism)
	switch {
	case c.Cgroup && c.Mechanism == Cgroup:
		fmt.Fprintf(&b, " (%s)", c.CgroupDir)
	case c.Cgroup:
		fmt.Fprintf(&b, " + cgroup (%s)", c.CgroupDir)
	}
	if c.Guarded {
		b.WriteString(" + reaper")
	}
	if c.Forced {
		b.WriteString(" (forced)")
	}
	for m := PIDNamespace; m > Automatic; m-- {
		if reason, ok := c.Unavailable[m]; ok {
			fmt.Fprintf(&b, "\n  %v: not used: %s", m, reason)
		}
		if changes, ok := c.OnRequest[m]; ok {
			fmt.Fprintf(&b, "\n  %v: available on request (%s)", m, changes)
		}
	}
	if c.Escapes != "" {
		fmt.Fprintf(&b, "\n  what can escape: %s", c.Escapes)
	}
	if c.DescriptorLeak != "" {
		fmt.Fprintf(&b, "\n  descriptors the host opens without close-on-exec may leak into programs: %s", c.DescriptorLeak)
	}
	return b.String()
}

// SpawnerOptions configure NewSpawner.
type SpawnerOptions struct {
	// Mechanism forces a mechanism; Automatic (the zero value) picks the
	// strongest available one that keeps what the program sees
	// unchanged. A forced mechanism that is unavailable is an error.
	Mechanism Mechanism

	// Minimum is the weakest mechanism acceptable: a weaker choice (forced
	// or detected) makes NewSpawner fail with a *WeakError instead. With
	// Automatic, a Minimum stronger than the default makes the weakest
	// available mechanism that is strong enough the choice, even one used
	// only on request.
	Minimum Mechanism

	// Grace is how long, when the host dies, a tree gets between SIGTERM
	// and SIGKILL. Unused on Windows, where the kernel ends a job's
	// processes at once when the host dies.
	Grace time.Duration

	// Guard, when not nil, is told of each procman-init and cgroup before
	// any program runs in it, so that it can stop them if the host dies
	// without doing so (the reaper). With a Guard, mechanisms that need
	// one are available only while it is Ready. Unused on Windows: a
	// job's only handle is the host's, and the kernel closes it however
	// the host dies, which ends the tree, so nothing is left to guard.
	Guard Guard
}

// Guard protects what a Spawner sets up against the death of the host and
// of procman-init.
type Guard interface {
	// Ready makes the guard ready, if need be, and says why it cannot
	// protect anything if so.
	Ready() error

	// ProtectProcess has process pid (of this process's namespace; its
	// start time as StartTime gives it) sent SIGTERM when the host dies,
	// and SIGKILL after grace.
	ProtectProcess(pid int, startTime uint64, grace time.Duration) (release func(), err error)

	// ReclaimCgroup has the cgroup at path emptied with SIGKILL and removed
	// once the host is dead, what ProtectProcess protects is gone, and
	// wait has passed: it sends no graceful signal of its own. A cgroup v1
	// directory (of a tree's limits) is only removed, once empty.
	ReclaimCgroup(path string, wait time.Duration) (release func(), err error)

	// ProtectTree (macOS, where no helper holds a tree together) has the
	// tree of program pid, which started at startTime, stopped when the
	// host dies: its members, found by scans as the Spawner finds them
	// (its process groups and sessions, their descendants, the processes
	// carrying tag, an environment entry "NAME=value"), get SIGTERM once
	// and, after grace, are frozen and killed. A pid of 0 protects the
	// processes carrying tag alone: a tree about to start.
	ProtectTree(pid int, startTime uint64, tag string, grace time.Duration) (release func(), err error)
}

// WeakError is NewSpawner's error when the mechanism it would use is
// weaker than SpawnerOptions.Minimum.
type WeakError struct {
	Containment Containment // what would be used
	Minimum     Mechanism
}

func (e *WeakError) Error() string {
	return fmt.Sprintf("containment %v is weaker than the required %v: %s", e.Containment.Mechanism, e.Minimum, e.Containment.Why())
}

// Why says on one line why each mechanism stronger than the one in force
// is not used; mechanisms that share a reason share its mention.
func (c Containment) Why() string {
	var reasons []string
	named := make(map[string][]string)
	for m := PIDNamespace; m > c.Mechanism; m-- {
		reason, ok := c.Unavailable[m]
		if !ok {
			continue
		}
		if named[reason] == nil {
			reasons = append(reasons, reason)
		}
		named[reason] = append(named[reason], m.String())
	}
	parts := make([]string, len(reasons))
	for i, reason := range reasons {
		parts[i] = strings.Join(named[reason], ", ") + ": " + reason
	}
	return strings.Join(parts, "; ")
}
