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

// makeSocketDir makes a private directory for plugin sockets and, when the
// program's reaper runs, has it remove the directory should the program die
// without doing so. Without a reaper (a Manager that only explained, or
// listed its plugins) a directory left by a killed program is removed by
// the sweep of the next reaper that starts.
func makeSocketDir() (string, func(), error) {
	name, err := platform.HostName()
	if err != nil {
		return "", nil, err
	}
	// In os.TempDir(), mode 0700, and tried again under another name
	// when the name is taken.
	dir, err := os.MkdirTemp("", socketDirBase+name+"-*")
	if err != nil {
		return "", nil, err
	}
	unguard := func() {}
	if r := runningReaper(); r != nil {
		if reg, err := r.ProtectDir(dir); err == nil {
			unguard = func() { reg.Release() }
		}
	}
	return dir, unguard, nil
}
