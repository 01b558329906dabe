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

// The status of a failed start depends on whose fault it is, never on the
// error number alone: an ENOENT of procman's own (a helper, a cgroup gone)
// is not a missing command or interpreter.
func TestStartFailureStatusFollowsTheFault(t *testing.T) {
	script := filepath.Join(t.TempDir(), "script")
	if err := os.WriteFile(script, []byte("#!/nonexistent/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "gone")
	tests := []struct {
		fault   host.Fault
		command string
		err     error
		status  int
		message string
	}{
		{host.ProgramFault, script, syscall.ENOENT, exitNotExecutable, "its interpreter /nonexistent/sh does not exist"},
		{host.ProgramFault, missing, syscall.ENOENT, exitNotFound, "no such file or directory"},
		{host.ProgramFault, script, syscall.EACCES, exitNotExecutable, "permission denied"},
		{host.ConfigFault, script, fmt.Errorf("chdir /srv: %w", syscall.EACCES), exitUsage, "chdir /srv: permission denied"},
		{host.ConfigFault, script, fmt.Errorf("log file: open /x: %w", syscall.EISDIR), exitUsage, "log file: open /x: is a directory"},
		{host.HostFault, script, fmt.Errorf("mkdir /sys/fs/cgroup/procman/1: %w", syscall.EEXIST), exitFailure, "file exists"},
		{host.HostFault, script, fmt.Errorf("start procman-init: %w", syscall.ENOENT), exitFailure, "start procman-init: no such file or directory"},
		{host.HostFault, script, syscall.EMFILE, exitFailure, "too many open files"},
		{host.HostFault, script, errors.Join(syscall.EAGAIN, errors.New("reaper: gone")), exitFailure, "resource temporarily unavailable; reaper: gone"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v %v", tt.fault, tt.err), func(t *testing.T) {
			msg, status := startFailure(&host.StartError{Command: tt.command, Fault: tt.fault, Err: tt.err})
			if status != tt.status || !strings.Contains(msg, tt.message) || strings.Contains(msg, "\n") {
				t.Errorf("startFailure = %q, %d; want one line holding %q, %d", msg, status, tt.message, tt.status)
			}
		})
	}
}
