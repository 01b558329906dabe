//go:build !procman_lean

package sdk

import (
	"github.com/hashicorp/go-plugin"
)

// Serve serves p to the procman host that started this program, and
// returns when the host is done with it. It is the whole main of a plugin:
//
//	func main() { sdk.Serve(myPlugin{}) }
//
// Serve keeps stdout for the protocol's handshake: a plugin must never write
// to it. Log through Logger, which writes structured lines to stderr; the
// host shows them under the plugin's name. When the host goes away, however
// it ends (also when it is SIGKILLed), Serve makes the program exit.
func Serve(p Plugin) {
	watchLifeline()
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  Handshake,
		VersionedPlugins: map[int]plugin.PluginSet{ProtocolVersion: {PluginKey: &GRPCPlugin{Impl: p}}},
		GRPCServer:       plugin.DefaultGRPCServer,
		Logger:           Logger(),
	})
}
