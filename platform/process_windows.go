package platform

import (
	"os"
	"strconv"
	"sync"
	"syscall"

	"golang.org/x/sys/windows"
)

// Process is a started program and the tree of processes it starts: the
// members of its Job Object (job_windows.go). Nothing is ever signalled
// by a pid that could have been recycled: the program's handle is held
// until Release, and other members are opened, and checked to be members,
// before a graceful stop addresses them.
type Process struct {
	// Pid is the program's process id.
	Pid int

	tree *jobTree

	releaseOnce sync.Once
	releaseErr  error
}

// Wait blocks until the program has exited and returns how it ended: its
// exit code, or, when procman ended it while it ran (SignalTree or Signal
// with SIGKILL), Signal SIGKILL; the code such a program exits with is 1,
// and a program that exits with 1 at the very moment procman kills it is
// reported as killed. A console program ended by the default handler of
// the CTRL_BREAK_EVENT a graceful stop sent is reported as ended by that
// stop's signal. Wait holds no OS thread of its own while it waits (one
// goroutine follows every job). Wait may be called by one goroutine at a
// time.
func (p *Process) Wait() (ExitStatus, error) { return p.tree.wait() }

// Signal sends sig to the program only. Windows has no signals: SIGKILL
// ends the program with TerminateProcess; SIGTERM and SIGINT ask it to
// end, as SignalTree does, by CTRL_BREAK_EVENT to its console process
// group (which its console children that did not leave the group share)
// and WM_CLOSE to its own top-level windows; any other signal is an error
// wrapping errors.ErrUnsupported. Signalling a program that has exited is
// not an error.
func (p *Process) Signal(sig syscall.Signal) error { return p.tree.signal(sig) }

// SignalTree sends sig to every process of the tree. SIGKILL ends them all
// at once with TerminateJobObject. SIGTERM and SIGINT ask them to end:
// CTRL_BREAK_EVENT to the program's console process group, when the
// program shares the host's console (the host has one), and WM_CLOSE to
// every top-level window of every member; a member that has neither a
// window nor a place in that group is not asked, and ends only by a
// SIGKILL after the caller's grace. Any other signal is an error wrapping
// errors.ErrUnsupported. A tree with no process left is not an error.
func (p *Process) SignalTree(sig syscall.Signal) error { return p.tree.signalTree(sig) }

// Members returns the pids of the tree's live processes, the program
// included while it runs; the console host (conhost.exe) that Windows
// starts for a program's console is not among them, though Gone waits for
// it too.
func (p *Process) Members() ([]int, error) { return p.tree.members() }

// Gone returns a channel that is closed once no process of the tree is
// left, or once the Process is released.
func (p *Process) Gone() <-chan struct{} { return p.tree.gone() }

// Usage returns what the job's processes used, as the job accounted for
// it when Release closed it; before Release, the zero Usage.
func (p *Process) Usage() Usage { return p.tree.usage() }

// Release closes the job and the program's handle. Closing the job ends
// whatever of the tree still runs, so it is meant for a tree that is
// gone. After Release the pid may be reused by the system: the Process
// must not be signalled again (doing so does nothing), and a Wait that
// has not returned returns an error.
func (p *Process) Release() error {
	p.releaseOnce.Do(func() { p.releaseErr = p.tree.release() })
	return p.releaseErr
}

// Start starts the program described by spec in a Job Object of its own,
// as a Spawner does: on Windows, containment costs nothing more than the
// job. When the system refuses to run the program or to use spec.Dir, the
// error is a *ProgramError (Op "exec" or "chdir") wrapping the system's
// error number (windows.ERROR_FILE_NOT_FOUND, ERROR_ACCESS_DENIED,
// ERROR_BAD_EXE_FORMAT, ...). spec.ExtraFiles is not supported.
//
// The program is started with CREATE_NEW_PROCESS_GROUP, so that a console
// control event can address it alone, and shares the host's console when
// the host has one and spec.NewSession is not set; otherwise it gets a
// console without a window (CREATE_NO_WINDOW). It inherits copies of
// spec's three files and no other handle, and spec.Args are quoted as
// CommandLineToArgvW and the C runtime parse them (windows.EscapeArg).
func Start(spec Spec) (*Process, error) { return startInJob(spec) }

// HostName is how this process names what it leaves on the system:
// "<pid>-<creation time>", the creation time in 100-nanosecond intervals
// since 1601 (a FILETIME), so that a recycled pid gives another name.
func HostName() (string, error) {
	var creation, exit, kernel, user windows.Filetime
	if err := windows.GetProcessTimes(windows.CurrentProcess(), &creation, &exit, &kernel, &user); err != nil {
		return "", err
	}
	t := uint64(creation.HighDateTime)<<32 | uint64(creation.LowDateTime)
	return strconv.Itoa(os.Getpid()) + "-" + strconv.FormatUint(t, 10), nil
}
