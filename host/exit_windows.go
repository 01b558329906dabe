package host

import (
	"os"
	"syscall"
)

// exitBy ends the program with the status a shell reports for sig: Windows
// cannot raise a console control event on this process alone, so the
// program's own handler, if any, does not get to decide.
func exitBy(sig syscall.Signal) {
	os.Exit(128 + int(sig))
}

// Windows has no job-control signals: Suspend and Resume are unsupported.
const (
	sigStop syscall.Signal = 0
	sigCont syscall.Signal = 0
)
