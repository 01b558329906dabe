package sdk

import (
	"github.com/hashicorp/go-plugin"
)

// ProtocolVersion is the version of the wire protocol this package speaks.
// A host lists every version it can speak; the plugin picks the highest
// one both know.
const ProtocolVersion = 1

// Handshake is the configuration both sides of the protocol share. The
// magic cookie only keeps a plugin binary from being run by hand as if it
// were a normal program; it is not a security measure.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "PROCMAN_PLUGIN",
	MagicCookieValue: "6b0c9c1e4f7a4d2a9a3e5f61c0d8b7e2-configuration-enhancer",
}

// PluginKey is the name under which the one plugin of a binary is served:
// what a host passes to go-plugin's ClientProtocol.Dispense.
const PluginKey = "procman"

// EnvLifeline names the environment variable by which a host tells a plugin
// which of its file descriptors is the read end of a pipe whose other end
// only the host holds: end of file on it means the host is gone.
const EnvLifeline = "PROCMAN_PLUGIN_LIFELINE_FD"

// ClientPlugins is what a host passes to go-plugin's ClientConfig as
// VersionedPlugins. Dispensing "procman" from the client gives a Plugin whose
// Info was fetched during the dispense.
func ClientPlugins() map[int]plugin.PluginSet {
	return map[int]plugin.PluginSet{
		ProtocolVersion: {PluginKey: &GRPCPlugin{}},
	}
}
