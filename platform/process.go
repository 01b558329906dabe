package platform

import (
	"fmt"
	"os"
	"syscall"
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

	// ExtraFiles become descriptors 3, 4, ... of the child.
	ExtraFiles []*os.File

	// NewSession starts the child in a session of its own (setsid), away
	// from the host's terminal, instead of only a process group of its own.
	NewSession bool
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
