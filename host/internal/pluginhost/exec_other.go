//go:build !linux && !procman_lean

package pluginhost

import "os"

// programPath returns the path by which the plugin executes exe, the
// checked plugin file. This system cannot execute a descriptor: the plugin
// executes exe's path, symbolic links resolved, in directories that only
// root and the host's user may change (see discovery.Open).
func programPath(exe *os.File) string {
	return exe.Name()
}
