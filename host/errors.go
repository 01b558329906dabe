package host

import (
	"errors"
	"fmt"
)

var (
	// ErrNotFound is returned for a handle the Manager does not know.
	ErrNotFound = errors.New("no process with this handle")

	// ErrClosed is returned by Start once Close has been called.
	ErrClosed = errors.New("manager is closed")

	// ErrActive is returned by Forget for a process that still runs.
	ErrActive = errors.New("process is still active")
)

// StartError reports that a valid configuration could not be started: the
// operating system refused to run the program. Err is the cause; for a
// refused exec it wraps the system's error number (syscall.ENOENT,
// syscall.EACCES, syscall.ENOEXEC, ...), so errors.Is works with those.
type StartError struct {
	Handle  Handle // the handle whose Status is now Failed
	Command string // the resolved program path
	Err     error
}

func (e *StartError) Error() string {
	return fmt.Sprintf("start %s: %v", e.Command, e.Err)
}

func (e *StartError) Unwrap() error { return e.Err }

func notFound(h Handle) error {
	return fmt.Errorf("handle %s: %w", h, ErrNotFound)
}
