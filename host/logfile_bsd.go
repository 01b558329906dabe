//go:build unix && !linux

package host

import "golang.org/x/sys/unix"

// dirOpenFlags open a directory of a log file's path for the *at calls.
// Outside Linux that takes permission to read it.
const dirOpenFlags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC

// systemResolvesLinks reports whether the links in dir must be left to
// the system to follow. Outside Linux no file system has such links: a
// /dev/fd/N is a device, not a link.
func systemResolvesLinks(int) bool { return false }
