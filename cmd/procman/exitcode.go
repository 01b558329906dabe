package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/sdk"
)

// Exit statuses of procman's own, as shells and env(1) use them. Any other
// status is the command's.
const (
	exitUsage         = 2   // bad flags, arguments or configuration
	exitFailure       = 125 // procman itself failed, not the command
	exitNotExecutable = 126 // the command was found but could not be executed
	exitNotFound      = 127 // the command was not found
)

// exitStatus returns the status procman exits with for the command's final
// status: its exit code, or 128+N when signal N ended it.
func exitStatus(st host.Status) int {
	switch st.State {
	case host.Exited:
		return st.ExitCode
	case host.Terminated:
		return 128 + int(st.Signal)
	default:
		return exitFailure
	}
}

// startFailure explains an error of Manager.Start, or of Manager.Explain,
// in one line, and returns the status procman exits with for it: 127 or
// 126 only when the command is at fault, 2 when its configuration is, 125
// when procman or the system failed.
func startFailure(err error) (msg string, status int) {
	var startErr *host.StartError
	switch {
	case errors.Is(err, sdk.ErrCommandNotFound):
		return oneLine(err), exitNotFound
	case errors.Is(err, sdk.ErrNotExecutable):
		return oneLine(err), exitNotExecutable
	case errors.Is(err, sdk.ErrInvalidConfig):
		return oneLine(err), exitUsage
	case !errors.As(err, &startErr) || startErr.Fault == host.HostFault:
		return oneLine(err), exitFailure
	case startErr.Fault == host.ConfigFault:
		return oneLine(err), exitUsage
	case !errors.Is(err, fs.ErrNotExist):
		return oneLine(err), exitNotExecutable
	case !exists(startErr.Command):
		// The program went away since it was resolved.
		return oneLine(err), exitNotFound
	}
	// The program is there, but the system could not find a file it needs
	// to execute it: like bash, report a command that cannot be executed.
	return fmt.Sprintf("cannot execute %s: %s", startErr.Command, missingToExecute(startErr.Command)), exitNotExecutable
}

// oneLine returns err's message on one line: the causes that errors.Join
// puts on lines of their own are separated by "; " instead.
func oneLine(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
