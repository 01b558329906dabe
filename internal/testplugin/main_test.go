package main

import (
	"testing"

	"github.com/procman-dev/procman/sdk"
	"github.com/procman-dev/procman/sdk/sdktest"
)

// The well-behaved kinds pass the conformance kit that plugin authors use.
func TestWellBehavedKindsConform(t *testing.T) {
	cases := []sdk.ProcessConfig{
		{Command: "/bin/sh", Dir: "/", Env: map[string]string{"PATH": "/usr/bin:/bin"}},
		{Command: "sh", Args: []string{"-c", "true"}, Dir: "/", Env: map[string]string{"PATH": "/usr/bin:/bin", "CHAIN": "earlier"}},
	}
	for _, kind := range []string{"chain", "env"} {
		t.Run(kind, func(t *testing.T) {
			sdktest.Conformance(t, testPlugin{name: kind, kind: kind, priority: sdk.DefaultPriority}, cases)
		})
	}
}
