//go:build unix

package host

import (
	"os"
	"os/signal"
	"syscall"
	"time"
)

// exitBy ends the program as sig would have: with the default action
// restored, the signal is sent again. Should it not end the program (it is
// blocked on some thread), the exit status says the same as a shell would.
func exitBy(sig syscall.Signal) {
	signal.Reset(sig)
	_ = syscall.Kill(os.Getpid(), sig)
	time.Sleep(time.Second)
	os.Exit(128 + int(sig))
}
