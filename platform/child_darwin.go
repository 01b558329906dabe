package platform

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// child is a process started by this one. Its exit is learned from the
// process's kqueue (NOTE_EXITSTATUS gives the status without reaping),
// so waiting parks a goroutine, not an OS thread, and it is reaped only by
// release, so that its pid and process group id cannot be recycled while
// it is held.
type child struct {
	pid int

	exited chan struct{} // closed once the status is known
	status ExitStatus    // set before exited is closed

	mu       sync.Mutex // guards the fields below
	reaped   bool       // wait4 took it: its pid may name another process
	used     Usage      // what wait4 said it and its reaped descendants used
	released bool
}

// startChild forks and execs spec's program as the leader of a process
// group (or session) of its own, and starts watching for its exit; h, when
// not nil, also hears of its events.
func startChild(spec Spec, h procHandler) (*child, error) {
	ev, err := events()
	if err != nil {
		return nil, err
	}
	files := []uintptr{spec.Stdin.Fd(), spec.Stdout.Fd(), spec.Stderr.Fd()}
	for _, f := range spec.ExtraFiles {
		files = append(files, f.Fd())
	}
	// No procman-init closes what the host opened without close-on-exec
	// (C code, say): mark it so before the fork.
	if err := CloseOnExecAbove2(); err != nil {
		return nil, fmt.Errorf("mark descriptors close-on-exec: %w", err)
	}
	pid, err := syscall.ForkExec(spec.Path, spec.Args, &syscall.ProcAttr{
		Dir:   spec.Dir,
		Env:   spec.Env,
		Files: files,
		Sys:   &syscall.SysProcAttr{Setpgid: !spec.NewSession, Setsid: spec.NewSession},
	})
	if err != nil {
		return nil, forkExecError(spec, err)
	}
	c := &child{pid: pid, exited: make(chan struct{})}
	more := uint32(unix.NOTE_EXITSTATUS)
	if h != nil {
		more |= unix.NOTE_FORK
	}
	if err := ev.watch(pid, more, c); err != nil {
		if !errors.Is(err, unix.ESRCH) {
			unix.Kill(pid, unix.SIGKILL)
			c.reap(0)
			return nil, fmt.Errorf("watch pid %d: %w", pid, err)
		}
		// Exited before it could be watched: its status comes from wait4,
		// which reaps it, and its pid may name another process from then
		// on: h is not made to watch it.
		c.reap(0)
		return c, nil
	}
	if h != nil {
		ev.watch(pid, unix.NOTE_FORK, h)
	}
	return c, nil
}

// forkExecError tells a failure of spec's program (a *ProgramError) from
// one of the system. syscall.ForkExec reports a failed chdir and a failed
// exec alike, by their error number: a working directory that cannot be
// entered now is taken to be the cause.
func forkExecError(spec Spec, err error) error {
	if spec.Dir != "" {
		if dirErr := unix.Access(spec.Dir, unix.X_OK); dirErr != nil {
			return &ProgramError{Op: "chdir", Path: spec.Dir, Err: dirErr}
		}
	}
	return execError(spec.Path, err)
}

func (c *child) procEvent(pid int, fflags uint32, data int64) {
	if fflags&unix.NOTE_EXIT == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.setStatus(waitStatus(int32(data)))
}

// setStatus records how the child ended, once. The caller holds mu.
func (c *child) setStatus(s ExitStatus) {
	select {
	case <-c.exited:
	default:
		c.status = s
		close(c.exited)
	}
}

// reap takes the child's status with wait4 (options 0 blocks, WNOHANG does
// not) and reports whether it was reaped.
func (c *child) reap(options int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reaped {
		return true
	}
	var ws unix.WaitStatus
	var ru unix.Rusage
	for {
		pid, err := unix.Wait4(c.pid, &ws, options, &ru)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || pid != c.pid {
			return false
		}
		c.reaped = true
		// macOS counts ru_maxrss in bytes.
		c.used = Usage{CPUTime: time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), PeakMemory: uint64(ru.Maxrss)}
		c.setStatus(waitStatus(int32(ws)))
		return true
	}
}

func (c *child) wait() (ExitStatus, error) {
	<-c.exited
	return c.status, nil
}

func (c *child) done() bool {
	select {
	case <-c.exited:
		return true
	default:
		return false
	}
}

// signal sends sig to the child unless it has exited: unreaped until
// then, its pid cannot name another process.
func (c *child) signal(sig syscall.Signal) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reaped || c.released || c.done() {
		return nil
	}
	err := unix.Kill(c.pid, sig)
	if errors.Is(err, unix.ESRCH) {
		return nil
	}
	return err
}

// release reaps the child. One still running is reaped by a goroutine
// once it exits.
func (c *child) release() error {
	c.mu.Lock()
	c.released = true
	c.mu.Unlock()
	if !c.done() {
		go func() {
			<-c.exited
			c.reap(0)
		}()
		return nil
	}
	if !c.reap(0) {
		return fmt.Errorf("reap pid %d: not a child of this process", c.pid)
	}
	return nil
}

// usage returns what the child and the descendants it reaped used, once
// reaped.
func (c *child) usage() Usage {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used
}

// waitStatus converts a status as from wait4.
func waitStatus(raw int32) ExitStatus {
	ws := syscall.WaitStatus(raw)
	if ws.Signaled() {
		return ExitStatus{Code: -1, Signal: ws.Signal()}
	}
	return ExitStatus{Code: ws.ExitStatus()}
}

// CloseOnExecAbove2 marks every descriptor of this process above 2
// close-on-exec, so that a program started next inherits only what it is
// given. A descriptor opened without O_CLOEXEC between this and the fork
// escapes it.
func CloseOnExecAbove2() error {
	dir, err := os.Open("/dev/fd")
	if err != nil {
		return err
	}
	names, err := dir.Readdirnames(-1)
	dirFD := int(dir.Fd())
	if err != nil {
		dir.Close()
		return err
	}
	for _, name := range names {
		var fd int
		if _, err := fmt.Sscan(name, &fd); err != nil || fd <= 2 || fd == dirFD {
			continue
		}
		unix.CloseOnExec(fd) // EBADF: closed since the listing
	}
	return dir.Close()
}
