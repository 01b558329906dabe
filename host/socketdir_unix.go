//go:build !windows

package host

import (
	"os"
	"path/filepath"

	"github.com/procman-dev/procman/platform"
)

// pluginSocketDirPrefix begins the name of every plugin socket directory;
// the rest names the host (platform.HostName), so that the reaper can
// remove the directories of hosts that died without doing so, and ends in
// a random part, so that nobody can take the name first. The name is kept
// short: a socket's path must fit in 107 bytes.
func pluginSocketDirPrefix() string {
	return filepath.Join(os.TempDir(), socketDirBase)
}

const socketDirBase = "procman-"

// makeSocketDir makes a private directory for plugin sockets.
func makeSocketDir() (string, error) {
	name, err := platform.HostName()
	if err != nil {
		return "", err
	}
	// In os.TempDir(), mode 0700, and tried again under another name
	// when the name is taken.
	return os.MkdirTemp("", socketDirBase+name+"-*")
}

// guardSocketDir has the program's reaper, if it runs, remove dir should
// the program die without doing so, and returns what ends that; nil when
// no reaper runs. Without one (a Manager that only explained, or listed
// its plugins) a directory left by a killed program is removed by the
// sweep of the next reaper that starts.
func guardSocketDir(dir string) func() {
	r := runningReaper()
	if r == nil {
		return nil
	}
	reg, err := r.ProtectDir(dir)
	if err != nil {
		return nil
	}
	return func() { reg.Release() }
}
