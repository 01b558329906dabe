package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

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
	case !errors.Is(err, syscall.ENOENT):
		return oneLine(err), exitNotExecutable
	}
	// The system could not find the program it was to execute: either the
	// file went away since it was resolved, or the kernel could not find
	// the interpreter the file asks for. Like bash, report the second as a
	// command that cannot be executed.
	if !exists(startErr.Command) {
		return oneLine(err), exitNotFound
	}
	if interp := interpreter(startErr.Command); interp != "" && !exists(interp) {
		return fmt.Sprintf("cannot execute %s: its interpreter %s does not exist", startErr.Command, interp), exitNotExecutable
	}
	return fmt.Sprintf("cannot execute %s: an interpreter it needs (#! line or dynamic loader) does not exist", startErr.Command), exitNotExecutable
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

// interpreter returns the interpreter named on the "#!" line of the file at
// path, or "" when there is none.
func interpreter(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	// Linux reads at most 256 bytes of a "#!" line.
	line, _ := bufio.NewReader(io.LimitReader(f, 256)).ReadString('\n')
	rest, ok := strings.CutPrefix(line, "#!")
	if !ok {
		return ""
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 {
		return ""
	}
	return fields[0]
}
