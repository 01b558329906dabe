//go:build unix

package host

import (
	"os"
	"syscall"
)

// exitBy passes sig on once the relay has stopped listening for it: sent
// again to the program, it reaches the program's own signal.Notify
// channels if there are any, which then decide when the program ends, and
// otherwise ends the program as sig does by default.
func exitBy(sig syscall.Signal) {
	_ = syscall.Kill(os.Getpid(), sig)
}

// The job-control signals of Suspend and Resume.
const (
	sigStop = syscall.SIGSTOP
	sigCont = syscall.SIGCONT
)
