package main

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/procman-dev/procman/host"
	"golang.org/x/sys/windows"
)

// CreateProcess reports Windows error numbers, not errno values: a program
// that is gone is still 127, one that is there but cannot start is 126,
// whatever the number says.
func TestStartFailureWindowsErrors(t *testing.T) {
	program := existingFile(t, "program.exe", "MZ")
	missing := filepath.Join(t.TempDir(), "gone.exe")
	checkStartFailures(t, []startFailureCase{
		{host.ProgramFault, missing, windows.ERROR_FILE_NOT_FOUND, exitNotFound, windows.ERROR_FILE_NOT_FOUND.Error()},
		{host.ProgramFault, missing, windows.ERROR_PATH_NOT_FOUND, exitNotFound, windows.ERROR_PATH_NOT_FOUND.Error()},
		{host.ProgramFault, program, windows.ERROR_FILE_NOT_FOUND, exitNotExecutable, "cannot execute " + program + ": the system cannot find a file it needs to start it"},
		{host.ProgramFault, program, windows.ERROR_BAD_EXE_FORMAT, exitNotExecutable, windows.ERROR_BAD_EXE_FORMAT.Error()},
		{host.ProgramFault, program, windows.ERROR_ACCESS_DENIED, exitNotExecutable, windows.ERROR_ACCESS_DENIED.Error()},
		{host.ConfigFault, program, fmt.Errorf("chdir C:\\srv: %w", windows.ERROR_DIRECTORY), exitUsage, "chdir C:\\srv: "},
		{host.HostFault, program, fmt.Errorf("create job: %w", windows.ERROR_FILE_NOT_FOUND), exitFailure, "create job: "},
	})
}
