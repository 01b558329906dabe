// Package pyenv gives every process that procman starts the
// Python versions that pyenv selects for its working directory, without a
// shell, a shim or pyenv itself: an IDE task, a cron job or a CI step gets
// the same python as an interactive shell in that directory would.
//
// The plugin reads the files pyenv reads, from the process's own
// environment and working directory (never the plugin's): PYENV_VERSION, a
// .python-version in the working directory or above, or
// $PYENV_ROOT/version. It resolves each entry as pyenv does ("3.11" picks
// the newest installed 3.11.x) and puts $PYENV_ROOT/versions/<version>/bin
// first in the process's PATH, so that python, python3, pip and
// "#!/usr/bin/env python3" scripts run the chosen version (a process
// without PATH gets one made of those directories alone). It also sets
// PYENV_VERSION to the resolved list, as "pyenv exec" does.
//
// It applies when pyenv's root directory exists and a version other than
// system is selected. If a selected version is not installed, it fails
// with pyenv's own message and procman starts the process unchanged.
//
// The plugin doubles as an example of a procman plugin: plugin.go is the
// sdk.Plugin, internal/resolve the version choice as plain functions that
// are tested on real directory trees, cmd/procman-plugin-pyenv its
// executable.
//
// procman runs this plugin inside its own process (see host.WithBuiltinPlugins):
// there is nothing to install. Built as an executable, it serves any host
// that finds plugins on PATH, and replaces procman's own copy where procman
// finds it, in PROCMAN_PLUGIN_PATH or PATH:
//
//	go build -o ~/.local/bin/procman-plugin-pyenv github.com/procman-dev/procman/builtin-plugins/pyenv/cmd/procman-plugin-pyenv
package pyenv
