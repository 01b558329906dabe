//go:build procman_lean

package sdk

import "context"

// applyRemote reports that p is not reached over the protocol: a build
// with the procman_lean tag, procman's own command without gRPC, has no
// client side of it.
func applyRemote(context.Context, Plugin, ProcessConfig) (Outcome, error, bool) {
	return Outcome{}, nil, false
}
