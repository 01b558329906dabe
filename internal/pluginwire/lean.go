//go:build procman_lean

package pluginwire

// GRPC is empty in a build with the procman_lean tag, procman's own command
// without gRPC.
type GRPC[P any] struct{}
