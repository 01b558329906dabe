package platform

import (
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"

	"github.com/procman-dev/procman/internal/proctree"
	"golang.org/x/sys/unix"
)

// rescanEvery is how often a tree is scanned when nothing happens in it,
// to keep up with what kqueue does not report: an orphan of the tree that
// a member's fork started before the member was watched.
const rescanEvery = time.Second

// A scanTree is a program started as this process's child, in a process
// group of its own, and the processes found with it by scans of the
// process table (proctree.Family): its groups and sessions, their
// descendants, and the processes carrying its tag. Each member is watched
// with kqueue, and every fork or exit of one brings a new scan.
type scanTree struct {
	child *child
	fam   *proctree.Family
	table proctree.Table
	ev    *procEvents

	rescan  chan struct{} // a scan is wanted; buffered, one pending at most
	goneCh  chan struct{} // closed once the program has exited and no member is left
	stopped chan struct{} // closed by release: the tracker stops

	mu      sync.Mutex       // guards watched
	watched map[int]struct{} // the pids ev reports to this tree

	releaseOnce sync.Once
	unguard     func() // ends the guard's registration; nil without one
}

// startScanTree starts spec's program as the root of a tree tagged with
// tag (already in spec.Env, or "" for a tree that is only a process
// group and its descendants) and starts tracking it.
func startScanTree(spec Spec, tag string) (*Process, *scanTree, error) {
	t := &scanTree{
		table:   proctree.SystemTable(),
		rescan:  make(chan struct{}, 1),
		goneCh:  make(chan struct{}),
		stopped: make(chan struct{}),
		watched: make(map[int]struct{}),
	}
	c, err := startChild(spec, t)
	if err != nil {
		return nil, nil, err
	}
	t.child, t.ev = c, sharedEvents.ev
	t.mu.Lock()
	// Watched unless its exit came first: events go to the child before
	// the tree, so an exit the tree may have heard of shows in c first.
	if !c.done() {
		t.watched[c.pid] = struct{}{}
	}
	t.mu.Unlock()
	start, err := StartTime(c.pid)
	if err != nil {
		// Exited and reaped already: the tree is whatever is tagged.
		start = 0
	}
	t.fam = proctree.New(proctree.ID{Pid: c.pid, Start: start}, uint32(syscall.Geteuid()), tag)
	go t.track()
	return &Process{Pid: c.pid, tree: t}, t, nil
}

func (t *scanTree) procEvent(pid int, fflags uint32, data int64) {
	if fflags&unix.NOTE_EXIT != 0 {
		t.mu.Lock()
		delete(t.watched, pid)
		t.mu.Unlock()
	}
	select {
	case t.rescan <- struct{}{}:
	default:
	}
}

// track scans the tree whenever a member forks or exits, and every
// rescanEvery, watching each new member, until the program has exited and
// no member is left, or the tree is released.
func (t *scanTree) track() {
	ticker := time.NewTicker(rescanEvery)
	defer ticker.Stop()
	defer t.forgetAll()
	exited := t.child.exited
	for {
		select {
		case <-t.rescan:
		case <-ticker.C:
		case <-exited:
			exited = nil // closed for good: heard once
		case <-t.stopped:
			return
		}
		done := t.child.done()
		members, err := t.fam.Scan(t.table)
		if err != nil {
			continue // the next event or tick scans again
		}
		if done && len(members) == 0 {
			close(t.goneCh)
			return
		}
		t.watch(members)
	}
}

// watch has ev report the forks and exits of members not watched yet.
func (t *scanTree) watch(members []proctree.Proc) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, p := range members {
		if _, ok := t.watched[p.Pid]; ok {
			continue
		}
		if t.ev.watch(p.Pid, unix.NOTE_FORK, t) == nil {
			t.watched[p.Pid] = struct{}{}
		}
	}
}

func (t *scanTree) forgetAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for pid := range t.watched {
		t.ev.forget(pid, t)
	}
	t.watched = nil
}

func (t *scanTree) wait() (ExitStatus, error)       { return t.child.wait() }
func (t *scanTree) signal(sig syscall.Signal) error { return t.child.signal(sig) }

// signalTree sends a graceful signal once to every member; SIGKILL
// freezes every member, then kills them all (proctree.Family.Kill).
func (t *scanTree) signalTree(sig syscall.Signal) error {
	defer t.poke()
	switch sig {
	case syscall.SIGKILL:
		return t.fam.Kill(t.table)
	case syscall.SIGSTOP, syscall.SIGTSTP, syscall.SIGTTIN, syscall.SIGTTOU, syscall.SIGCONT:
		// Job control, not a stop: every member, every time.
		members, err := t.fam.Scan(t.table)
		if err != nil {
			return err
		}
		for _, p := range members {
			if err := t.table.Signal(p, sig); err != nil && !errors.Is(err, proctree.ErrGone) {
				return fmt.Errorf("signal pid %d: %w", p.Pid, err)
			}
		}
		return nil
	}
	return t.fam.Signal(t.table, sig)
}

func (t *scanTree) poke() {
	select {
	case t.rescan <- struct{}{}:
	default:
	}
}

func (t *scanTree) members() ([]int, error) {
	members, err := t.fam.Scan(t.table)
	if err != nil {
		return nil, err
	}
	pids := make([]int, len(members))
	for i, p := range members {
		pids[i] = p.Pid
	}
	return pids, nil
}

func (t *scanTree) gone() <-chan struct{} { return t.goneCh }

func (t *scanTree) usage() Usage { return t.child.usage() }

func (t *scanTree) release() error {
	var err error
	t.releaseOnce.Do(func() {
		close(t.stopped)
		if t.unguard != nil {
			t.unguard()
		}
		err = t.child.release()
	})
	return err
}
