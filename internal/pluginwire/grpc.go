//go:build !procman_lean

package pluginwire

import "github.com/hashicorp/go-plugin"

// GRPC is sdk's go-plugin glue.
type GRPC[P any] struct {
	// Handshake is the configuration both sides of the protocol share.
	Handshake plugin.HandshakeConfig

	// ClientPlugins is what a host passes to go-plugin's ClientConfig as
	// VersionedPlugins: every version from sdk.MinProtocolVersion to
	// sdk.ProtocolVersion. Dispensing Key from the client gives an
	// sdk.Plugin whose Info was fetched during the dispense.
	ClientPlugins func() map[int]plugin.PluginSet

	// Plugin returns the glue that serves impl over gRPC in a plugin
	// binary (its GRPCServer) and gives a host an sdk.Plugin that calls
	// the plugin (its GRPCClient, for which impl is ignored). go-plugin
	// gives GRPCClient's ctx no deadline, so a host bounds the dispense
	// itself.
	Plugin func(impl P) GoPlugin
}

// GoPlugin is a go-plugin plugin served over gRPC only.
type GoPlugin interface {
	plugin.Plugin
	plugin.GRPCPlugin
}
