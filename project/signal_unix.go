//go:build unix

package project

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// signalNamed returns the signal of this system named name, SIGTERM say,
// or 0 if it has none of that name.
func signalNamed(name string) syscall.Signal {
	return unix.SignalNum(name)
}
