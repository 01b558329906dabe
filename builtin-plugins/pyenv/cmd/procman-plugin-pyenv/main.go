// Command procman-plugin-pyenv serves package pyenv's plugin as an executable,
// for a host that finds its plugins on PATH: procman itself runs the same
// plugin inside its own process, and uses this executable instead only when
// it is found in PROCMAN_PLUGIN_PATH or PATH.
package main

import (
	"github.com/procman-dev/procman/builtin-plugins/pyenv"
	"github.com/procman-dev/procman/sdk"
)

func main() { sdk.Serve(pyenv.Plugin{}) }
