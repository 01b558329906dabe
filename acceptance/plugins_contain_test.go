//go:build linux

package acceptance

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/internal/proctest"
)

// TestPluginTreeDiesWithAKilledProcman: procman is SIGKILLed while a
// plugin it called hangs, after the plugin started a daemon (setsid, then
// fork again), which left its process group and session. Neither the
// plugin nor the daemon survives, and the plugin's socket directory goes
// too.
func TestPluginTreeDiesWithAKilledProcman(t *testing.T) {
	eachMechanism(t, func(t *testing.T, mech host.Mechanism) {
		if mech == host.ProcessGroup {
			t.Skip("a bare process group neither holds daemons nor outlives procman")
		}
		marker, spawned := proctest.Marker(t), proctest.Marker(t)
		s := setupPlugins(t, []string{"spawn"})
		p := start(t, s.procman(t, "run", "--containment", mech.String(), "--plugin-timeout", "1h",
			"--env", "SPAWN="+testchildBin+" daemons 1 0 "+spawned,
			"--", testchildBin, "sleep", marker))
		waitUntil(t, func() bool { return daemonRuns(spawned) })

		p.signal(t, syscall.SIGKILL)
		p.cmd.Wait()
		if left := proctest.WaitGone(spawned, 30*time.Second); len(left) > 0 {
			t.Errorf("the plugin's daemon survived procman's SIGKILL: %v", left)
		}
		plugin := strings.Split(s.pluginPath, string(os.PathListSeparator))[0] + "/procman-plugin-spawn"
		waitUntil(t, func() bool { return len(proctest.FindExe(plugin)) == 0 })
		// The reaper removes the socket directory once procman is gone.
		waitUntil(t, func() bool {
			left, _ := os.ReadDir(s.tmp)
			return len(left) == 0
		})
	})
}

// daemonRuns says whether a process with marker is a daemon of testchild
// daemons, as opposed to one on the way to starting it.
func daemonRuns(marker string) bool {
	return slices.ContainsFunc(proctest.Find(marker), func(pid int) bool {
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		args := strings.Split(string(cmdline), "\x00")
		return err == nil && len(args) > 1 && args[1] == "daemon-sleep"
	})
}

// waitUntil waits up to 30 seconds for cond to hold, and fails the test
// otherwise.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 30s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
