package platform

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// child is a process started by this one: its pidfd is pollable, so
// waiting parks a goroutine, not an OS thread, and it is never reaped
// before release, so its pid and process group id cannot be recycled while
// it is held.
//
// A helper (procman-init) gets no pidfd, so that a tree costs the host one
// descriptor, its init's socket: the init's process that is this one's
// child holds the socket until it exits, so its end of file says the child
// is gone or about to be, and only then is it waited for, by pid.
type child struct {
	pid   int
	pidfd *os.File // nil for a helper
	used  Usage    // what the child and the descendants it reaped used; set by release
}

func startChild(spec Spec, cgroupFD int) (*child, error) {
	files := []uintptr{spec.Stdin.Fd(), spec.Stdout.Fd(), spec.Stderr.Fd()}
	for _, f := range spec.ExtraFiles {
		files = append(files, f.Fd())
	}
	for _, fd := range spec.inherit {
		files = append(files, uintptr(fd))
	}
	path, args := spec.Path, spec.Args
	var report *execReport
	if !spec.helper {
		if err := ProtectHost(); err != nil {
			return nil, fmt.Errorf("make the host non-dumpable: %w", err)
		}
		direct := spec.ClosesDescriptors && attrs(spec) == ""
		var exe *Executable
		var err error
		if !direct {
			exe, err = initExecutable()
		}
		switch {
		case direct:
			// Exec'd directly: it closes what it inherits itself.
		case err == nil:
			if report, err = newExecReport(); err != nil {
				return nil, err
			}
			defer report.close()
			path, args, files = trampoline(exe, spec, files, uintptr(report.w))
		case attrs(spec) != "":
			return nil, fmt.Errorf("credentials and limits are set by procman-init, which cannot run: %w", err)
		default:
			if err := CloseOnExecAbove2(); err != nil {
				return nil, fmt.Errorf("mark descriptors close-on-exec: %w", err)
			}
		}
	}
	if report == nil {
		path, files = passPath(path, files)
	}
	pidfd := -1
	// Go's child fails when the terminal cannot be taken: only a terminal
	// this process controls is asked for.
	foreground := spec.Foreground && !spec.NewSession && controlsTerminal(spec.Stdin)
	attr := &syscall.ProcAttr{
		Dir:   spec.Dir,
		Env:   spec.Env,
		Files: files,
		Sys: &syscall.SysProcAttr{
			Setpgid:     !spec.NewSession,
			Setsid:      spec.NewSession,
			Foreground:  foreground,
			Ctty:        int(spec.Stdin.Fd()), // with Foreground: a descriptor of this process
			PidFD:       &pidfd,
			UseCgroupFD: cgroupFD >= 0,
			CgroupFD:    max(cgroupFD, 0),
		},
	}
	if spec.helper {
		attr.Sys.PidFD = nil
	}
	pid, err := syscall.ForkExec(path, args, attr)
	runtime.KeepAlive(spec)
	if err == syscall.EBADF && aboveLimit(files) {
		// The child moves a descriptor above those it is passed before
		// placing them; at RLIMIT_NOFILE, that fails as EBADF.
		err = syscall.EMFILE
	}
	if err != nil {
		return nil, forkExecError(spec, err, report != nil)
	}
	if spec.helper {
		return &child{pid: pid}, nil
	}
	if pidfd < 0 {
		// Every kernel procman supports (5.3+) hands out pidfds at clone.
		return nil, fmt.Errorf("fork/exec %s: kernel returned no pidfd for pid %d", spec.Path, pid)
	}
	// Non-blocking makes os.NewFile register the pidfd with the runtime's
	// poller, so that wait parks a goroutine instead of an OS thread.
	if err := unix.SetNonblock(pidfd, true); err != nil {
		return nil, fmt.Errorf("pidfd of pid %d: %w", pid, err)
	}
	c := &child{pid: pid, pidfd: os.NewFile(uintptr(pidfd), fmt.Sprintf("pidfd:%d", pid))}
	if report != nil {
		code, err := report.result()
		if code != 0 {
			err = attrError(spec, code)
		}
		if err != nil {
			// It exits at once when its exec failed; killed, it cannot
			// be kept from doing so.
			c.signal(syscall.SIGKILL)
			c.wait()
			c.release()
			return nil, err
		}
	}
	return c, nil
}

