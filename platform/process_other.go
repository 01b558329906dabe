//go:build !linux && !windows && !darwin

package platform

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"syscall"
)

// errUnsupported is what every operation returns until this operating
// system has its own containment layer.
var errUnsupported = fmt.Errorf("procman does not support %s yet: %w", runtime.GOOS, errors.ErrUnsupported)

// Process is a started program and its tree. On this operating system
// none can be started yet.
type Process struct {
	// Pid is the program's process id.
	Pid int
}

// Start returns an error wrapping errors.ErrUnsupported.
func Start(Spec) (*Process, error) { return nil, errUnsupported }

// Wait returns an error wrapping errors.ErrUnsupported.
func (*Process) Wait() (ExitStatus, error) { return ExitStatus{}, errUnsupported }

// Signal returns an error wrapping errors.ErrUnsupported.
func (*Process) Signal(syscall.Signal) error { return errUnsupported }

// SignalTree returns an error wrapping errors.ErrUnsupported.
func (*Process) SignalTree(syscall.Signal) error { return errUnsupported }

// Members returns an error wrapping errors.ErrUnsupported.
func (*Process) Members() ([]int, error) { return nil, errUnsupported }

// Gone returns a channel that is never closed.
func (*Process) Gone() <-chan struct{} { return nil }

// Release returns an error wrapping errors.ErrUnsupported.
func (*Process) Release() error { return errUnsupported }

// Usage is the zero Usage: nothing is started here.
func (*Process) Usage() Usage { return Usage{} }

// CloseOnExecAbove2 does nothing on this operating system yet.
func CloseOnExecAbove2() error { return nil }

// ProtectHost does nothing on this operating system yet.
func ProtectHost() error { return nil }

// PrepareCommand returns an error wrapping errors.ErrUnsupported and
// leaves cmd as it was.
func PrepareCommand(*exec.Cmd, *os.File) error { return errUnsupported }

// Spawner starts nothing on this operating system yet.
type Spawner struct{}

// NewSpawner returns an error wrapping errors.ErrUnsupported.
func NewSpawner(SpawnerOptions) (*Spawner, error) { return nil, errUnsupported }

// DetectContainment returns an error wrapping errors.ErrUnsupported.
func DetectContainment(SpawnerOptions) (Containment, error) { return Containment{}, errUnsupported }

// Containment reports nothing on this operating system yet.
func (*Spawner) Containment() Containment { return Containment{} }

// Mechanism reports nothing on this operating system yet.
func (*Spawner) Mechanism() (Mechanism, bool) { return Automatic, false }

// Start returns an error wrapping errors.ErrUnsupported.
func (*Spawner) Start(context.Context, Spec) (*Process, error) { return nil, errUnsupported }

// Close does nothing.
func (*Spawner) Close() {}

// HostName is how this process names what it leaves on the system.
func HostName() (string, error) { return strconv.Itoa(os.Getpid()), nil }

// CgroupSweepDirs returns nil: this operating system has no cgroups here.
func CgroupSweepDirs() []string { return nil }
