//go:build linux

package cgroup

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/procman-dev/procman/platform/internal/errlist"
	"golang.org/x/sys/unix"
)

// A Cgroup is one cgroup v2 directory that process trees are started into.
// Its methods are safe for concurrent use.
type Cgroup struct {
	path string

	mu      sync.Mutex // guards fd and removed
	fd      int        // read-only descriptor of path; -1 once closed
	removed bool

	// Guarded by watches.mu; see empty.go.
	empty   chan struct{} // made by the first Empty or by Remove
	emptied bool          // empty is closed
	wd      int32         // inotify watch on cgroup.events; 0 when none
}

// Path returns the cgroup's directory.
func (c *Cgroup) Path() string { return c.path }

// FD returns a descriptor of the cgroup's directory, for
// syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: c.FD()}: the child
// starts in the cgroup (clone3 with CLONE_INTO_CGROUP, Linux 5.7), so that
// nothing it does before it could be moved escapes. The descriptor is
// close-on-exec and stays owned by the Cgroup; it is valid until
// [Cgroup.CloseFD] or [Cgroup.Remove], and FD returns -1 after that.
func (c *Cgroup) FD() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fd
}

// CloseFD closes the descriptor of [Cgroup.FD] once no more processes are
// to be started into the cgroup: a host of many cgroups need not hold a
// descriptor for each. The cgroup itself stays until [Cgroup.Remove].
func (c *Cgroup) CloseFD() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fd >= 0 {
		unix.Close(c.fd)
		c.fd = -1
	}
}

// Procs returns the ids of the processes in the cgroup and in any cgroup
// below it (processes running as root may create those), sorted. Zombies
// are not listed (see the package documentation).
func (c *Cgroup) Procs() ([]int, error) {
	pids, err := appendProcs(nil, c.path, true)
	if err != nil {
		return nil, err
	}
	slices.Sort(pids)
	return slices.Compact(pids), nil
}

func appendProcs(pids []int, dir string, top bool) ([]int, error) {
	data, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		// A cgroup below was removed while we looked: it has no process.
		if !top && errors.Is(err, fs.ErrNotExist) {
			return pids, nil
		}
		return nil, err
	}
	for line := range bytes.Lines(data) {
		pid, err := strconv.Atoi(string(bytes.TrimSpace(line)))
		if err != nil {
			return nil, fmt.Errorf("%s/cgroup.procs: %w", dir, err)
		}
		pids = append(pids, pid)
	}
	entries, err := os.ReadDir(dir)
	if err != nil && !(!top && errors.Is(err, fs.ErrNotExist)) {
		return nil, err
	}
	for _, e := range entries {
		if e.IsDir() {
			if pids, err = appendProcs(pids, filepath.Join(dir, e.Name()), false); err != nil {
				return nil, err
			}
		}
	}
	return pids, nil
}

// maxSignalPasses bounds Signal's rereading of a cgroup whose processes
// fork faster than it signals them.
const maxSignalPasses = 100

// killExitWait bounds how long Signal(SIGKILL) waits for killed processes
// to exit (one in uninterruptible sleep can take long).
const killExitWait = time.Second

