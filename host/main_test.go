//go:build linux

package host_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/procman-dev/procman/internal/proctest"
	"github.com/procman-dev/procman/sdk"
)

// The programs the tests start: internal/testchild, internal/testplugin and
// internal/testembed.
var testchild, testplugin, testembed string

func TestMain(m *testing.M) {
	dir, err := proctest.WorldReadableTempDir()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testchild, err = proctest.TestChild(dir)
	if err == nil {
		testplugin, err = proctest.TestPlugin(dir)
	}
	if err == nil {
		testembed, err = proctest.TestEmbed(dir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	if code == 0 {
		// The reaper is shared by the whole program and watched for as long
		// as it runs.
		if err := findLeaks(ignoreReaper, ignoreChildExits); err != nil {
			fmt.Fprintln(os.Stderr, "goroutines leaked:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// child returns a config that runs testchild in mode with args, plus the
// test's marker, in a fresh directory, with a small explicit environment.
func child(t testing.TB, marker, mode string, args ...string) sdk.ProcessConfig {
	return sdk.ProcessConfig{
		Command: testchild,
		Args:    append(append([]string{mode}, args...), marker),
		Dir:     t.TempDir(),
		Env:     map[string]string{"PATH": "/usr/bin:/bin"},
	}
}
