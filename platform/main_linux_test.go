package platform

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	code := m.Run()
	// No reaper protects these tests' cgroups: remove their directory.
	if host.group != nil {
		if err := host.group.Remove(); err != nil {
			fmt.Fprintln(os.Stderr, "remove the tests' cgroup directory:", err)
			code = 1
		}
	}
	if code == 0 {
		// The relay of SIGCHLDs to the waits for helpers runs for the
		// life of the process.
		if err := goleak.Find(goleak.IgnoreTopFunction("github.com/procman-dev/procman/platform.relayChildExits")); err != nil {
			fmt.Fprintln(os.Stderr, "goroutines leaked:", err)
			code = 1
		}
	}
	os.Exit(code)
}
