//go:build !linux

package pluginhost

import "os"

// execPath returns the path by which a child executes exe, the checked
// plugin file. This system cannot execute a descriptor: the child
// executes exe's path, symbolic links resolved, in directories that only
// root and the host's user may change (see discovery.Open).
func execPath(exe *os.File, _ int) (*os.File, string, error) {
	return exe, exe.Name(), nil
}
