package kinds

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/procman-dev/procman/sdk"
	"github.com/procman-dev/procman/sdk/sdktest"
)

// The well-behaved kinds pass the conformance kit that plugin authors use.
func TestWellBehavedKindsConform(t *testing.T) {
	// The test binary is a program that exists on every system.
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(exe)
	cases := []sdk.ProcessConfig{
		{Command: exe, Dir: dir, Env: map[string]string{"PATH": dir}},
		{Command: filepath.Base(exe), Args: []string{"-test.run", "^$"}, Dir: dir, Env: map[string]string{"PATH": dir, "CHAIN": "earlier"}},
	}
	for _, kind := range []string{"chain", "env"} {
		t.Run(kind, func(t *testing.T) {
			sdktest.Conformance(t, testPlugin{name: kind, kind: kind, priority: sdk.DefaultPriority}, cases)
		})
	}
}
