//go:build windows

package sdk

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
)

// executableName adds .exe to a bare name without an extension, as
// Windows' own lookup would.
func executableName(name string) string {
	if filepath.Ext(name) == "" {
		return name + ".exe"
	}
	return name
}

func canExecute(path string, _ fs.FileInfo) error {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".exe", ".com":
		return nil
	}
	return fmt.Errorf("%s is not an .exe or .com file", filepath.Base(path))
}
