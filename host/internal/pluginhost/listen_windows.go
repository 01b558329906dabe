//go:build !procman_lean

package pluginhost

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/go-plugin"
)

// On Windows go-plugin has a plugin listen on loopback TCP: there is no
// socket directory.

// workDir returns the working directory of the plugin at path: the
// directory of its executable. It exists, and Windows, which keeps a
// process's working directory from being removed, keeps it so already
// while the executable runs.
func workDir(path, _ string) string { return filepath.Dir(path) }

// listenEnv returns env, go-plugin's environment for a plugin, without the
// socket directory, which a plugin that listens on TCP does not use, and
// with the host's SYSTEMROOT, without which Windows' network stack cannot
// start in the plugin (os/exec adds it to every environment it is given
// for the same reason). SYSTEMROOT says where Windows is: no secret.
func listenEnv(env []string, _ string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, plugin.EnvUnixSocketDir+"=") {
			out = append(out, kv)
		}
	}
	if root, ok := os.LookupEnv("SYSTEMROOT"); ok {
		out = append(out, "SYSTEMROOT="+root)
	}
	return out
}