// forkExecError returns err, a failure of syscall.ForkExec for spec, as a
// *ProgramError when the program or its directory is at fault. ForkExec
// reports the errno of whichever step of the child failed; the directory,
// entered before the exec, is the culprit when it cannot be entered now
// for the same reason. When the exec was the trampoline's, only an
// argument list too long for it is the program's fault: the program's own
// exec comes later.
func forkExecError(spec Spec, err error, viaTrampoline bool) error {
	if errno, ok := err.(syscall.Errno); ok && spec.Dir != "" {
		if dirErr := unix.Faccessat(unix.AT_FDCWD, spec.Dir, unix.X_OK, unix.AT_EACCESS); dirErr == errno {
			return &ProgramError{Op: "chdir", Path: spec.Dir, Err: errno}
		}
	}
	if viaTrampoline && err != syscall.E2BIG {
		return fmt.Errorf("start procman-init (exec): %w", err)
	}
	return execError(spec.Path, err)
}

// aboveLimit reports whether a child passed files needs a descriptor at or
// above RLIMIT_NOFILE: Go's child moves its own above the highest one
// passed.
func aboveLimit(files []uintptr) bool {
	var limit unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &limit) != nil {
		return false
	}
	next := uint64(len(files))
	for _, fd := range files {
		next = max(next, uint64(fd))
	}
	return next+1 >= limit.Cur
}

// controlsTerminal reports whether f is the controlling terminal of this
// process (TIOCGPGRP answers only for that one).
func controlsTerminal(f *os.File) bool {
	_, err := unix.IoctlGetInt(int(f.Fd()), unix.TIOCGPGRP)
	return err == nil
}

func (c *child) wait() (ExitStatus, error) {
	if c.pidfd == nil {
		return c.waitByPid()
	}
	conn, err := c.pidfd.SyscallConn()
	if err != nil {
		return ExitStatus{}, err
	}
	var status ExitStatus
	var waitErr error
	err = conn.Read(func(fd uintptr) bool {
		var info siginfo
		waitErr = waitid(fd, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT)
		if errors.Is(waitErr, unix.EINTR) {
			waitErr = nil
			return false
		}
		if waitErr != nil {
			return true
		}
		if info.Pid == 0 { // still running: park until the pidfd is readable
			return false
		}
		status = info.exitStatus()
		return true
	})
	if err != nil {
		return ExitStatus{}, err
	}
	return status, waitErr
}

// waitByPid waits for a child without a pidfd. It is called once the
// child is known to be exiting (it closed its end of the control socket,
// which it holds until it exits): it polls, again at each SIGCHLD this
// process gets, and, should a signal not come, after a growing delay.
func (c *child) waitByPid() (ExitStatus, error) {
	delay := time.Millisecond
	for {
		// Taken before the poll: an exit after the poll is not missed.
		exited := nextChildExit()
		var info siginfo
		err := waitidUsage(unix.P_PID, uintptr(c.pid), &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil)
		if err != nil && !errors.Is(err, unix.EINTR) {
			return ExitStatus{}, err
		}
		if err == nil && info.Pid != 0 {
			return info.exitStatus(), nil
		}
		timer := time.NewTimer(delay)
		select {
		case <-exited:
		case <-timer.C:
			delay = min(2*delay, 100*time.Millisecond)
		}
		timer.Stop()
	}
}

// childExits is closed, and replaced, at each SIGCHLD this process gets,
// once nextChildExit was first called.
var childExits struct {
	once sync.Once
	mu   sync.Mutex
	next chan struct{}
}

// nextChildExit returns a channel closed at the next SIGCHLD. The signal is
// asked for (signal.Notify) on the first call; any other caller of
// signal.Notify for SIGCHLD still gets it.
func nextChildExit() <-chan struct{} {
	childExits.once.Do(func() {
		childExits.next = make(chan struct{})
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, syscall.SIGCHLD)
		go relayChildExits(sigs)
	})
	childExits.mu.Lock()
	defer childExits.mu.Unlock()
	return childExits.next
}

// relayChildExits closes childExits.next at each signal of sigs, for the
// life of the process.
func relayChildExits(sigs <-chan os.Signal) {
	for range sigs {
		childExits.mu.Lock()
		close(childExits.next)
		childExits.next = make(chan struct{})
		childExits.mu.Unlock()
	}
}

