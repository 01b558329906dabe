package host

import (
	"github.com/procman-dev/procman/builtin-plugins/jenv"
	"github.com/procman-dev/procman/builtin-plugins/nvm"
	"github.com/procman-dev/procman/builtin-plugins/pyenv"
	"github.com/procman-dev/procman/sdk"
)

// builtinPlugins are the plugins WithBuiltinPlugins runs in this process.
func builtinPlugins() []sdk.Plugin {
	return []sdk.Plugin{jenv.Plugin{}, nvm.Plugin{}, pyenv.Plugin{}}
}
