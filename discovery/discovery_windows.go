//go:build windows

package discovery

import (
	"io/fs"
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

// checkDir accepts every directory: Windows guards files with ACLs, which
// mode bits do not show.
func checkDir(fs.FileInfo) string { return "" }

// checkPermissions accepts every regular .exe file, for the reason given at
// checkDir.
func checkPermissions(string, fs.FileInfo) string { return "" }
