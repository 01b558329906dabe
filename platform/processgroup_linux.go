package platform

import (
	"context"
	"errors"
	"sync"
	"syscall"
	"time"
)

// ProcessGroup: the program is this process's own child, in a process
// group (or session) of its own; the tree is that group. No helper stands
// between the host and the program, so it is what remains where
// procman-init cannot run.
var processGroupKind = mechanismKind{
	mechanism:   ProcessGroup,
	unavailable: func(*system) error { return nil },
	open: func(*system, SpawnerOptions, string) starter {
		return processGroupStarter{}
	},
}

type processGroupStarter struct{}

func (processGroupStarter) start(_ context.Context, spec Spec) (*Process, error) {
	if !spec.Limits.IsZero() {
		return nil, errors.New("limits: memory, CPU and task limits need cgroups held by a procman-init, and containment ProcessGroup has none")
	}
	return start(spec, -1)
}

func (processGroupStarter) close() {}

// Start starts the program described by spec directly, in a new process
// group (or session, with spec.NewSession), with no containment beyond
// that: a Spawner contains the trees it starts. When the system refuses to
// run the program or enter spec.Dir, the error is a *ProgramError wrapping
// the system's error number (syscall.ENOENT, syscall.EACCES,
// syscall.ENOEXEC, ...).
//
// The child gets no descriptor of the calling process but those of spec,
// whatever other goroutines or C code open meanwhile: it execs
// procman-init's exec mode first, which closes every other descriptor and
// then execs the program in the same process (the pid, process group and
// start time are the program's). Where procman-init cannot run, Start
// marks every descriptor of the calling process above 2 close-on-exec
// instead (CloseOnExecAbove2), which a descriptor opened without
// O_CLOEXEC between that and the fork escapes.
//
// Start makes the calling process non-dumpable first (ProtectHost), so
// that the child cannot ptrace it or read its environment.
func Start(spec Spec) (*Process, error) {
	return start(spec, -1)
}

// start starts spec's program as this process's child, born into the
// cgroup open as cgroupFD unless that is negative.
func start(spec Spec, cgroupFD int) (*Process, error) {
	c, err := startChild(spec, cgroupFD)
	if err != nil {
		return nil, err
	}
	return &Process{Pid: c.pid, tree: &groupTree{child: c, goneCh: make(chan struct{})}}, nil
}

// A groupTree is a program started as this process's child and its
// process group.
type groupTree struct {
	child *child

	goneOnce sync.Once
	goneCh   chan struct{} // closed once the group is empty
}

func (g *groupTree) wait() (ExitStatus, error)       { return g.child.wait() }
func (g *groupTree) signal(sig syscall.Signal) error { return g.child.signal(sig) }

func (g *groupTree) signalTree(sig syscall.Signal) error { return g.child.signalGroup(sig) }

func (g *groupTree) members() ([]int, error) { return groupMembers(g.child.pid) }

func (g *groupTree) gone() <-chan struct{} {
	g.goneOnce.Do(func() { go g.watch() })
	return g.goneCh
}

// watch closes goneCh once the program has exited and its process group
// is empty, by polling.
func (g *groupTree) watch() {
	defer close(g.goneCh)
	g.child.wait()
	interval := time.Millisecond
	for {
		if members, err := groupMembers(g.child.pid); err == nil && len(members) == 0 {
			return
		}
		time.Sleep(interval)
		interval = min(2*interval, 100*time.Millisecond)
	}
}

func (g *groupTree) release() error { return g.child.release() }

func (g *groupTree) usage() Usage { return g.child.used }
