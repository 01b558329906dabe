//go:build procman_lean

package pluginhost

import (
	"context"
	"errors"

	"github.com/hashicorp/go-hclog"
	"github.com/procman-dev/procman/platform"
	"github.com/procman-dev/procman/sdk"
)

// ErrNoGRPC is why a build with the procman_lean tag, procman's command
// without gRPC, runs no plugin executable.
var ErrNoGRPC = errors.New("cannot run plugin executables: this procman is built without gRPC (tag procman_lean), and no procman-grpc is next to it to hand over to")

// External is one plugin executable, which this build cannot run.
type External struct{}

// NewExternal returns the plugin executable at path, which this build
// cannot run.
func NewExternal(path, socketDir string, spawner func() *platform.Spawner, logger hclog.Logger) *External {
	return &External{}
}

// Plugin returns ErrNoGRPC.
func (*External) Plugin(context.Context) (sdk.Plugin, error) { return nil, ErrNoGRPC }

// Kill does nothing: no process runs.
func (*External) Kill() {}

// Stop does nothing: no process runs.
func (*External) Stop() {}

// Close does nothing: no process runs.
func (*External) Close() {}

// Exited reports true: no process runs.
func (*External) Exited() bool { return true }
