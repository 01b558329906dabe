package platform

import (
	"fmt"
	"os"
	"syscall"
	"time"
)

// Spec describes a process to start. Every field is used as given: Path must
// be absolute and Env is the complete environment.
type Spec struct {
	Path string   // absolute path of the program
	Args []string // argv, program name first
	Dir  string   // working directory
	Env  []string // complete environment, "KEY=value"

	// Stdin, Stdout and Stderr become the child's descriptors 0, 1 and 2.
	// They must not be nil. The child gets no other descriptor of the host.
	Stdin, Stdout, Stderr *os.File

	// ExtraFiles become descriptors 3, 4, ... of the child started by
	// Start, or by a Spawner under ProcessGroup; procman-init passes a
	// program only 0, 1 and 2.
	ExtraFiles []*os.File

	// NewSession starts the child in a session of its own (setsid), away
	// from the host's terminal, instead of only a process group of its own.
	NewSession bool

	// Foreground makes the program's process group the foreground process
	// group of the terminal that is its Stdin, before it runs, as a
	// shell does for a job: it then reads the terminal, and gets the
	// signals of its keys (Ctrl-C, Ctrl-Z). Without a terminal on Stdin,
	// or one of another session, the program runs in the background all
	// the same. Linux only; ignored elsewhere.
	Foreground bool

	inherit []int // descriptors that follow ExtraFiles, not owned by the Spec

	// helper is set for procman-init, which closes the descriptors it
	// inherits beyond its own itself: it is exec'd directly, not through
	// the trampoline (see startChild).
	helper bool
}

// Usage is what the processes of a tree used, as the system accounts for
// them once they are reaped: known after Release.
type Usage struct {
	// CPUTime is the user and system CPU time of the tree's processes
	// that the system counted: under procman-init, which reaps every
	// process of the tree, all of them; under ProcessGroup, the program
	// and the descendants it (or theirs) reaped; on Windows, every
	// process that was in the job.
	CPUTime time.Duration
	// PeakMemory is the largest peak of any one process of the tree, in
	// bytes: its resident set on Linux and macOS, its committed memory on
	// Windows. 0 when the system said nothing.
	PeakMemory uint64
}

// ExitStatus is how a process ended: by exiting with Code, or, when Signal
// is not zero, by that signal.
type ExitStatus struct {
	Code   int
	Signal syscall.Signal
}

func (s ExitStatus) String() string {
	if s.Signal != 0 {
		return fmt.Sprintf("terminated by signal %d (%v)", int(s.Signal), s.Signal)
	}
	return fmt.Sprintf("exited with code %d", s.Code)
}

// ProgramError reports that the program of a Spec could not be run because
// of the program or its Spec: its working directory could not be entered
// (Op "chdir"), or the system refused to execute it (Op "exec": not found,
// not executable, not a program, a missing interpreter, arguments too
// long). Err is the system's error number. Any other error of Start is a
// failure of procman or of the system (out of descriptors, processes or
// memory), not of the program.
type ProgramError struct {
	Op   string // "exec" or "chdir"
	Path string // the program's path, or the directory for "chdir"
	Err  error  // a syscall.Errno
}

func (e *ProgramError) Error() string { return e.Op + " " + e.Path + ": " + e.Err.Error() }

func (e *ProgramError) Unwrap() error { return e.Err }

// execError returns err, the failure of exec'ing path, as a *ProgramError
// when it is the program's fault, and as it is otherwise.
func execError(path string, err error) error {
	switch err {
	case syscall.ENOENT, syscall.ENOTDIR, syscall.EACCES, syscall.EPERM, syscall.ENOEXEC,
		syscall.ELOOP, syscall.ENAMETOOLONG, syscall.ETXTBSY, syscall.EISDIR, syscall.E2BIG:
		return &ProgramError{Op: "exec", Path: path, Err: err}
	}
	return err
}
