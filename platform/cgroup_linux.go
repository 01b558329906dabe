package platform

import (
	"fmt"
	"sync"
	"time"

	"github.com/procman-dev/procman/platform/internal/cgroup"
)

// Cgroup: each tree is a cgroup v2 of its own, which its procman-init (a
// subreaper; as root without the keeper of Subreaper, the cgroup holding
// the tree in its stead) is born into and everything it starts with it;
// the tree is killed as one with cgroup.kill, by the host should the init
// die, and by the reaper should the host and the init die. The program
// keeps its real pid and the host's /proc: it is the default wherever a
// cgroup v2 subtree can be written (as root, or by a user whose own
// cgroup is delegated).
var cgroupKind = mechanismKind{
	mechanism: Cgroup,
	unavailable: func(sys *system) error {
		if sys.cgroupErr != nil {
			return sys.cgroupErr
		}
		return joinErrors(sys.initErr(subreaperMode), sys.guardErr)
	},
	cgroupDir: func(sys *system) string { return sys.cgroupBase },
	open: func(sys *system, opts SpawnerOptions, cgroupDir string) starter {
		return newInitStarter(sys, subreaperMode, opts, cgroupDir)
	},
}

// makeCgroup makes a cgroup for one tree in the host's directory under
// base, which it makes first if need be; release removes it, once its init
// has exited, and the host's directory too while no guard has it (see
// dropHostGroup). The directory is not yet guarded: see guardCgroups.
func makeCgroup(base string) (cg *cgroup.Cgroup, release func(), err error) {
	host.mu.Lock()
	defer host.mu.Unlock()
	if host.group == nil {
		name, err := HostName()
		if err != nil {
			return nil, nil, err
		}
		if host.group, err = cgroup.NewGroup(base, name); err != nil {
			return nil, nil, err
		}
	}
	if cg, err = host.group.New(); err != nil {
		dropHostGroupLocked()
		return nil, nil, err
	}
	return cg, func() { reclaim(cg); dropHostGroup() }, nil
}

// reclaimWait bounds how long reclaim waits for killed processes to leave
// their cgroup (one in uninterruptible sleep can take long).
const reclaimWait = 10 * time.Second

// reclaim removes the cgroup of a tree whose init has exited. An init
// exits once its tree is empty, unless it was killed: then what it left is
// killed first, so that a killed init loses its tree, not the host its
// guarantee.
func reclaim(cg *cgroup.Cgroup) {
	// Usually the tree is gone and its cgroup empty: one rmdir.
	if cg.RemoveIfEmpty() {
		return
	}
	killRemains(cg)
	cg.Remove()
}

// killRemains kills what is left in cg, if anything, and waits for it to
// be gone (up to reclaimWait).
func killRemains(cg *cgroup.Cgroup) {
	if populated, err := cg.Populated(); err == nil && populated {
		if empty, err := cg.Empty(); err == nil && cg.Kill() == nil {
			select {
			case <-empty:
			case <-time.After(reclaimWait):
			}
		}
	}
}

// The host's directory of cgroups: made on first use, named after the
// process so that a reaper can tell whether its owner still lives, and
// handed to the first guard to use it, which removes it once the process
// is gone.
var host struct {
	mu      sync.Mutex
	group   *cgroup.Group
	guarded bool // handed to a guard
}

// dropHostGroup removes the host's directory of cgroups if no guard has it
// and it is empty (else it does nothing), so that the next makeCgroup
// makes it again, under its own base: what a guard does not have, nothing
// removes should the host die.
func dropHostGroup() {
	host.mu.Lock()
	defer host.mu.Unlock()
	dropHostGroupLocked()
}

// dropHostGroupLocked is dropHostGroup with host.mu held.
func dropHostGroupLocked() {
	if host.group != nil && !host.guarded && host.group.Remove() == nil {
		host.group = nil
	}
}

// guardCgroups hands the host's directory of cgroups to guard, unless
// that was done: the inits give the graceful signal and the guard protects
// them too; once they are gone, it kills what is left in every tree's
// cgroup and removes them all. It is called once a tree's init is born
// in its cgroup, which can be before the guard is ready, and before the
// init may start anything.
func guardCgroups(guard Guard) error {
	host.mu.Lock()
	defer host.mu.Unlock()
	if host.guarded || host.group == nil {
		return nil
	}
	if _, err := guard.ReclaimCgroup(host.group.Path(), 0); err != nil {
		return fmt.Errorf("protect cgroup: %w", err)
	}
	host.guarded = true
	return nil
}
