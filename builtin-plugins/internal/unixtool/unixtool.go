// Package unixtool holds what the built-in plugins share about the tools
// they follow — nvm, pyenv and jenv, which are Unix programs — on a system
// where those tools do not run: Windows.
package unixtool

import (
	"context"

	"github.com/procman-dev/procman/sdk"
)

// ApplicableFunc and EnhanceFunc are a plugin's Applicable and Enhance.
type (
	ApplicableFunc func(context.Context, sdk.ProcessConfig) (bool, error)
	EnhanceFunc    func(context.Context, sdk.ProcessConfig) (sdk.ProcessConfig, error)
)
