package platform

import (
	"fmt"
	"os"
	"sync"
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

	// Credential, when not nil, is who the program runs as: its user, its
	// group and its supplementary groups. Changing them needs privilege
	// (CAP_SETUID, CAP_SETGID). Linux only.
	Credential *Credential

	// NoNewPrivileges keeps the program, and everything it starts, from
	// gaining privileges through exec (set-user-ID programs, file
	// capabilities): PR_SET_NO_NEW_PRIVS. Linux only.
	NoNewPrivileges bool

	// Rlimits are set on the program before it runs, and inherited by what
	// it starts. Linux only.
	Rlimits []Rlimit

	// Nice, when not nil, is the program's nice value (-20 to 19). Linux
	// only.
	Nice *int

	// Limits bound what the whole tree uses together, through cgroups of
	// its own: see Limits. Linux only, under a procman-init.
	Limits Limits

	// ClosesDescriptors says the program closes, first thing, every
	// descriptor it inherits beyond those of the Spec, as procman's reaper
	// does: on Linux, when this process starts it (Start, or a Spawner of
	// ProcessGroup), it is then exec'd directly, instead of through
	// procman-init's exec mode (a trampoline that closes them for it),
	// which costs an exec more. It is ignored with Credential or a limit,
	// which the trampoline sets, and on other systems.
	ClosesDescriptors bool

	inherit []int // descriptors that follow ExtraFiles, not owned by the Spec

	// helper is set for procman-init, which closes the descriptors it
	// inherits beyond its own itself: it is exec'd directly, not through
	// the trampoline (see startChild).
	helper bool
}

// Credential is a user, a group and supplementary groups, by id.
type Credential struct {
	UID, GID uint32
	Groups   []uint32 // all of them: none when empty
	// KeepGroups keeps the supplementary groups as they are, instead of
	// Groups.
	KeepGroups bool
}

// Rlimit is one resource limit of setrlimit(2): Resource is its number
// (unix.RLIMIT_NOFILE, ...) and Name what errors call it ("NOFILE"), Soft
// and Hard its values, RlimInfinity for none.
type Rlimit struct {
	Name       string
	Resource   int
	Soft, Hard uint64
}

// RlimInfinity is the value of an Rlimit with no limit.
const RlimInfinity = ^uint64(0)

// Limits bound what a tree uses, all of its processes together. The zero
// value sets no limit. They are written into cgroups the tree is in from
// its start: its own cgroup v2 where the controllers are in the cgroup v2
// hierarchy, cgroup v1 directories of its own where they are v1
// hierarchies (memory, cpu and pids).
type Limits struct {
	// Memory is the most memory, in bytes, the tree may use, swap
	// included; beyond it the kernel reclaims, then its OOM killer ends a
	// process of the tree. 0: no limit.
	Memory int64
	// CPU is how much CPU time the tree may use per unit of time, in
	// CPUs: 0.5 is half of one CPU, 2 two of them. 0: no limit.
	CPU float64
	// Tasks is the most processes and threads the tree may have at once,
	// the program's first; forks beyond fail. procman-init's own are not
	// counted. 0: no limit.
	Tasks int
}

// IsZero reports whether l sets no limit.
func (l Limits) IsZero() bool { return l == Limits{} }

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
	// OOMKills is how many of the tree's processes the kernel's OOM killer
	// ended because the tree reached its Limits.Memory.
	OOMKills int
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
// (Op "chdir"), the system refused to execute it (Op "exec": not found,
// not executable, not a program, a missing interpreter, arguments too
// long), or refused the credentials or limits the Spec asks for (Op
// "setrlimit", "setpriority", "setgroups", "setgid", "setuid" or
// "no_new_privs"). Err is the system's error number. Any other error of
// Start is a failure of procman or of the system (out of descriptors,
// processes or memory), not of the program.
type ProgramError struct {
	Op   string // "exec", "chdir", or the step that set up the program
	Path string // the program's path, the directory for "chdir", what the step set
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

// DevNull returns the null device (os.DevNull), open for reading and
// writing, for a Spec's standard descriptors: opened once for the process
// and never closed, so that a start does not pay for opening it. The file
// is shared: do not close it.
func DevNull() (*os.File, error) { return devNull() }

var devNull = sync.OnceValues(func() (*os.File, error) { return os.OpenFile(os.DevNull, os.O_RDWR, 0) })
