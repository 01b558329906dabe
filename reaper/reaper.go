// Package reaper runs procman's guardian: a small process, carried inside
// procman, that outlives the host program and, when the host dies — even
// by SIGKILL — stops every process and removes every cgroup and directory
// the host had registered with it.
//
// The host starts one Reaper and registers what must not outlive it.
// Registering is synchronous: once ProtectProcess returns, the process is
// protected. A process is named by its pid and start time, so a pid that
// the system has given to another process is never signalled. When the
// host dies, every protected process gets SIGTERM and, after its grace
// period, SIGKILL; all of them share one wait.
//
// The Reaper watches its process. Should it die while the host lives, a new
// one is started and everything still registered is registered again, so
// that Registrations stay valid; requests made meanwhile wait for it.
//
// Each reaper also sweeps, when it starts, what hosts that died unprotected
// left behind: the directories and cgroups named in Options whose owner
// process is gone.
package reaper

import (
	"errors"
	"sync/atomic"

	"github.com/hashicorp/go-hclog"
)

// Options for Start.
type Options struct {
	// Logger receives the reaper's warnings (restarts, refusals). Nil logs
	// nothing.
	Logger hclog.Logger

	// SweepDirPrefixes are path prefixes like "/tmp/procman-plugins-" of
	// the directories hosts create as PREFIX<pid>-<starttime>[-...]. When a
	// reaper starts, each such directory owned by its user whose owner
	// process is gone loses its files and sockets (not its subdirectories)
	// and is removed if that leaves it empty.
	SweepDirPrefixes []string

	// SweepCgroupDirs are cgroup v2 directories in which hosts create their
	// cgroups as <pid>-<starttime>. When a reaper starts, each such cgroup
	// owned by its user whose owner process is gone is killed and removed.
	SweepCgroupDirs []string
}

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
// the process, cgroup or directory is left alone. Once Release has
// returned, the reaper will not act on it. Release is idempotent and safe
// for concurrent use; after Close it returns ErrClosed, as the reaper has
// then already acted.
func (g *Registration) Release() error {
	if !g.released.CompareAndSwap(false, true) {
		return nil
	}
	return g.reaper.release(g.id)
}
