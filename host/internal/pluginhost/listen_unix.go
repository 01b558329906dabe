//go:build !windows && !procman_lean

package pluginhost

import (
	"slices"
	"strings"

	"github.com/hashicorp/go-plugin"
)

// workDir returns the working directory of the plugin at path: the
// directory of its socket.
func workDir(_, socketDir string) string { return socketDir }

// listenEnv returns env, go-plugin's environment for a plugin, with the
// plugin's socket directory socketDir.
func listenEnv(env []string, socketDir string) []string {
	env = slices.Clone(env)
	for i, kv := range env {
		if strings.HasPrefix(kv, plugin.EnvUnixSocketDir+"=") {
			env[i] = plugin.EnvUnixSocketDir + "=" + socketDir
		}
	}
	return env
}