// Signal sends sig to every process in the cgroup and in the cgroups below
// it. Processes started while it works are signalled too: after sending, it
// reads the cgroup again, until a read finds no process it has not
// signalled, at most 100 times, and fails if processes still keep
// appearing.
//
// A process that forks at the moment a signal reaches it can leave a child
// that appears after Signal's last read. For SIGKILL, Signal closes that
// gap: it waits (up to a second) for the killed processes to exit before it
// reads again, and a process exits only after its fork has completed. For
// other signals [Cgroup.Kill] is the way to end a tree for sure.
//
// A process id is never signalled on the word of a stale read: Signal opens
// a pidfd for each process it finds and signals through it only if the
// next read still lists the id, so a process that exits and whose id is
// reused in between is left alone.
func (c *Cgroup) Signal(sig syscall.Signal) error {
	done := make(map[int]bool)  // signalled, or gone before it could be
	opened := make(map[int]int) // pid → pidfd opened after the last read
	defer func() {
		for _, fd := range opened {
			unix.Close(fd)
		}
	}()
	killDeadline := time.Now().Add(killExitWait)
	var failures errlist.List
	for range maxSignalPasses {
		pids, err := c.Procs()
		if err != nil {
			return err
		}
		var sent []int // pidfds
		for pid, fd := range opened {
			delete(opened, pid)
			done[pid] = true
			if _, listed := slices.BinarySearch(pids, pid); !listed {
				unix.Close(fd)
				continue
			}
			switch err := unix.PidfdSendSignal(fd, sig, nil, 0); err {
			case nil:
				sent = append(sent, fd)
			case unix.ESRCH:
				unix.Close(fd)
			default:
				unix.Close(fd)
				failures = append(failures, fmt.Errorf("signal %d: %w", pid, err))
			}
		}
		if sig == syscall.SIGKILL {
			awaitExit(sent, killDeadline)
		}
		for _, fd := range sent {
			unix.Close(fd)
		}
		for _, pid := range pids {
			if done[pid] {
				continue
			}
			fd, err := unix.PidfdOpen(pid, 0)
			if err == unix.ESRCH {
				done[pid] = true
				continue
			}
			if err != nil {
				return fmt.Errorf("signal %v to cgroup %s: open pidfd of %d: %w", sig, c.path, pid, err)
			}
			opened[pid] = fd
		}
		// Done when a read made after the last signal found nobody new.
		if len(opened) == 0 && len(sent) == 0 {
			if failures != nil {
				return fmt.Errorf("signal %v to cgroup %s: %w", sig, c.path, failures)
			}
			return nil
		}
	}
	return fmt.Errorf("signal %v to cgroup %s: new processes still appearing after %d reads", sig, c.path, maxSignalPasses)
}

// awaitExit waits until the processes of pidfds have exited (a pidfd
// becomes readable then), or until deadline.
func awaitExit(pidfds []int, deadline time.Time) {
	fds := make([]unix.PollFd, len(pidfds))
	for i, fd := range pidfds {
		fds[i] = unix.PollFd{Fd: int32(fd), Events: unix.POLLIN}
	}
	for len(fds) > 0 {
		wait := time.Until(deadline)
		if wait <= 0 {
			return
		}
		n, err := unix.Poll(fds, int(wait.Milliseconds())+1)
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 {
			return
		}
		fds = slices.DeleteFunc(fds, func(p unix.PollFd) bool { return p.Revents != 0 })
	}
}

// Kill kills every process in the cgroup and in the cgroups below it with
// SIGKILL, including those forking while it runs: it writes cgroup.kill
// (Linux 5.14). On older kernels it freezes the cgroup, kills each process
// and thaws it. Kill returns once the processes were sent SIGKILL, before
// they are gone: [Cgroup.Empty] tells when they are.
func (c *Cgroup) Kill() error {
	err := writeControl(filepath.Join(c.path, "cgroup.kill"), "1")
	if errors.Is(err, fs.ErrNotExist) {
		if _, statErr := os.Stat(filepath.Join(c.path, "cgroup.freeze")); statErr == nil {
			return c.killFrozen()
		}
	}
	return err
}

// freezeWait bounds how long killFrozen waits for the freeze to take hold
// (a process in uninterruptible sleep delays it).
const freezeWait = time.Second

