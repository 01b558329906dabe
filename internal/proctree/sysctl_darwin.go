//go:build darwin

package proctree

import (
	"errors"
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

// sysctlReads bounds how many times readSysctl reads a sysctl that keeps
// outgrowing the room the kernel said it needed.
const sysctlReads = 10

// sysctlTable is macOS's process table, read through sysctl. It holds no
// state.
type sysctlTable struct{}

// SystemTable returns the system's process table. On macOS, Procs reads
// the kern.proc.all sysctl, Environ kern.procargs2 (see decodeProcargs2
// for what it can and cannot tell), and a Proc's Start is its start time
// in microseconds since the epoch.
//
// kern.proc.all has no session ids: Procs asks getsid(2) for each live
// process once the table is read, and leaves Sid 0 for a zombie, for the
// kernel (pid 0) and for a process gone by then. A pid reused in between
// gives its old entry the new process's session; Environ and Signal check
// the start time, so that the entry never stands for the new process.
func SystemTable() Table { return sysctlTable{} }

// Procs lists every process, zombies included.
func (sysctlTable) Procs() ([]Proc, error) {
	b, err := readSysctl("kern.proc.all")
	if err != nil {
		return nil, fmt.Errorf("read kern.proc.all: %w", err)
	}
	procs, err := decodeKinfoProcs(b)
	if err != nil {
		return nil, err
	}
	for i := range procs {
		fillSession(&procs[i])
	}
	return procs, nil
}

// Environ reads p's environment, then checks that p's pid still names a
// process with p's start time, so that the environment returned is p's
// and not that of a process that took its pid: ErrGone otherwise. The
// kernel answers a read it refuses (another user's process, a zombie)
// and one of a pid that is gone alike (EINVAL): the check tells them
// apart.
func (sysctlTable) Environ(p Proc) ([]string, error) {
	b, readErr := unix.SysctlRaw("kern.procargs2", p.Pid)
	if err := checkSame(p); err != nil {
		return nil, err
	}
	if readErr != nil {
		return nil, fmt.Errorf("read kern.procargs2 of pid %d: %w", p.Pid, readErr)
	}
	_, env, err := decodeProcargs2(b)
	if err != nil {
		return nil, fmt.Errorf("pid %d: %w", p.Pid, err)
	}
	return env, nil
}

// Signal sends sig to p if p's pid still names a process with p's start
// time, and returns ErrGone otherwise. The pid could still be reused
// between that check and kill(2): macOS has no way to signal a process
// by anything more lasting than its pid.
func (sysctlTable) Signal(p Proc, sig syscall.Signal) error {
	if err := checkSame(p); err != nil {
		return err
	}
	err := unix.Kill(p.Pid, sig)
	if errors.Is(err, unix.ESRCH) {
		return ErrGone
	}
	return err
}

// Lookup returns process pid as the kern.proc.pid sysctl shows it, its
// session filled in as Procs does, or ErrGone if there is no process pid.
func Lookup(pid int) (Proc, error) {
	p, err := lookupKinfo(pid)
	if err != nil {
		return Proc{}, err
	}
	fillSession(&p)
	return p, nil
}

// lookupKinfo returns process pid, without its session, or ErrGone.
func lookupKinfo(pid int) (Proc, error) {
	b, err := readSysctl("kern.proc.pid", pid)
	if err != nil {
		return Proc{}, fmt.Errorf("read kern.proc.pid of pid %d: %w", pid, err)
	}
	procs, err := decodeKinfoProcs(b)
	if err != nil {
		return Proc{}, err
	}
	if len(procs) == 0 {
		return Proc{}, ErrGone
	}
	return procs[0], nil
}

// checkSame returns ErrGone unless p's pid names a process with p's start
// time.
func checkSame(p Proc) error {
	now, err := lookupKinfo(p.Pid)
	if err != nil {
		return err
	}
	if now.Start != p.Start {
		return ErrGone
	}
	return nil
}

// fillSession sets p.Sid from getsid(2) if p is a live process other than
// the kernel, whose pid 0 would make getsid name the caller's session.
func fillSession(p *Proc) {
	if p.Pid <= 0 || p.Zombie {
		return
	}
	if sid, err := unix.Getsid(p.Pid); err == nil {
		p.Sid = sid
	}
}

// readSysctl reads the sysctl name, again while the value outgrows the
// room the kernel said it needed between the two calls of SysctlRaw
// (ENOMEM): kern.proc.all leaves room for five more processes only.
func readSysctl(name string, args ...int) ([]byte, error) {
	for reads := 1; ; reads++ {
		b, err := unix.SysctlRaw(name, args...)
		if !errors.Is(err, unix.ENOMEM) || reads == sysctlReads {
			return b, err
		}
	}
}
