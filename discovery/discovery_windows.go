//go:build windows

package discovery

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// pluginName returns the plugin name in a file name that starts with Prefix:
// the rest without its .exe extension, which Windows requires of a program.
func pluginName(file string) (name, problem string) {
	name = file[len(Prefix):]
	ext := filepath.Ext(name)
	if !strings.EqualFold(ext, ".exe") {
		return name, "not an .exe file"
	}
	return name[:len(name)-len(ext)], ""
}

// open implements Open. Windows guards files with ACLs, which mode bits do
// not show: any regular .exe file is accepted, wherever it is.
func open(path string) (*os.File, string, error) {
	if !filepath.IsAbs(path) {
		return nil, "relative path: plugins are run by absolute path only", nil
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
	if info.IsDir() {
		return nil, "is a directory", nil
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Sprintf("not a regular file (mode %v)", info.Mode()), nil
	}
	file, err := os.Open(path)
	if err != nil {
		return nil, "cannot be opened: " + cause(err), nil
	}
	return file, "", nil
}
