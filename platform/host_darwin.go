package platform

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"

	"github.com/procman-dev/procman/internal/proctree"
)

// Start starts the program described by spec directly, in a new process
// group (or session, with spec.NewSession), with no containment beyond
// that: a Spawner contains the trees it starts. The tree is the process
// group, the sessions and groups its members lead, and their descendants,
// found by scans. When the system refuses to run the program or enter
// spec.Dir, the error is a *ProgramError wrapping the system's error
// number.
//
// Descriptors of this process above 2 are marked close-on-exec first
// (CloseOnExecAbove2), so that the child gets only those of spec, unless
// another goroutine or C code opens one without O_CLOEXEC at that moment.
func Start(spec Spec) (*Process, error) {
	p, _, err := startScanTree(spec, "")
	return p, err
}

// HostName is how this process names what it leaves on the system:
// "<pid>-<starttime>", its pid and its start time in microseconds since
// the epoch, which together name it for good.
func HostName() (string, error) {
	start, err := StartTime(os.Getpid())
	if err != nil {
		return "", err
	}
	return strconv.Itoa(os.Getpid()) + "-" + strconv.FormatUint(start, 10), nil
}

// StartTime returns when process pid started, in microseconds since the
// epoch (kern.proc.pid's p_starttime). A pid and its start time together
// name one process for good: a recycled pid comes with a later start
// time.
func StartTime(pid int) (uint64, error) {
	p, err := proctree.Lookup(pid)
	if err != nil {
		return 0, err
	}
	return p.Start, nil
}

// ProtectHost does nothing on macOS. Processes of the same user may read
// each other's arguments and environment there (kern.procargs2) and
// debug each other only with the debugger entitlement; a program that
// must hide a secret from its children should not keep it in its
// environment.
func ProtectHost() error { return nil }

// PrepareCommand returns an error wrapping errors.ErrUnsupported: macOS
// cannot execute a file by its descriptor, so cmd runs its program by
// path, as it is.
func PrepareCommand(*exec.Cmd, *os.File) error {
	return fmt.Errorf("prepare command: %w: macOS cannot execute a descriptor", errors.ErrUnsupported)
}
