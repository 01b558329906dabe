//go:build unix

package main

import (
	"syscall"
	"testing"

	"github.com/procman-dev/procman/host"
)

// The literal messages of Linux and the BSDs, so that a change of wording
// in TestStartFailureStatusFollowsTheFault's cases shows here.
func TestStartFailureUnixMessages(t *testing.T) {
	script := existingFile(t, "script", "#!/nonexistent/sh\n")
	checkStartFailures(t, []startFailureCase{
		{host.ProgramFault, script, syscall.ENOENT, exitNotExecutable, "its interpreter /nonexistent/sh does not exist"},
		{host.ProgramFault, script + ".gone", syscall.ENOENT, exitNotFound, "no such file or directory"},
		{host.ProgramFault, script, syscall.EACCES, exitNotExecutable, "permission denied"},
		{host.HostFault, script, syscall.EMFILE, exitFailure, "too many open files"},
	})
}
