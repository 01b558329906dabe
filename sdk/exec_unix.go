//go:build unix

package sdk

import (
	"io/fs"

	"golang.org/x/sys/unix"
)

func executableName(name string) string { return name }

// canExecute asks the kernel, for the effective user, rather than reading
// mode bits: ACLs, read-only mounts with noexec and root's rules all count.
func canExecute(path string, _ fs.FileInfo) error {
	return unix.Faccessat(unix.AT_FDCWD, path, unix.X_OK, unix.AT_EACCESS)
}
