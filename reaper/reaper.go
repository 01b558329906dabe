// Package reaper runs procman's guardian: a small process, carried inside
// procman, that outlives the host program and, when the host dies — even
// by SIGKILL — stops every process and tree and removes every cgroup and
// directory the host had registered with it.
//
// The host starts one Reaper and registers what must not outlive it.
// Registering is synchronous: once ProtectProcess returns, the process is
// protected. A process is named by its pid and start time, so a pid that
// the system has given to another process is never signalled. When the
// host dies, every protected process, every process in a cgroup
// registered with ProtectCgroup, and every member of a tree registered
// with ProtectTree, gets SIGTERM and, after its grace period, SIGKILL;
// all of them share one wait. A cgroup registered with ReclaimCgroup gets
// no signal: what is still in it once those stops are over is killed. A
// tree whose procman-init is protected and whose cgroup is reclaimed thus
// gets one SIGTERM: the init's.
//
// The reaper program differs by system. On Linux it is a small static C
// program (internal/image/csrc) that takes processes, cgroups and
// directories; trees are held together by their cgroups and procman-init,
// and ProtectTree is not available. On macOS, which has no cgroups, it is
// a Go program (internal/scanreaper) that takes processes, trees and
// directories: a tree's members are found by scanning the process table
// (its process groups and sessions, their descendants, the processes
// carrying its tag), and ProtectCgroup and ReclaimCgroup are not
// available. On other systems Start fails with errors.ErrUnsupported.
//
// On Linux, pids are those of the host's PID namespace, which its reaper
// shares, even where /proc belongs to an ancestor namespace (procman run
// inside a procman tree); start times are read from /proc
// (platform.StartTime). On macOS, start times are kern.proc's
// (platform.StartTime too).
//
// The Reaper watches its process. Should it die while the host lives, a new
// one is started and everything still registered is registered again, so
// that Registrations stay valid; requests made meanwhile wait for it.
//
// Each reaper also sweeps, when it starts, what other hosts left behind:
// the directories and cgroups named in Options whose owner process is
// gone and on which no reaper acts any more. On Linux, a name made with
// another PID namespace's /proc is left alone: a procman inside a
// pid-namespace tree has a /proc of its own but shares the machine's /tmp
// and cgroups, and a pid means another process on each side. A reaper
// holds a shared flock(2) on each registered directory or cgroup named
// after a host until it has finished with it, and a sweep only acts on
// what it can lock exclusively, so that a dead host's tree gets its whole
// grace period from that host's reaper.
package reaper

import (
	"errors"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Options for Start.
type Options struct {
	// Logger receives the reaper's warnings (restarts, refusals). Nil logs
	// nothing.
	Logger hclog.Logger

	// SweepDirPrefixes are path prefixes like "/tmp/procman-plugins-" of
	// the directories hosts create as PREFIX<host name>[-...], the host
	// name being platform.HostName's: on Linux
	// "<pid>-<starttime>-<pidns>", pid and start time as /proc shows
	// them and the inode of /proc's PID namespace; on macOS
	// "<pid>-<starttime>". When a reaper starts, each such directory owned
	// by its user (on Linux, named in the PID namespace of its own /proc),
	// whose owner process is gone, and which no reaper holds locked, loses
	// its files and sockets (not its subdirectories) and is removed if
	// that leaves it empty.
	SweepDirPrefixes []string

	// SweepCgroupDirs (Linux only: Start fails on macOS unless it is
	// empty) are cgroup v2 directories in which hosts create their
	// cgroups as <pid>-<starttime>-<pidns>[-...] (a host's directory of
	// trees, a probe). When a reaper starts, each such cgroup owned by its
	// user, named in its own /proc's namespace, whose owner process is
	// gone, and which no reaper holds locked, is
	// killed and removed. A cgroup below it that another process holds
	// locked (a procman-init still stopping its tree) is left alone, and
	// so is the swept cgroup then, but for the processes directly in it.
	SweepCgroupDirs []string
}

// MaxGrace is the longest grace period, or wait, a reaper accepts.
const MaxGrace = 48 * time.Hour

// ErrGraceTooLong is returned, wrapped, by a request whose grace period or
// wait exceeds MaxGrace; such a request is not sent to the reaper.
var ErrGraceTooLong = errors.New("grace period longer than reaper.MaxGrace, " + MaxGrace.String())

// ErrClosed is returned by requests made after Close.
var ErrClosed = errors.New("reaper closed")

// ErrUnavailable is returned by requests when no reaper process could be
// started within a few seconds.
var ErrUnavailable = errors.New("reaper unavailable")

// Registration is one thing a Reaper protects, until it is released.
type Registration struct {
	reaper   *Reaper
	id       uint64
	released atomic.Bool
}

// Release makes the reaper forget the registration: when the host dies,
// the process, tree, cgroup or directory is left alone, and the reaper's lock on
// a directory is dropped. Once Release has returned, the reaper will not
// act on it. Release waits for no answer (the reaper reads every message
// the host sent before it acts on the host's death, and the next request
// reads the answer; a refusal is logged): the lock is dropped as soon as
// the reaper reads the message. Release is idempotent and safe
// for concurrent use; after Close it returns ErrClosed, as the reaper has
// then already acted.
func (g *Registration) Release() error {
	if !g.released.CompareAndSwap(false, true) {
		return nil
	}
	return g.reaper.release(g.id)
}
