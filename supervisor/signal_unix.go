//go:build unix

package supervisor

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// signalName names sig as kill -l does, with its SIG prefix.
func signalName(sig syscall.Signal) string {
	if name := unix.SignalName(sig); name != "" {
		return name
	}
	return sig.String()
}
