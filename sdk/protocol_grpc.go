//go:build !procman_lean

package sdk

import (
	"github.com/hashicorp/go-plugin"
	"github.com/procman-dev/procman/internal/pluginwire"
)

// handshake is the configuration both sides of the protocol share.
var handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   pluginwire.MagicCookieKey,
	MagicCookieValue: pluginwire.MagicCookieValue,
}

// grpcGlue is what a host and sdktest use of the go-plugin glue.
func grpcGlue() pluginwire.GRPC[Plugin] {
	return pluginwire.GRPC[Plugin]{
		Handshake: handshake,
		ClientPlugins: func() map[int]plugin.PluginSet {
			sets := make(map[int]plugin.PluginSet)
			for v := MinProtocolVersion; v <= ProtocolVersion; v++ {
				sets[v] = plugin.PluginSet{pluginwire.Key: &grpcPlugin{}}
			}
			return sets
		},
		Plugin: func(impl Plugin) pluginwire.GoPlugin { return &grpcPlugin{impl: impl} },
	}
}
