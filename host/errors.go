package host

import (
	"errors"
	"fmt"
)

var (
	// ErrNotFound is returned for a handle the Manager does not know.
	ErrNotFound = errors.New("no process with this handle")

	// ErrClosed is returned by Start once Close has been called, and by a
	// Start that Close cut short.
	ErrClosed = errors.New("manager is closed")

	// ErrActive is returned by Forget for a process that still runs.
	ErrActive = errors.New("process is still active")

	// ErrStarting is returned by Signal for a process whose Start has not
	// finished: there is no process to signal yet.
	ErrStarting = errors.New("process is still starting")
)

// StartError reports that a valid configuration could not be started.
// Fault says whose failure it is, and so who can remedy it; Err is the
// cause. When the system gave an error number (syscall.ENOENT,
// syscall.EACCES, syscall.EMFILE, ...), Err wraps it, so errors.Is works
// with it.
type StartError struct {
	Handle  Handle // the handle whose Status is now Failed
	Command string // the resolved program path
	Fault   Fault  // whose failure it is: the program's, the config's or the host's
	Err     error
}

func (e *StartError) Error() string {
	return fmt.Sprintf("start %s: %v", e.Command, e.Err)
}

func (e *StartError) Unwrap() error { return e.Err }

// A Fault says whose failure a StartError is.
type Fault int

const (
	// HostFault is a failure of the Manager or of the system, not of the
	// config: out of descriptors, processes or memory, containment that
	// could not be set up, a Manager that cannot start anything (see
	// WithContainment and WithStopGracePeriod), or a start cut short by its
	// ctx or by Close (Err is then ctx's error, or ErrClosed). The same
	// config may start another time.
	HostFault Fault = iota

	// ProgramFault is the system's refusal to execute the program: not
	// found, not executable, not a format it can run, a missing
	// interpreter or dynamic loader, arguments too long.
	ProgramFault

	// ConfigFault is a config that could not be used as given: its Dir
	// could not be entered, or its LogFile could not be opened.
	ConfigFault
)

func (f Fault) String() string {
	switch f {
	case HostFault:
		return "host"
	case ProgramFault:
		return "program"
	case ConfigFault:
		return "config"
	}
	return fmt.Sprintf("Fault(%d)", int(f))
}

func notFound(h Handle) error {
	return fmt.Errorf("handle %s: %w", h, ErrNotFound)
}
