package reaper

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// builtin is internal/scanreaper, built for macOS into internal/image.
var builtin = scanReaper

// socketpair makes a pair of connected unix sockets of type typ, both
// close-on-exec. macOS has no SOCK_CLOEXEC: the fork lock keeps a
// program started meanwhile by os/exec or syscall from inheriting them.
func socketpair(typ int) ([2]int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	fds, err := unix.Socketpair(unix.AF_UNIX, typ, 0)
	if err != nil {
		return fds, err
	}
	unix.CloseOnExec(fds[0])
	unix.CloseOnExec(fds[1])
	return fds, nil
}
