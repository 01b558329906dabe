//go:build linux

package host_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/internal/proctest"
)

// trees is how many trees each path of TestOneGracefulSignalPerProcess
// stops at once, under each mechanism.
const trees = 20

// TestOneGracefulSignalPerProcess stops trees of programs that need time
// to clean up after a stop signal and log every stop signal they get, on
// every path a stop can take, under every mechanism: each process must get
// exactly one graceful signal, and, when the grace outlasts its cleanup,
// finish that cleanup, and otherwise not. The grace and the cleanup are
// far apart either way (300 ms of cleanup in a grace of 10 s; 2 s of
// grace for a cleanup of 10 minutes), so that no load on the machine can
// reorder them.
func TestOneGracefulSignalPerProcess(t *testing.T) {
	paths := []struct {
		name     string
		graceful bool // the grace outlasts the cleanup
		stop     func(t *testing.T, mech host.Mechanism, marker, dir string, lines []string, processes int)
	}{
		{"Stop", true, stopEach(10 * time.Second)},
		{"KillAfterGrace", false, stopEach(2 * time.Second)},
		{"Close", true, func(t *testing.T, mech host.Mechanism, marker, dir string, lines []string, processes int) {
			m := newManager(t, host.WithContainment(mech), host.WithStopGracePeriod(10*time.Second))
			startAll(t, m, marker, dir, lines, processes)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := m.Close(ctx); err != nil {
				t.Fatal(err)
			}
		}},
		{"HostExit", true, func(t *testing.T, mech host.Mechanism, marker, dir string, lines []string, processes int) {
			cmd, stdin := embedderOf(t, mech, marker, "10s", lines, "PROCMAN_TEST_EXIT_ON_INPUT=1")
			waitReady(t, dir, processes)
			stdin.Close()
			cmd.Wait()
		}},
		{"HostSignal", true, func(t *testing.T, mech host.Mechanism, marker, dir string, lines []string, processes int) {
			cmd, _ := embedderOf(t, mech, marker, "10s", lines, "PROCMAN_TEST_SIGNALS=1")
			waitReady(t, dir, processes)
			cmd.Process.Signal(syscall.SIGTERM)
			cmd.Wait()
		}},
		{"HostKill", true, func(t *testing.T, mech host.Mechanism, marker, dir string, lines []string, processes int) {
			cmd, _ := embedderOf(t, mech, marker, "10s", lines)
			waitReady(t, dir, processes)
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
		}},
	}
	for _, path := range paths {
		t.Run(path.name, func(t *testing.T) {
			// The default too: it may combine mechanisms (a PID namespace
			// and a cgroup, as root), where a forced one does not.
			eachMechanismAndTheDefault(t, func(t *testing.T, mech host.Mechanism) {
				if (path.name == "HostKill" || path.name == "HostExit") && !survivesHostKill(mech) {
					t.Skip("a bare process group has nobody left to stop it")
				}
				marker := proctest.Marker(t)
				dir := t.TempDir()
				// A process group does not hold a program's own session:
				// there each tree is the program alone.
				mode := "count-signals"
				if !holdsDaemons(mech) {
					mode = "count-signals-session"
				}
				cleanup := "300ms"
				if !path.graceful {
					cleanup = "10m"
				}
				lines := slices.Repeat([]string{mode + " " + dir + " " + cleanup}, trees)
				processes := trees * processesPerTree(mode)
				path.stop(t, mech, marker, dir, lines, processes)
				if left := proctest.WaitGone(marker, 20*time.Second); len(left) != 0 {
					for _, pid := range left {
						syscall.Kill(pid, syscall.SIGKILL)
					}
					t.Fatalf("%v survived the stop", left)
				}
				checkSignalLogs(t, dir, processes, path.graceful)
			})
		})
	}
}

// stopEach starts the trees under a Manager with grace and stops each of
// them, all at once.
func stopEach(grace time.Duration) func(t *testing.T, mech host.Mechanism, marker, dir string, lines []string, processes int) {
	return func(t *testing.T, mech host.Mechanism, marker, dir string, lines []string, processes int) {
		m := newManager(t, host.WithContainment(mech), host.WithStopGracePeriod(grace))
		handles := startAll(t, m, marker, dir, lines, processes)
		var wg sync.WaitGroup
		for _, h := range handles {
			wg.Go(func() { m.Stop(context.Background(), h) })
		}
		wg.Wait()
	}
}

func processesPerTree(mode string) int {
	if mode == "count-signals" {
		return 2 // the program and its child in a session of its own
	}
	return 1
}

// startAll starts each testchild command line of lines under m and waits
// until the processes they make have logged that they are ready.
func startAll(t *testing.T, m *host.Manager, marker, dir string, lines []string, processes int) []host.Handle {
	t.Helper()
	var handles []host.Handle
	for _, line := range lines {
		f := strings.Fields(line)
		h, _ := start(t, m, child(t, marker, f[0], f[1:]...))
		handles = append(handles, h)
	}
	waitReady(t, dir, processes)
	return handles
}

// waitReady waits until n count-signals processes have logged in dir that
// they are ready.
func waitReady(t *testing.T, dir string, n int) {
	t.Helper()
	waitFor(t, func() bool {
		ready := 0
		for _, log := range readLogs(t, dir) {
			if slices.Contains(log, "ready") {
				ready++
			}
		}
		return ready >= n
	})
}

func readLogs(t *testing.T, dir string) map[string][]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	logs := make(map[string][]string)
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		logs[e.Name()] = strings.Fields(strings.ReplaceAll(string(data), "signal ", "signal-"))
	}
	return logs
}

// checkSignalLogs fails unless dir holds n logs, each of exactly one stop
// signal and, when graceful, of a finished cleanup.
func checkSignalLogs(t *testing.T, dir string, n int, graceful bool) {
	t.Helper()
	logs := readLogs(t, dir)
	if len(logs) != n {
		t.Errorf("%d processes logged, want %d", len(logs), n)
	}
	bad := 0
	for pid, log := range logs {
		signals := slices.DeleteFunc(slices.Clone(log), func(s string) bool { return !strings.HasPrefix(s, "signal-") })
		clean := slices.Contains(log, "clean")
		if len(signals) != 1 || clean != graceful {
			bad++
			if bad <= 5 {
				t.Errorf("pid %s logged %q; want one stop signal, clean=%v", pid, log, graceful)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d processes were not stopped by exactly one graceful signal", bad, len(logs))
	}
}

// eachMechanismAndTheDefault is eachMechanism, plus a run with the default
// containment (mech Automatic).
func eachMechanismAndTheDefault(t *testing.T, f func(t *testing.T, mech host.Mechanism)) {
	t.Run("default", func(t *testing.T) { f(t, host.Automatic) })
	eachMechanism(t, f)
}
