//go:build linux

package host_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/internal/proctest"
	"github.com/procman-dev/procman/sdk"
)

// spawnPlugin installs the spawn test plugin and returns a Manager under
// mech that runs it, with callTimeout as the deadline of plugin calls, and
// the plugin's path.
func spawnPlugin(t *testing.T, mech host.Mechanism, callTimeout time.Duration) (*host.Manager, string) {
	t.Helper()
	dir := proctest.InstallPlugins(t, testplugin, "spawn")
	m := newManager(t,
		host.WithContainment(mech),
		host.WithPluginSearchPath(dir, ""),
		host.WithPluginCallTimeout(callTimeout),
		host.WithPluginStartTimeout(testStartTimeout),
	)
	return m, filepath.Join(dir, "procman-plugin-spawn")
}

// spawnConfig returns a config of a program with the test's marker whose
// Enhance by the spawn plugin starts a process with spawned as its marker:
// a daemon (setsid, then fork again), which leaves the plugin's process
// group and session; under a process group, which holds no daemon, a
// plain child of the plugin. It returns the testchild mode of the process
// that stays.
func spawnConfig(t *testing.T, mech host.Mechanism, marker, spawned string) (sdk.ProcessConfig, string) {
	cfg := child(t, marker, "sleep")
	if holdsDaemons(mech) {
		cfg.Env["SPAWN"] = testchild + " daemons 1 0 " + spawned
		return cfg, "daemon-sleep"
	}
	cfg.Env["SPAWN"] = testchild + " sleep " + spawned
	return cfg, "sleep"
}

// waitExeGone waits up to timeout for every process running the
// executable at path to be gone and returns those still there.
func waitExeGone(path string, timeout time.Duration) []int {
	deadline := time.Now().Add(timeout)
	for {
		pids := proctest.FindExe(path)
		if len(pids) == 0 || time.Now().After(deadline) {
			return pids
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// runs says whether a process with marker runs testchild in mode.
func runs(marker, mode string) bool {
	for _, pid := range proctest.Find(marker) {
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if args := strings.Split(string(cmdline), "\x00"); err == nil && len(args) > 1 && args[1] == mode {
			return true
		}
	}
	return false
}

// TestPluginTreeDiesAtItsDeadline: a plugin starts a process, then never
// answers. The program starts without the plugin's change once the call's
// deadline has passed, and the plugin is killed with what it started.
func TestPluginTreeDiesAtItsDeadline(t *testing.T) {
	eachMechanism(t, func(t *testing.T, mech host.Mechanism) {
		// Long enough for the plugin to start its process on a loaded
		// machine: the test checks that it did.
		const deadline = 3 * time.Second
		marker, spawned := proctest.Marker(t), proctest.Marker(t)
		m, plugin := spawnPlugin(t, mech, deadline) // closed before the markers are checked

		cfg, stays := spawnConfig(t, mech, marker, spawned)
		var seen, started atomic.Bool
		var watcher sync.WaitGroup
		watcher.Go(func() {
			for !started.Load() {
				if runs(spawned, stays) {
					seen.Store(true)
					return
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
		h, _ := start(t, m, cfg)
		started.Store(true)
		watcher.Wait()

		report, _ := m.Report(h)
		if step, ok := findStep(report, "spawn"); !ok || !strings.Contains(step.Warning, "no answer within "+deadline.String()) {
			t.Fatalf("step of the plugin = %+v, want a missed deadline", step)
		}
		if !seen.Load() {
			t.Fatalf("the plugin's process never ran before its deadline")
		}
		if pids := proctest.WaitGone(spawned, 10*time.Second); len(pids) > 0 {
			t.Errorf("the process the plugin started outlived the plugin's deadline: %v", pids)
		}
		if pids := waitExeGone(plugin, 10*time.Second); len(pids) > 0 {
			t.Errorf("the plugin still runs after its deadline: %v", pids)
		}
	})
}

// TestPluginTreeDiesOnClose: a plugin starts a process and answers; the
// process lives on while the plugin waits for the next call. Close ends
// the plugin gracefully and returns once nothing of its tree is left.
func TestPluginTreeDiesOnClose(t *testing.T) {
	eachMechanism(t, func(t *testing.T, mech host.Mechanism) {
		marker, spawned := proctest.Marker(t), proctest.Marker(t)
		m, plugin := spawnPlugin(t, mech, testCallTimeout)
		cfg, stays := spawnConfig(t, mech, marker, spawned)
		cfg.Env["SPAWN_THEN"] = "answer"
		h, _ := start(t, m, cfg)
		report, _ := m.Report(h)
		if step, ok := findStep(report, "spawn"); !ok || !step.Applicable || step.Warning != "" {
			t.Fatalf("step of the plugin = %+v, want an answer", step)
		}
		waitFor(t, func() bool { return runs(spawned, stays) })

		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := m.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if pids := proctest.Find(spawned); len(pids) > 0 {
			t.Errorf("the process the plugin started survived Close: %v", pids)
		}
		if pids := proctest.FindExe(plugin); len(pids) > 0 {
			t.Errorf("the plugin survived Close: %v", pids)
		}
	})
}

// TestPluginTreeDiesWithThePlugin: a plugin starts a process, answers,
// and exits by itself, with nobody killing it: what it started ends with
// it.
func TestPluginTreeDiesWithThePlugin(t *testing.T) {
	eachMechanism(t, func(t *testing.T, mech host.Mechanism) {
		marker, spawned := proctest.Marker(t), proctest.Marker(t)
		m, plugin := spawnPlugin(t, mech, testCallTimeout)
		cfg, stays := spawnConfig(t, mech, marker, spawned)
		cfg.Env["SPAWN_THEN"] = "exit"
		h, _ := start(t, m, cfg)
		report, _ := m.Report(h)
		if step, ok := findStep(report, "spawn"); !ok || !step.Applicable || step.Warning != "" {
			t.Fatalf("step of the plugin = %+v, want an answer", step)
		}
		seen := false
		waitFor(t, func() bool {
			seen = runs(spawned, stays)
			return seen || len(proctest.FindExe(plugin)) == 0
		})
		if !seen {
			t.Fatalf("the plugin exited before its process ran")
		}
		waitFor(t, func() bool { return len(proctest.FindExe(plugin)) == 0 })
		if pids := proctest.WaitGone(spawned, 10*time.Second); len(pids) > 0 {
			t.Errorf("the process the plugin started outlived the plugin: %v", pids)
		}
	})
}
