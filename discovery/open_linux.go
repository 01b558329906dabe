package discovery

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// maxSymlinks is how many symbolic links one path lookup may go through
// on Linux (its MAXSYMLINKS); one more, and exec fails with ELOOP.
const maxSymlinks = 40

// openFlags open a plugin file to execute it through /proc/self/fd/N and
// to fstat it, and for nothing else: O_PATH needs no read permission and
// never blocks.
const openFlags = unix.O_PATH

// executable reports whether the effective user may execute the open
// file: asked of the file itself, through /proc/self/fd/N, not of a path
// that may name another file by now.
func executable(file *os.File) error {
	return unix.Faccessat(unix.AT_FDCWD, "/proc/self/fd/"+strconv.Itoa(int(file.Fd())), unix.X_OK, unix.AT_EACCESS)
}
