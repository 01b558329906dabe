//go:build !procman_lean

package pluginhost

import (
	"fmt"
	"strings"
	"testing"

	"github.com/procman-dev/procman/sdk"
)

func TestVersionMismatchSaysWhichSideToUpdate(t *testing.T) {
	for _, tt := range []struct {
		msg, want string
	}{
		{fmt.Sprintf("incompatible API version with plugin. Plugin version: %d, Client versions: [1]", sdk.ProtocolVersion+1), "newer than this procman, which speaks 1: upgrade procman"},
		{fmt.Sprintf("Incompatible API version with plugin. Plugin version: %d, Client versions: [1]", sdk.MinProtocolVersion-1), "older than this procman, which speaks 1: rebuild the plugin"},
	} {
		got, ok := versionMismatch(tt.msg)
		if !ok || !strings.Contains(got, tt.want) {
			t.Errorf("versionMismatch(%q) = %q, %v; want it to say %q", tt.msg, got, ok, tt.want)
		}
	}
	if _, ok := versionMismatch("Unrecognized remote plugin message: "); ok {
		t.Error("another error taken for a version mismatch")
	}
}
