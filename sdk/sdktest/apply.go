package sdktest

import (
	"context"

	"github.com/procman-dev/procman/internal/pluginwire"
	"github.com/procman-dev/procman/sdk"
)

// Outcome is what a host makes of a plugin for one config.
type Outcome struct {
	Applicable bool              // what Applicable answered
	Config     sdk.ProcessConfig // Enhance's result, when Applicable
	Notes      []string          // what the plugin said with sdk.Note
}

// Apply does with p what a procman host does for each process it starts:
// it asks Applicable and, if p applies, Enhance, and collects what p says
// with sdk.Note. Given a plugin from Connect, it takes one round trip, as
// it does for a host. An error that p's Applicable or Enhance returned is an
// *sdk.PluginError, its message prefixed with the call's name
// ("applicable: ", "enhance: "); a failure to reach p is not. With an error,
// the Outcome still says what was known: whether Applicable said yes, and
// the notes made before the failure.
//
// Apply checks nothing: the host's validation of the result and its field
// policy are Conformance's checks, and hosttest.Run's.
func Apply(ctx context.Context, p sdk.Plugin, cfg sdk.ProcessConfig) (Outcome, error) {
	out, err := wire().Apply(ctx, p, cfg)
	return Outcome{Applicable: out.Applicable, Config: out.Config, Notes: out.Notes}, err
}

// wire is package sdk's own side of the plugin protocol, which a host uses.
func wire() pluginwire.SDK[sdk.Plugin, sdk.ProcessConfig] {
	return pluginwire.Get[sdk.Plugin, sdk.ProcessConfig]()
}
