package discovery

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/windows"
)

// hasPrefix reports whether the file name starts with Prefix, in any case,
// as Windows, whose file names ignore case, would find it.
func hasPrefix(file string) bool {
	return len(file) >= len(Prefix) && strings.EqualFold(file[:len(Prefix)], Prefix)
}

// pluginName returns the plugin name in a file name that starts with
// Prefix: the rest, without its .exe or .com extension, in lower case,
// since procman-plugin-Foo.exe is the file Windows finds for
// procman-plugin-foo; or why the file is not a program.
func pluginName(file string) (name, problem string) {
	name = strings.ToLower(file[len(Prefix):])
	problem = programProblem(file)
	if problem == "" {
		name = strings.TrimSuffix(name, filepath.Ext(name))
	}
	return name, problem
}

// programProblem says why the file name is not one of a program that
// CreateProcess runs by itself, or "". Of PATHEXT's usual extensions, .exe
// and .com are; a batch file would run through cmd.exe, which interprets
// the command line it is given.
func programProblem(file string) string {
	switch strings.ToLower(filepath.Ext(file)) {
	case ".exe", ".com":
		return ""
	case ".bat", ".cmd":
		return "a batch file: it would run through cmd.exe, which interprets its command line; plugins are .exe or .com programs"
	}
	return "not an .exe or .com file"
}

// open implements Open. A regular .exe or .com file is accepted when
// nobody but the user running procman and the system's own principals may
// change it or put another program in its place (checkAccess). The file is
// opened sharing only reading, so that nobody can write, rename or delete
// it while the descriptor is open: its path then names the file checked,
// and CreateProcess, which opens it to read and execute, may still run it.
func open(path string) (*os.File, string, error) {
	if !filepath.IsAbs(path) {
		return nil, "relative path: plugins are run by absolute path only", nil
	}
	if problem := programProblem(path); problem != "" {
		return nil, problem, nil
	}
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		if target, err := os.Readlink(path); err == nil {
			return nil, fmt.Sprintf("broken symbolic link: target %q does not exist", target), nil
		}
		return nil, "does not exist", nil
	}
	if err != nil {
		return nil, "cannot be read: " + cause(err), nil
	}
	if problem := checkFileType(info); problem != "" {
		return nil, problem, nil
	}
	file, err := openShareRead(path)
	if err != nil {
		return nil, "cannot be opened: " + cause(err), nil
	}
	// Checked again on the handle: the file may have changed since Stat.
	if info, err = file.Stat(); err != nil {
		file.Close()
		return nil, "cannot be read: " + cause(err), nil
	}
	if problem := checkFileType(info); problem != "" {
		file.Close()
		return nil, problem, nil
	}
	if problem := checkAccess(path, file); problem != "" {
		file.Close()
		return nil, problem, nil
	}
	return file, "", nil
}

// openShareRead opens the file at path to read it, letting others read it
// too but not write, rename or delete it. The handle is not inherited.
func openShareRead(path string) (*os.File, error) {
	name, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	handle, err := windows.CreateFile(name, windows.GENERIC_READ, windows.FILE_SHARE_READ, nil, windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(handle), path), nil
}
