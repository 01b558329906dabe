//go:build !procman_lean

package pluginhost

import (
	"os"

	"github.com/procman-dev/procman/platform"
)

// startAlone starts spec without a spawner: in a job of its own all the
// same (platform.Start), which ends with the host as a Spawner's does. No
// lifeline is needed; it returns none.
func startAlone(spec platform.Spec) (*platform.Process, *os.File, error) {
	proc, err := platform.Start(spec)
	return proc, nil, err
}
