// Package nvm is the procman plugin for nvm, the Node
// Version Manager: a process that procman starts gets the node that nvm
// would choose for its working directory, with no shell and no shell hook.
//
// It chooses as nvm v0.40 does, from the process's own working directory
// and environment: the nearest .nvmrc in that directory or above it, else
// nvm's default alias. It then puts that version's bin directory in the
// process's PATH and sets NVM_BIN and NVM_INC, as "nvm use" does, so that
// "node", "npm" and scripts starting with "#!/usr/bin/env node" run the
// chosen version. When nvm would use the system's node, the plugin does not
// apply; when the version asked for is not installed, or the .nvmrc is
// invalid, it fails with nvm's own words and procman starts the process
// without its change.
//
// nvm's directory is NVM_DIR, else $XDG_CONFIG_HOME/nvm when it exists,
// else $HOME/.nvm (where Homebrew's nvm, the usual install on macOS,
// always keeps it), all taken from the process's environment. The plugin
// reads nvm's versions and aliases only, not nvm.sh (which Homebrew keeps
// in its own prefix), and never runs nvm.
//
// procman runs this plugin inside its own process (see host.WithBuiltinPlugins):
// there is nothing to install. Built as an executable, it serves any host
// that finds plugins on PATH, and replaces procman's own copy where procman
// finds it, in PROCMAN_PLUGIN_PATH or PATH:
//
//	go build -o ~/.local/bin/procman-plugin-nvm github.com/procman-dev/procman/builtin-plugins/nvm/cmd/procman-plugin-nvm
//
// The plugin is also an example of a plugin built on package sdk alone:
// plugin.go is the whole of the plugin, internal/resolve holds what nvm
// would choose, and cmd/procman-plugin-nvm is the whole of its executable.
package nvm
