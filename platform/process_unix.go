//go:build linux || darwin

package platform

import (
	"sync"
	"syscall"
)

// Process is a started program and the tree of processes it starts.
//
// How the tree is held together is the business of the mechanism that
// started it (one file each: processgroup_linux.go, subreaper_linux.go,
// cgroup_linux.go, pidns_linux.go; scantree_darwin.go on macOS), behind
// the tree interface. In every case nothing is ever signalled by a pid
// that could have been recycled: procman-init signals only its own
// descendants and namespace, a program started directly stays an
// unreaped zombie until Release, and on macOS every other member is
// signalled by its pid and start time.
type Process struct {
	// Pid is the program's process id, as this process sees it.
	Pid int

	tree tree

	releaseOnce sync.Once
	releaseErr  error
}

// A tree is one started program and the processes it starts, held
// together by one mechanism.
type tree interface {
	// wait blocks until the program has exited, holding no OS thread.
	wait() (ExitStatus, error)
	// signal sends sig to the program only; an exited program is no error.
	signal(sig syscall.Signal) error
	// signalTree sends sig to every process of the tree (see SignalTree).
	signalTree(sig syscall.Signal) error
	// members lists the live processes of the tree, procman's own aside.
	members() ([]int, error)
	// gone is closed once no process of the tree is left.
	gone() <-chan struct{}
	// release frees what the tree holds once it is gone.
	release() error
	// usage is what the tree used, once released.
	usage() Usage
}

// Wait blocks until the program has exited and returns how it ended. It
// holds no OS thread while it waits. Wait may be called by one goroutine at
// a time.
func (p *Process) Wait() (ExitStatus, error) { return p.tree.wait() }

// Signal sends sig to the program only. Signalling a program that has
// exited is not an error.
func (p *Process) Signal(sig syscall.Signal) error { return p.tree.signal(sig) }

// SignalTree sends sig to every process of the tree. A tree with no process
// left is not an error. It is how a stop begins, and each stop signals each
// process once: under a procman-init, the first signal other than SIGKILL
// is the tree's stop signal, and once it was sent (or the init began a stop
// of its own, its host gone) any later one is dropped; SIGKILL always goes
// through.
func (p *Process) SignalTree(sig syscall.Signal) error { return p.tree.signalTree(sig) }

// Members returns the pids of the tree's live processes, the program
// included while it runs; procman's own processes are not among them.
func (p *Process) Members() ([]int, error) { return p.tree.members() }

// Gone returns a channel that is closed once no process of the tree is
// left.
func (p *Process) Gone() <-chan struct{} { return p.tree.gone() }

// Usage returns what the tree used, as the system accounted for it when
// Release reaped it; before Release, the zero Usage.
func (p *Process) Usage() Usage { return p.tree.usage() }

// Release frees what the process holds once its tree is gone: it reaps the
// program, closes descriptors, removes the cgroup. After Release the pid
// may be reused by the system: the Process must not be signalled again.
func (p *Process) Release() error {
	p.releaseOnce.Do(func() { p.releaseErr = p.tree.release() })
	return p.releaseErr
}
