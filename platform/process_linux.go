package platform

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Process is a started program and the tree of processes it starts.
//
// How the tree is held together depends on the Spawner's mechanism: a
// procman-init parent that alone signals and reaps the tree's processes (PID
// 1 of a PID namespace, or a subreaper, in a cgroup of its own or not), or
// only a process group. In every case nothing is ever signalled by a pid
// that could have been recycled: procman-init signals only its own
// descendants and namespace, and a program started directly stays an
// unreaped zombie until Release.
type Process struct {
	// Pid is the program's process id, as this process sees it.
	Pid int

	child *child    // the program itself, when it is the host's child
	init  *initProc // its procman-init, otherwise

	exited chan struct{} // init: closed once the program's exit is known
	exit   ExitStatus
	err    error

	goneOnce sync.Once
	gone     chan struct{} // closed once no process of the tree is left

	releaseOnce sync.Once
	releaseErr  error
}

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

func start(spec Spec, cgroupFD int) (*Process, error) {
	c, err := startChild(spec, cgroupFD)
	if err != nil {
		return nil, err
	}
	return &Process{Pid: c.pid, child: c, gone: make(chan struct{})}, nil
}

// Wait blocks until the program has exited and returns how it ended. It
// holds no OS thread while it waits. Wait may be called by one goroutine at
// a time.
func (p *Process) Wait() (ExitStatus, error) {
	if p.child != nil {
		return p.child.wait()
	}
	<-p.exited
	return p.exit, p.err
}

// Signal sends sig to the program only. Signalling a program that has
// exited is not an error.
func (p *Process) Signal(sig syscall.Signal) error {
	if p.child != nil {
		return p.child.signal(sig)
	}
	select {
	case <-p.exited:
		return nil
	default:
	}
	return p.init.sendIfOpen(msgSignal, int32(sig))
}

// SignalTree sends sig to every process of the tree. A tree with no process
// left is not an error. It is how a stop begins, and each stop signals each
// process once: under a procman-init, the first signal other than SIGKILL
// is the tree's stop signal, and once it was sent (or the init began a stop
// of its own, its host gone) any later one is dropped; SIGKILL always goes
// through.
func (p *Process) SignalTree(sig syscall.Signal) error {
	if p.init != nil {
		return p.init.sendIfOpen(msgSignalTree, int32(sig))
	}
	return p.child.signalGroup(sig)
}

// Members returns the pids of the tree's live processes, the program
// included while it runs; procman's own processes are not among them.
func (p *Process) Members() ([]int, error) {
	if p.init != nil {
		return liveDescendants(p.init.pid)
	}
	return groupMembers(p.Pid)
}

// Gone returns a channel that is closed once no process of the tree is
// left.
func (p *Process) Gone() <-chan struct{} {
	p.goneOnce.Do(func() {
		if p.init != nil {
			return // closed by the init's watcher
		}
		go p.watchTree()
	})
	return p.gone
}

// watchTree closes gone once the program has exited and its process
// group is empty, by polling.
func (p *Process) watchTree() {
	defer close(p.gone)
	p.child.wait()
	interval := time.Millisecond
	for {
		if members, err := groupMembers(p.Pid); err == nil && len(members) == 0 {
			return
		}
		time.Sleep(interval)
		interval = min(2*interval, 100*time.Millisecond)
	}
}

// Release frees what the process holds once its tree is gone: it reaps the
// program, closes descriptors, removes the cgroup. After Release the pid
// may be reused by the system: the Process must not be signalled again.
func (p *Process) Release() error {
	p.releaseOnce.Do(func() {
		if p.child != nil {
			p.releaseErr = p.child.release()
		} else {
			p.releaseErr = p.init.free()
		}
	})
	return p.releaseErr
}

// child is a process started by this one: its pidfd is pollable, so
// waiting parks a goroutine, not an OS thread, and it is never reaped
// before release, so its pid and process group id cannot be recycled while
// it is held.
type child struct {
	pid   int
	pidfd *os.File
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
		exe, err := initExecutable()
		if err == nil {
			if report, err = newExecReport(); err != nil {
				return nil, err
			}
			defer report.close()
			path, args, files = trampoline(exe, path, args, files, uintptr(report.w))
		} else if err := CloseOnExecAbove2(); err != nil {
			return nil, fmt.Errorf("mark descriptors close-on-exec: %w", err)
		}
	}
	if report == nil {
		path, files = passPath(path, files)
	}
	pidfd := -1
	attr := &syscall.ProcAttr{
		Dir:   spec.Dir,
		Env:   spec.Env,
		Files: files,
		Sys: &syscall.SysProcAttr{
			Setpgid:     !spec.NewSession,
			Setsid:      spec.NewSession,
			PidFD:       &pidfd,
			UseCgroupFD: cgroupFD >= 0,
			CgroupFD:    max(cgroupFD, 0),
		},
	}
	pid, err := syscall.ForkExec(path, args, attr)
	runtime.KeepAlive(spec)
	if err != nil {
		return nil, forkExecError(spec, err, report != nil)
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
		errno, err := report.result()
		if errno != 0 {
			err = execError(spec.Path, errno)
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

func (c *child) wait() (ExitStatus, error) {
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

func (c *child) signal(sig syscall.Signal) error {
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
	err := unix.Kill(-c.pid, sig)
	if errors.Is(err, unix.ESRCH) {
		return nil
	}
	return err
}

func (c *child) release() error {
	conn, err := c.pidfd.SyscallConn()
	if err != nil {
		return err
	}
	var releaseErr error
	err = conn.Control(func(fd uintptr) {
		var info siginfo
		for {
			releaseErr = waitid(fd, &info, unix.WEXITED|unix.WNOHANG)
			if !errors.Is(releaseErr, unix.EINTR) {
				return
			}
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
	_, _, errno := unix.Syscall6(unix.SYS_WAITID, unix.P_PIDFD, pidfd, uintptr(unsafe.Pointer(info)), uintptr(options), 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

// cldExited is si_code for a child that called exit (CLD_EXITED).
const cldExited = 1
