package host

import (
	"fmt"
	"syscall"
	"time"
)

// State is where a process is in its life.
type State int

const (
	// Starting: the handle exists; the process is being spawned.
	Starting State = iota
	// Running: the process runs with Status.PID.
	Running
	// RunningDetached: the process itself has ended (Status.ExitCode, or
	// Status.Signal when a signal ended it), but processes it started live
	// on (Status.Descendants): a daemon that forked into the background.
	// It becomes Exited or Terminated when the last of them is gone.
	RunningDetached
	// Exited: the process exited by itself with Status.ExitCode.
	Exited
	// Terminated: the process was ended by Status.Signal.
	Terminated
	// Failed: the process could not be started; Status.Err says why.
	Failed
)

var stateNames = [...]string{"starting", "running", "running-detached", "exited", "terminated", "failed"}

func (s State) String() string {
	if s < 0 || int(s) >= len(stateNames) {
		return fmt.Sprintf("State(%d)", int(s))
	}
	return stateNames[s]
}

// Status is a snapshot of one process. Which fields are meaningful depends
// on State, as each field's comment says.
type Status struct {
	State State

	// PID is the process id: set from Running on, and kept afterwards so that
	// logs can name the process that was.
	PID int

	// ExitCode is the code the process exited with (Exited, and
	// RunningDetached when it exited).
	ExitCode int

	// Signal is the signal that ended the process (Terminated, and
	// RunningDetached when a signal ended it).
	Signal syscall.Signal

	// Descendants are the pids of the processes that live on after the
	// process itself ended (RunningDetached), as of the snapshot.
	Descendants []int

	// StartedAt is when the process started (Running and later).
	StartedAt time.Time

	// EndedAt is when the process was seen to end (Exited, Terminated,
	// Failed).
	EndedAt time.Time

	// Err says why the process could not be started (Failed).
	Err error

	// CPUTime is the user and system CPU time the tree used, and
	// PeakMemory the largest peak of any one of its processes in bytes
	// (resident set on Linux and macOS, committed memory on Windows), as
	// the system accounted for them when the tree was gone (Exited,
	// Terminated; 0 before). Under procman-init, which reaps every process
	// of the tree, and on Windows, they count every process; under
	// ProcessGroup, the program and what it (or its descendants) reaped.
	CPUTime    time.Duration
	PeakMemory uint64

	// OOMKills is how many processes of the tree the kernel's OOM killer
	// ended because the tree reached its memory limit (the config's
	// Limits.Memory), as the tree's cgroup counted them when the tree was
	// gone (Exited, Terminated; 0 before). OOMKilled tells whether the
	// process itself was one.
	OOMKills int

	// StopRequested is set once a stop was asked for (Stop, StopWithSignal,
	// Kill, Close, or the end of the main process under
	// WithExitWithMain), and kept: a Terminated process without it was
	// ended by a signal procman did not send.
	StopRequested bool

	// Unresponsive is set when the process, or a process of its tree, was
	// still alive at the end of the stop grace period and had to be killed.
	// UnresponsiveReason says which processes and after how long.
	Unresponsive       bool
	UnresponsiveReason string
}

// OOMKilled reports whether the kernel's OOM killer ended the process
// itself at its memory limit, as far as can be told: SIGKILL ended it, and
// the tree's cgroup counted an OOM kill. (The kernel does not say which
// process it killed; it picks the largest.)
func (s Status) OOMKilled() bool {
	return s.State == Terminated && s.Signal == syscall.SIGKILL && s.OOMKills > 0
}

// Done reports whether the process has ended: Exited, Terminated or Failed.
func (s Status) Done() bool { return s.State >= Exited }

func (s Status) String() string {
	var text string
	switch s.State {
	case Running:
		text = fmt.Sprintf("running (pid %d)", s.PID)
	case RunningDetached:
		how := fmt.Sprintf("exited with code %d", s.ExitCode)
		if s.Signal != 0 {
			how = fmt.Sprintf("terminated by signal %d (%v)", int(s.Signal), s.Signal)
		}
		text = fmt.Sprintf("running detached: pid %d %s, descendants %v live on", s.PID, how, s.Descendants)
	case Exited:
		text = fmt.Sprintf("exited with code %d", s.ExitCode)
	case Terminated:
		text = fmt.Sprintf("terminated by signal %d (%v)", int(s.Signal), s.Signal)
	case Failed:
		text = fmt.Sprintf("failed: %v", s.Err)
	default:
		text = s.State.String()
	}
	if s.StopRequested && !s.Done() {
		text += "; stopping"
	}
	if s.Unresponsive {
		text += "; unresponsive: " + s.UnresponsiveReason
	}
	return text
}
