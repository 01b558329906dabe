//go:build !procman_lean

package sdk

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/go-plugin"
	"github.com/procman-dev/procman/internal/pluginwire"
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
//
// Run by hand, with no host, it says what the program is and exits 1; with
// the one argument --info, it prints p's Info as JSON ({"name", "version",
// "priority", "description"}) and exits 0.
func Serve(p Plugin) {
	if len(os.Args) == 2 && (os.Args[1] == "--info" || os.Args[1] == "-info") {
		os.Exit(printInfo(p))
	}
	if os.Getenv(pluginwire.MagicCookieKey) != pluginwire.MagicCookieValue {
		name := filepath.Base(os.Args[0])
		fmt.Fprintf(os.Stderr, "%s is a procman plugin (%s): procman runs it, as it starts a program, from a\n"+
			"directory of PROCMAN_PLUGIN_PATH or PATH under a name procman-plugin-NAME ('procman plugins'\n"+
			"lists those found, 'procman explain -- COMMAND' shows what they change).\n"+
			"'%s --info' prints what it says of itself.\n", name, p.Info().Name, name)
		os.Exit(1)
	}
	watchLifeline()
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  handshake,
		VersionedPlugins: map[int]plugin.PluginSet{ProtocolVersion: {pluginwire.Key: &grpcPlugin{impl: p}}},
		GRPCServer:       plugin.DefaultGRPCServer,
		Logger:           Logger(),
	})
}

// printInfo writes p's Info to stdout as JSON, and returns the exit
// status.
func printInfo(p Plugin) int {
	info := p.Info()
	out, err := json.MarshalIndent(struct {
		Name        string `json:"name"`
		Version     string `json:"version"`
		Priority    int    `json:"priority"`
		Description string `json:"description"`
	}{info.Name, info.Version, info.Priority, info.Description}, "", "  ")
	if err == nil {
		_, err = fmt.Printf("%s\n", out)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
