//go:build unix

package sdk

import (
	"io/fs"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// programNames returns the names under which a Command that is a path may
// be found: on Unix, the path itself.
func programNames(command string, _ map[string]string) []string {
	return []string{command}
}

// lookIn returns the path of the program name in dir, an entry of PATH, or
// "" to go on with the next entry. As execvp does, a file that cannot be
// executed is passed over.
func lookIn(dir, name string, _ map[string]string) (string, error) {
	path := filepath.Join(dir, name)
	if checkExecutable(path) != nil {
		return "", nil
	}
	return path, nil
}

// inDir interprets a possibly relative path against Dir.
func (c ProcessConfig) inDir(_, path string) (string, error) {
	if filepath.IsAbs(path) || c.Dir == "" {
		return path, nil
	}
	return filepath.Join(c.Dir, path), nil
}

// canExecute asks the kernel, for the effective user, rather than reading
// mode bits: ACLs, read-only mounts with noexec and root's rules all count.
func canExecute(path string, _ fs.FileInfo) error {
	return unix.Faccessat(unix.AT_FDCWD, path, unix.X_OK, unix.AT_EACCESS)
}
