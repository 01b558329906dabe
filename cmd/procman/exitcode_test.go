package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/procman-dev/procman/host"
)

// startFailureCase is a failed start and what procman must make of it.
type startFailureCase struct {
	fault   host.Fault
	command string
	err     error
	status  int
	message string // a part of the one-line message
}

func checkStartFailures(t *testing.T, tests []startFailureCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v %v", tt.fault, tt.err), func(t *testing.T) {
			msg, status := startFailure(&host.StartError{Command: tt.command, Fault: tt.fault, Err: tt.err})
			if status != tt.status || !strings.Contains(msg, tt.message) || strings.Contains(msg, "\n") {
				t.Errorf("startFailure = %q, %d; want one line holding %q, %d", msg, status, tt.message, tt.status)
			}
		})
	}
}

// existingFile returns the path of a new file in a temporary directory.
func existingFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// The status of a failed start depends on whose fault it is, never on the
// error number alone: an ENOENT of procman's own (a helper, a cgroup gone)
// is not a missing command or interpreter. (The messages are the system's
// words for each error number.)
func TestStartFailureStatusFollowsTheFault(t *testing.T) {
	program := existingFile(t, "program", "")
	missing := filepath.Join(t.TempDir(), "gone")
	checkStartFailures(t, []startFailureCase{
		{host.ProgramFault, missing, syscall.ENOENT, exitNotFound, syscall.ENOENT.Error()},
		{host.ProgramFault, program, syscall.EACCES, exitNotExecutable, syscall.EACCES.Error()},
		{host.ConfigFault, program, fmt.Errorf("chdir /srv: %w", syscall.EACCES), exitUsage, "chdir /srv: " + syscall.EACCES.Error()},
		{host.ConfigFault, program, fmt.Errorf("log file: open /x: %w", syscall.EISDIR), exitUsage, "log file: open /x: " + syscall.EISDIR.Error()},
		{host.HostFault, program, fmt.Errorf("mkdir /sys/fs/cgroup/procman/1: %w", syscall.EEXIST), exitFailure, syscall.EEXIST.Error()},
		{host.HostFault, program, fmt.Errorf("start procman-init: %w", syscall.ENOENT), exitFailure, "start procman-init: " + syscall.ENOENT.Error()},
		{host.HostFault, program, syscall.EMFILE, exitFailure, syscall.EMFILE.Error()},
		{host.HostFault, program, errors.Join(syscall.EAGAIN, errors.New("reaper: gone")), exitFailure, syscall.EAGAIN.Error() + "; reaper: gone"},
	})
}