// killFrozen is Kill for kernels without cgroup.kill. Once the cgroup is
// frozen nothing in it can fork, so one Signal sees every process; SIGKILL
// ends frozen processes without a thaw.
func (c *Cgroup) killFrozen() (err error) {
	freeze := filepath.Join(c.path, "cgroup.freeze")
	if err := writeControl(freeze, "1"); err != nil {
		return err
	}
	defer func() {
		if thawErr := writeControl(freeze, "0"); err == nil {
			err = thawErr
		}
	}()
	deadline := time.Now().Add(freezeWait)
	for {
		frozen, err := readEvent(c.path, "frozen")
		if err != nil {
			return err
		}
		if frozen || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	return c.Signal(syscall.SIGKILL)
}

// Populated reports whether any process is in the cgroup or in a cgroup
// below it ("populated" in cgroup.events).
func (c *Cgroup) Populated() (bool, error) {
	return readEvent(c.path, "populated")
}

// readEvent returns the value of key in dir's cgroup.events.
func readEvent(dir, key string) (bool, error) {
	path := filepath.Join(dir, "cgroup.events")
	data, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	for line := range bytes.Lines(data) {
		if value, ok := bytes.CutPrefix(bytes.TrimSpace(line), []byte(key+" ")); ok {
			return string(value) == "1", nil
		}
	}
	return false, fmt.Errorf("%s: no %q line", path, key)
}

// Remove removes the cgroup, and any cgroup below it, and closes its
// descriptor. It fails, and changes nothing, if a process is still in the
// cgroup: [Cgroup.Kill] it and wait for [Cgroup.Empty] first. Because
// processes killed by cgroup.kill leave it a moment later, Remove retries
// for up to 100 ms while the kernel says the cgroup is busy. Once Remove
// succeeded, later calls do nothing and return nil, and the channel of
// [Cgroup.Empty] is closed.
func (c *Cgroup) Remove() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.removed {
		return nil
	}
	if err := removeTree(c.path); err != nil {
		return err
	}
	c.closeRemoved()
	return nil
}

// RemoveIfEmpty removes the cgroup if it holds no process and no cgroup,
// with one rmdir, and reports whether it is gone. A cgroup still in use is
// left as it is, without the retries of Remove.
func (c *Cgroup) RemoveIfEmpty() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.removed {
		if err := rmdirOnce(c.path); err != nil && err != unix.ENOENT {
			return false
		}
		c.closeRemoved()
	}
	return true
}

// closeRemoved records that the cgroup is gone. The caller holds mu.
func (c *Cgroup) closeRemoved() {
	if c.fd >= 0 {
		unix.Close(c.fd)
		c.fd = -1
	}
	c.removed = true
	watches.release(c)
}

// removeTree removes dir and the cgroups below it, deepest first. A cgroup
// that is gone already counts as removed. A cgroup has none below it
// normally: that is looked for only when the kernel refuses to remove it.
func removeTree(dir string) error {
	switch err := rmdirOnce(dir); err {
	case nil, unix.ENOENT:
		return nil
	case unix.EBUSY:
	default:
		return &os.PathError{Op: "rmdir", Path: dir, Err: err}
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() {
			if err := removeTree(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	if err := rmdir(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// busyRetryPeriod bounds how long rmdir retries a cgroup that the kernel
// still counts as populated.
const busyRetryPeriod = 100 * time.Millisecond

func rmdir(dir string) error {
	deadline := time.Now().Add(busyRetryPeriod)
	delay := 50 * time.Microsecond
	for {
		err := rmdirOnce(dir)
		if err == nil {
			return nil
		}
		if err != unix.EBUSY || time.Now().After(deadline) {
			return &os.PathError{Op: "rmdir", Path: dir, Err: err}
		}
		time.Sleep(delay)
		delay = min(2*delay, 5*time.Millisecond)
	}
}

// removals bounds the cgroups being removed at once. The kernel removes
// them one at a time (under its cgroup_mutex): more removals at once would
// only block more threads of the process, one per removal waiting, when a
// host stops thousands of trees together.
var removals = make(chan struct{}, 2)

// rmdirOnce removes the cgroup dir, waiting for its turn among removals.
func rmdirOnce(dir string) error {
	removals <- struct{}{}
	defer func() { <-removals }()
	return unix.Rmdir(dir)
}

// writeControl writes value to a cgroup control file.
func writeControl(path, value string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(value)
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	return err
}
