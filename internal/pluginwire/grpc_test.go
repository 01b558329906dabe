//go:build !procman_lean

package pluginwire_test

import (
	"testing"

	"github.com/procman-dev/procman/internal/pluginwire"
	"github.com/procman-dev/procman/sdk"
)

func TestSDKRegistersItsGlue(t *testing.T) {
	glue := pluginwire.Get[sdk.Plugin, sdk.ProcessConfig]().GRPC
	if glue.Handshake.MagicCookieKey != pluginwire.MagicCookieKey || glue.Handshake.ProtocolVersion != sdk.ProtocolVersion {
		t.Errorf("Handshake = %+v", glue.Handshake)
	}
	for v := sdk.MinProtocolVersion; v <= sdk.ProtocolVersion; v++ {
		if glue.ClientPlugins()[v][pluginwire.Key] == nil {
			t.Errorf("ClientPlugins has no %q for version %d", pluginwire.Key, v)
		}
	}
	if glue.Plugin(nil) == nil {
		t.Error("Plugin(nil) = nil")
	}
}
