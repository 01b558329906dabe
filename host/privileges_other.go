//go:build !linux

package host

import (
	"github.com/procman-dev/procman/platform"
	"github.com/procman-dev/procman/sdk"
)

// privileges has nothing to set: a config that asks for a user or limits
// is invalid outside Linux (sdk.ProcessConfig.Validate).
func privileges(*platform.Spec, sdk.ProcessConfig) error { return nil }
