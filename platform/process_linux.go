package platform

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Process is a started child that leads its own process group.
//
// The child is never reaped before Release: while it is an unreaped zombie
// its pid, and so its process group id, cannot be given to another process,
// which makes signalling the group race-free for as long as the Process is
// held.
type Process struct {
	// Pid is the child's process id, which is also its process group id.
	Pid int

	pidfd *os.File // pollable, owned by the Process; closed by Release

	releaseOnce sync.Once
	releaseErr  error
}

// Start starts the program described by spec in a new process group. When
// the system refuses to run it, the error is the system's error number
// (syscall.ENOENT, syscall.EACCES, syscall.ENOEXEC, ...).
//
// So that the child gets no descriptor but its three, Start marks every
// descriptor of the calling process above 2 close-on-exec. A program that
// wants a descriptor inherited by another child must pass it explicitly (as
// os/exec's ExtraFiles does), not by leaving it open across exec.
func Start(spec Spec) (*Process, error) {
	if err := CloseOnExecAbove2(); err != nil {
		return nil, fmt.Errorf("mark descriptors close-on-exec: %w", err)
	}
	pidfd := -1
	attr := &syscall.ProcAttr{
		Dir:   spec.Dir,
		Env:   spec.Env,
		Files: []uintptr{spec.Stdin.Fd(), spec.Stdout.Fd(), spec.Stderr.Fd()},
		Sys: &syscall.SysProcAttr{
			Setpgid: true,
			PidFD:   &pidfd,
		},
	}
	pid, err := syscall.ForkExec(spec.Path, spec.Args, attr)
	runtime.KeepAlive(spec.Stdin)
	runtime.KeepAlive(spec.Stdout)
	runtime.KeepAlive(spec.Stderr)
	if err != nil {
		return nil, err // the errno; the caller knows which program it was
	}
	if pidfd < 0 {
		// Every kernel procman supports (5.3+) hands out pidfds at clone.
		return nil, fmt.Errorf("fork/exec %s: kernel returned no pidfd for pid %d", spec.Path, pid)
	}
	// Non-blocking makes os.NewFile register the pidfd with the runtime's
	// poller, so that Wait parks a goroutine instead of an OS thread.
	if err := unix.SetNonblock(pidfd, true); err != nil {
		return nil, fmt.Errorf("pidfd of pid %d: %w", pid, err)
	}
	return &Process{Pid: pid, pidfd: os.NewFile(uintptr(pidfd), fmt.Sprintf("pidfd:%d", pid))}, nil
}

// Wait blocks until the process has exited and returns how it ended. It
// holds no OS thread while it waits, and leaves the process unreaped: call
// Release once the process group is no longer needed. Wait may be called
// by one goroutine at a time.
func (p *Process) Wait() (ExitStatus, error) {
	conn, err := p.pidfd.SyscallConn()
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

// Signal sends sig to the process itself (not its group). Signalling a
// process that has exited but is not yet released is not an error.
func (p *Process) Signal(sig syscall.Signal) error {
	conn, err := p.pidfd.SyscallConn()
	if err != nil {
		return err
	}
	var sigErr error
	err = conn.Control(func(fd uintptr) {
		sigErr = unix.PidfdSendSignal(int(fd), sig, nil, 0)
	})
	if err != nil {
		return err
	}
	if errors.Is(sigErr, unix.ESRCH) {
		return nil
	}
	return sigErr
}

// SignalGroup sends sig to every process of the group. A group with no
// process left is not an error.
func (p *Process) SignalGroup(sig syscall.Signal) error {
	err := unix.Kill(-p.Pid, sig)
	if errors.Is(err, unix.ESRCH) {
		return nil
	}
	return err
}

// GroupMembers returns the pids of the group's live processes; an exited
// leader that is not yet released is not among them.
func (p *Process) GroupMembers() ([]int, error) {
	return groupMembers(p.Pid)
}

// Release reaps the exited process and frees its resources. After Release
// the pid may be reused by the system, so neither Signal nor SignalGroup
// may be called again. Release must only be called after Wait returned.
func (p *Process) Release() error {
	p.releaseOnce.Do(func() {
		conn, err := p.pidfd.SyscallConn()
		if err != nil {
			p.releaseErr = err
			return
		}
		err = conn.Control(func(fd uintptr) {
			var info siginfo
			for {
				p.releaseErr = waitid(fd, &info, unix.WEXITED|unix.WNOHANG)
				if !errors.Is(p.releaseErr, unix.EINTR) {
					return
				}
			}
		})
		if err != nil && p.releaseErr == nil {
			p.releaseErr = err
		}
		if err := p.pidfd.Close(); err != nil && p.releaseErr == nil {
			p.releaseErr = err
		}
	})
	return p.releaseErr
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

func waitid(pidfd uintptr, info *siginfo, options int) error {
	_, _, errno := unix.Syscall6(unix.SYS_WAITID, unix.P_PIDFD, pidfd, uintptr(unsafe.Pointer(info)), uintptr(options), 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

// cldExited is si_code for a child that called exit (CLD_EXITED).
const cldExited = 1
