//go:build !windows && !procman_lean

package pluginhost

import (
	"os"
	"slices"

	"github.com/procman-dev/procman/internal/pluginwire"
	"github.com/procman-dev/procman/platform"
)

// startAlone starts spec without a spawner: as a direct child in a process
// group of its own, given a lifeline as descriptor 3, the read end of a
// pipe that only this process writes to, on whose end of file, when the
// host dies by whatever means, sdk.Serve exits. It returns the write end,
// to be closed once the plugin is gone.
func startAlone(spec platform.Spec) (*platform.Process, *os.File, error) {
	lifeline, w, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	defer lifeline.Close() // the plugin has its own copy
	spec.ExtraFiles = []*os.File{lifeline}
	spec.Env = append(slices.Clip(spec.Env), pluginwire.EnvLifeline+"=3")
	proc, err := platform.Start(spec)
	if err != nil {
		w.Close()
		return nil, nil, err
	}
	return proc, w, nil
}
