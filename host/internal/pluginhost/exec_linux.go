//go:build !procman_lean

package pluginhost

import (
	"os"
	"strconv"
)

// programPath returns the path by which the plugin executes exe, the
// checked plugin file: /proc/self/fd/N, which names the file exe was
// opened on, whatever its path names by then. platform.Start and the
// Spawner execute such a path through the descriptor itself, which must
// stay open until the plugin has started.
func programPath(exe *os.File) string {
	return "/proc/self/fd/" + strconv.Itoa(int(exe.Fd()))
}
