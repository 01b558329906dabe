//go:build !linux

package platform

import (
	"errors"
	"fmt"
	"runtime"
	"syscall"
)

// errUnsupported is what every operation returns until this operating
// system has its own containment layer.
var errUnsupported = fmt.Errorf("procman does not support %s yet: %w", runtime.GOOS, errors.ErrUnsupported)

// Process is a started child. On this operating system none can be started
// yet.
type Process struct {
	// Pid is the child's process id.
	Pid int
}

// Start returns an error wrapping errors.ErrUnsupported.
func Start(Spec) (*Process, error) { return nil, errUnsupported }

// Wait returns an error wrapping errors.ErrUnsupported.
func (*Process) Wait() (ExitStatus, error) { return ExitStatus{}, errUnsupported }

// Signal returns an error wrapping errors.ErrUnsupported.
func (*Process) Signal(syscall.Signal) error { return errUnsupported }

// SignalGroup returns an error wrapping errors.ErrUnsupported.
func (*Process) SignalGroup(syscall.Signal) error { return errUnsupported }

// GroupMembers returns an error wrapping errors.ErrUnsupported.
func (*Process) GroupMembers() ([]int, error) { return nil, errUnsupported }

// Release returns an error wrapping errors.ErrUnsupported.
func (*Process) Release() error { return errUnsupported }

// CloseOnExecAbove2 does nothing on this operating system yet.
func CloseOnExecAbove2() error { return nil }
