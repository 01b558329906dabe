//go:build unix

package resolve

import (
	"os"
	"path/filepath"
)

// isNode reports whether the bin directory holds node as nvm installs it:
// bin/node, an executable file, nvm's own test.
func isNode(bin string) bool {
	info, err := os.Stat(filepath.Join(bin, "node"))
	return err == nil && info.Mode().IsRegular() && info.Mode().Perm()&0o111 != 0
}