func (c *child) signal(sig syscall.Signal) error {
	if c.pidfd == nil {
		// Not reaped before release: the pid is still the child's.
		return ignoreESRCH(unix.Kill(c.pid, sig))
	}
	conn, err := c.pidfd.SyscallConn()
	if err != nil {
		return err
	}
	var sigErr error
	err = conn.Control(func(fd uintptr) {
		sigErr = unix.PidfdSendSignal(int(fd), sig, nil, 0)
	})
	if err != nil {
		if errors.Is(err, os.ErrClosed) {
			return nil // released: long gone
		}
		return err
	}
	if errors.Is(sigErr, unix.ESRCH) {
		return nil
	}
	return sigErr
}

// signalGroup signals the child's process group, whose id is the child's
// pid: safe while the child is unreaped.
func (c *child) signalGroup(sig syscall.Signal) error {
	return ignoreESRCH(unix.Kill(-c.pid, sig))
}

// ignoreESRCH returns err unless it says there was no process to signal.
func ignoreESRCH(err error) error {
	if errors.Is(err, unix.ESRCH) {
		return nil
	}
	return err
}

func (c *child) release() error {
	if c.pidfd == nil {
		var info siginfo
		var ru unix.Rusage
		var err error = unix.EINTR
		for errors.Is(err, unix.EINTR) {
			err = waitidUsage(unix.P_PID, uintptr(c.pid), &info, unix.WEXITED|unix.WNOHANG, &ru)
		}
		if err == nil && info.Pid != 0 {
			c.used = rusageOf(&ru)
		}
		return err
	}
	conn, err := c.pidfd.SyscallConn()
	if err != nil {
		return err
	}
	var releaseErr error
	err = conn.Control(func(fd uintptr) {
		var info siginfo
		var ru unix.Rusage
		for {
			releaseErr = waitidUsage(unix.P_PIDFD, fd, &info, unix.WEXITED|unix.WNOHANG, &ru)
			if !errors.Is(releaseErr, unix.EINTR) {
				break
			}
		}
		if releaseErr == nil && info.Pid != 0 {
			c.used = rusageOf(&ru)
		}
	})
	if err != nil && releaseErr == nil {
		releaseErr = err
	}
	if err := c.pidfd.Close(); err != nil && releaseErr == nil {
		releaseErr = err
	}
	return releaseErr
}

// siginfo is the SIGCHLD layout of the kernel's siginfo_t (128 bytes):
// three ints, then a union aligned like a pointer.
type siginfo struct {
	Signo  int32
	Errno  int32
	Code   int32
	_      [unsafe.Sizeof(uintptr(0)) - 4]byte
	Pid    int32
	UID    uint32
	Status int32
	_      [128 - 3*4 - (unsafe.Sizeof(uintptr(0)) - 4) - 3*4]byte
}

func (info *siginfo) exitStatus() ExitStatus {
	if info.Code == cldExited {
		return ExitStatus{Code: int(info.Status)}
	}
	return ExitStatus{Code: -1, Signal: syscall.Signal(info.Status)}
}

// waitStatus converts a status as from waitpid.
func waitStatus(raw int32) ExitStatus {
	ws := syscall.WaitStatus(raw)
	if ws.Signaled() {
		return ExitStatus{Code: -1, Signal: ws.Signal()}
	}
	return ExitStatus{Code: ws.ExitStatus()}
}

func waitid(pidfd uintptr, info *siginfo, options int) error {
	return waitidUsage(unix.P_PIDFD, pidfd, info, options, nil)
}

// waitidUsage is waitid(2) of the child id names (idtype P_PIDFD or P_PID)
// that also fills ru, when not nil, with the resources the child used,
// its reaped descendants' included.
func waitidUsage(idtype int, id uintptr, info *siginfo, options int, ru *unix.Rusage) error {
	_, _, errno := unix.Syscall6(unix.SYS_WAITID, uintptr(idtype), id, uintptr(unsafe.Pointer(info)), uintptr(options), uintptr(unsafe.Pointer(ru)), 0)
	if errno != 0 {
		return errno
	}
	return nil
}

// rusageOf converts what wait reported: Linux counts ru_maxrss in KiB.
func rusageOf(ru *unix.Rusage) Usage {
	return Usage{
		CPUTime:    time.Duration(ru.Utime.Nano() + ru.Stime.Nano()),
		PeakMemory: uint64(ru.Maxrss) * 1024,
	}
}

// cldExited is si_code for a child that called exit (CLD_EXITED).
const cldExited = 1
