//go:build procman_lean

package sdk

import (
	"context"

	"github.com/procman-dev/procman/internal/pluginwire"
)

// applyRemote reports that p is not reached over the protocol: a build
// with the procman_lean tag, procman's own command without gRPC, has no
// client side of it.
func applyRemote(context.Context, Plugin, ProcessConfig) (outcome, error, bool) {
	return outcome{}, nil, false
}

// grpcGlue is empty without gRPC.
func grpcGlue() pluginwire.GRPC[Plugin] { return pluginwire.GRPC[Plugin]{} }
