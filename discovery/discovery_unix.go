//go:build unix

package discovery

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// hasPrefix reports whether the file name starts with Prefix.
func hasPrefix(file string) bool { return strings.HasPrefix(file, Prefix) }

// pluginName returns the plugin name in a file name that starts with Prefix.
func pluginName(file string) (name, problem string) {
	return file[len(Prefix):], ""
}

// open implements Open. It returns the checked file, or why the file at
// path is refused, or an error that says nothing of the file.
func open(path string) (*os.File, string, error) {
	if !filepath.IsAbs(path) {
		return nil, "relative path: plugins are run by absolute path only", nil
	}
	resolved, info, problem := resolve(path)
	if problem != "" {
		return nil, problem, nil
	}
	what := "file"
	if resolved != filepath.Clean(path) {
		what = fmt.Sprintf("symbolic link target %q", resolved)
	}
	// Decided on the lstat first: opening a device or a FIFO may block
	// or act on it.
	if problem := checkFileType(info); problem != "" {
		return nil, problem, nil
	}
	fd, err := unix.Open(resolved, openFlags|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if errors.Is(err, unix.EMFILE) || errors.Is(err, unix.ENFILE) || errors.Is(err, unix.ENOMEM) {
		return nil, "", &fs.PathError{Op: "open", Path: resolved, Err: err}
	}
	if err != nil {
		return nil, fmt.Sprintf("%s cannot be opened: %v", what, err), nil
	}
	file := os.NewFile(uintptr(fd), resolved)
	if problem := checkFile(file, what); problem != "" {
		file.Close()
		return nil, problem, nil
	}
	return file, "", nil
}

// checkFile returns why the open file, described as what, may not be run
// as a plugin, or "". Every check is made on the descriptor.
func checkFile(file *os.File, what string) string {
	info, err := file.Stat()
	if err != nil {
		return fmt.Sprintf("%s cannot be read: %s", what, cause(err))
	}
	if problem := checkFileType(info); problem != "" {
		return problem
	}
	if problem := checkOwner(what, info); problem != "" {
		return problem
	}
	// Ask the kernel, for the effective user, rather than reading mode bits:
	// ACLs, noexec mounts and root's rules all count.
	if err := executable(file); err != nil {
		return fmt.Sprintf("not executable (%v)", err)
	}
	return ""
}

// checkOwner returns why the file or directory described as what (info
// being its lstat or fstat) could be changed by someone other than root
// and the effective user, or "".
func checkOwner(what string, info fs.FileInfo) string {
	euid := os.Geteuid()
	if st, ok := info.Sys().(*syscall.Stat_t); ok && st.Uid != 0 && int(st.Uid) != euid {
		return fmt.Sprintf("%s is owned by uid %d, not by root or the effective user (uid %d)", what, st.Uid, euid)
	}
	if info.Mode().Perm()&0o022 != 0 {
		return fmt.Sprintf("%s is writable by others (mode %v)", what, info.Mode())
	}
	return ""
}

// resolve follows the absolute path as a path lookup of the kernel would,
// component by component, checking with checkOwner every directory it
// looks a name up in, and returns the path of the file it ends at, free of
// symbolic links, with that file's lstat; or why it cannot be trusted.
// Walking the lookup itself, rather than checking the directories of the
// resolved path, also checks the directories that hold the symbolic links
// on the way: whoever may change a link may point it anywhere.
func resolve(path string) (resolved string, info fs.FileInfo, problem string) {
	dir := "/"
	if problem := checkDir(dir); problem != "" {
		return "", nil, problem
	}
	rest := components(path)
	links := 0
	for len(rest) > 0 {
		name := rest[0]
		rest = rest[1:]
		if name == ".." {
			dir = filepath.Dir(dir) // dir holds no symbolic link
			continue
		}
		next := filepath.Join(dir, name)
		info, err := os.Lstat(next)
		switch {
		case errors.Is(err, fs.ErrNotExist) && links > 0:
			return "", nil, fmt.Sprintf("broken symbolic link: target %q does not exist", next)
		case errors.Is(err, fs.ErrNotExist):
			return "", nil, "does not exist"
		case err != nil:
			return "", nil, fmt.Sprintf("%q cannot be looked up: %s", next, cause(err))
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			if links++; links > maxSymlinks {
				return "", nil, "too many levels of symbolic links"
			}
			target, err := os.Readlink(next)
			if err != nil {
				return "", nil, fmt.Sprintf("symbolic link %q cannot be read: %s", next, cause(err))
			}
			if filepath.IsAbs(target) {
				dir = "/"
			}
			rest = append(components(target), rest...)
			continue
		}
		if len(rest) == 0 {
			return next, info, ""
		}
		if !info.IsDir() {
			return "", nil, fmt.Sprintf("%q is not a directory", next)
		}
		if problem := checkOwner(fmt.Sprintf("directory %q", next), info); problem != "" {
			return "", nil, problem
		}
		dir = next
	}
	// The path ends at a directory ("/", or by "..").
	info, err := os.Lstat(dir)
	if err != nil {
		return "", nil, fmt.Sprintf("%q cannot be looked up: %s", dir, cause(err))
	}
	return dir, info, ""
}

// checkDir checks the directory at path, which holds no symbolic link,
// with checkOwner.
func checkDir(path string) string {
	info, err := os.Lstat(path)
	if err != nil {
		return fmt.Sprintf("%q cannot be looked up: %s", path, cause(err))
	}
	return checkOwner(fmt.Sprintf("directory %q", path), info)
}

// components splits path into the names a lookup goes through: without
// the empty names of repeated, leading and trailing slashes, nor ".".
func components(path string) []string {
	var names []string
	for _, name := range strings.Split(path, "/") {
		if name != "" && name != "." {
			names = append(names, name)
		}
	}
	return names
}
