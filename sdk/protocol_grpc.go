//go:build !procman_lean

package sdk

import (
	"github.com/hashicorp/go-plugin"
)

// Handshake is the configuration both sides of the protocol share. The
// magic cookie only keeps a plugin binary from being run by hand as if it
// were a normal program; it is not a security measure.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "PROCMAN_PLUGIN",
	MagicCookieValue: "6b0c9c1e4f7a4d2a9a3e5f61c0d8b7e2-configuration-enhancer",
}

// ClientPlugins is what a host passes to go-plugin's ClientConfig as
// VersionedPlugins: every version from MinProtocolVersion to
// ProtocolVersion. Dispensing "procman" from the client gives a Plugin whose
// Info was fetched during the dispense.
func ClientPlugins() map[int]plugin.PluginSet {
	sets := make(map[int]plugin.PluginSet)
	for v := MinProtocolVersion; v <= ProtocolVersion; v++ {
		sets[v] = plugin.PluginSet{PluginKey: &GRPCPlugin{}}
	}
	return sets
}
