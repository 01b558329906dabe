// Package proctree holds together, by scanning the process table, the
// processes of a tree that the system does not hold together itself:
// macOS, which has no cgroup, no PID namespace, no subreaper and no
// parent-death signal.
//
// A Family is a program and what it starts. Its members are found in a
// Table, the system's process table, read again at every Scan: the
// processes it already knew (by pid and start time, so that a recycled pid
// is never taken for a member), the processes of every process group and
// session a member leads, their descendants by parent pid, and the
// processes of the family's user that carry its tag in their environment.
// Stop ends families: the graceful signal to every member once, a grace
// period, then Kill, which freezes every member with SIGSTOP, scanning
// again until no new member appears, and then sends SIGKILL, scanning
// again until none is left.
//
// What can still escape is a process that leaves every group and session
// of the family (setsid), loses its parent link (its parent exits, a
// double fork) and clears the tag from its environment, all between two
// scans of its family.
//
// The package reads the table through the Table interface so that the same
// membership and stop code runs on every system: SystemTable reads /proc
// on Linux, where the tests run it against real trees, and kern.proc.all
// and kern.procargs2 on macOS.
package proctree

import (
	"errors"
	"syscall"
)

// TagVar begins the name of the environment variable that marks the
// processes of one family (see Tag): every program started in a family
// carries it, and so does, by inheritance, every process it starts that
// keeps its environment.
const TagVar = "PROCMAN_TREE"

// Proc is one process as a Table lists it.
type Proc struct {
	Pid  int
	PPid int // parent's pid
	Pgid int // process group
	Sid  int // session
	Uid  uint32
	// Start is when the process started, in the Table's own unit: a pid
	// and its start time name one process for good, as a recycled pid
	// comes with a later start time.
	Start uint64
	// Zombie is set for a process that has exited and waits to be
	// reaped: it runs no code and is nobody's member.
	Zombie bool
}

// ID is a process's identity: its pid and its start time.
type ID struct {
	Pid   int
	Start uint64
}

// ID returns p's identity.
func (p Proc) ID() ID { return ID{p.Pid, p.Start} }

// Table reads the system's process table. It is safe for concurrent use.
type Table interface {
	// Procs lists every process of the system, zombies included, in one
	// pass.
	Procs() ([]Proc, error)

	// Environ returns the environment of process p, as "KEY=value"
	// strings. It fails for a process whose environment may not be read
	// (another user's) and, with ErrGone, for one that is gone or whose
	// pid now names a process with another start time.
	Environ(p Proc) ([]string, error)

	// Signal sends sig to process p. A process that is gone, or whose pid
	// now names a process with another start time, is not signalled:
	// that is ErrGone.
	Signal(p Proc, sig syscall.Signal) error
}

// ErrGone is returned by a Table for a process that is no longer there.
var ErrGone = errors.New("process gone")
