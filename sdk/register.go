package sdk

import "github.com/procman-dev/procman/internal/pluginwire"

// The host's side of the protocol uses this package's own code, which it
// reaches through pluginwire.
func init() {
	pluginwire.Register(pluginwire.SDK[Plugin, ProcessConfig]{
		Apply:      apply,
		WithLogger: contextWithLogger,
		GRPC:       grpcGlue(),
	})
}
