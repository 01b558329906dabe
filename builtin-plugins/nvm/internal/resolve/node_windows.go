package resolve

import (
	"os"
	"path/filepath"
)

// isNode reports whether the bin directory holds node: on Windows, which
// has no executable bit, a regular file bin\node.exe.
func isNode(bin string) bool {
	info, err := os.Stat(filepath.Join(bin, "node.exe"))
	return err == nil && info.Mode().IsRegular()
}
