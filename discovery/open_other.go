//go:build unix && !linux

package discovery

import (
	"os"

	"golang.org/x/sys/unix"
)

// maxSymlinks is how many symbolic links one path lookup may go through
// on macOS and the BSDs (their MAXSYMLINKS); one more, and exec fails with
// ELOOP.
const maxSymlinks = 32

// openFlags open a plugin file to fstat it. This system has no O_PATH: the
// file must be readable, and O_NONBLOCK keeps the open from waiting on a
// FIFO swapped in after the lstat.
const openFlags = unix.O_RDONLY | unix.O_NONBLOCK

// executable reports whether the effective user may execute the open
// file, asked of its path: this system cannot execute a descriptor, so a
// caller executes the path anyway.
func executable(file *os.File) error {
	return unix.Faccessat(unix.AT_FDCWD, file.Name(), unix.X_OK, unix.AT_EACCESS)
}
