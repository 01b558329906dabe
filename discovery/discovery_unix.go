//go:build unix

package discovery

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// pluginName returns the plugin name in a file name that starts with Prefix.
func pluginName(file string) (name, problem string) {
	return file[len(Prefix):], ""
}

// checkDir returns why no plugin in the directory described by info can be
// trusted, or "": when anyone may write to it and the sticky bit does not
// stop them replacing others' files, anyone could swap in their own program.
func checkDir(info fs.FileInfo) string {
	if info.Mode().Perm()&0o002 != 0 && info.Mode()&fs.ModeSticky == 0 {
		return fmt.Sprintf("directory is world-writable without the sticky bit (mode %v)", info.Mode())
	}
	return ""
}

// checkPermissions returns why the regular file at path, described by info,
// cannot be run as a plugin, or "".
func checkPermissions(path string, info fs.FileInfo) string {
	if info.Mode().Perm()&0o002 != 0 {
		return fmt.Sprintf("%s is world-writable (mode %v)", describe(path), info.Mode())
	}
	// Ask the kernel, for the effective user, rather than reading mode bits:
	// ACLs, noexec mounts and root's rules all count.
	if err := unix.Faccessat(unix.AT_FDCWD, path, unix.X_OK, unix.AT_EACCESS); err != nil {
		return fmt.Sprintf("not executable (%v)", err)
	}
	return ""
}

// describe names the file at path in a reason: "file", or the target of a
// symbolic link, since that is the file whose mode matters.
func describe(path string) string {
	if info, err := os.Lstat(path); err == nil && info.Mode()&fs.ModeSymlink != 0 {
		if target, err := filepath.EvalSymlinks(path); err == nil {
			return fmt.Sprintf("symbolic link target %q", target)
		}
	}
	return "file"
}
