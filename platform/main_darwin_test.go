package platform_test

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
)

// launcherVar, set to a file's path, makes the test binary a daemon's
// launcher (launchDaemon) instead of running the tests: macOS has no
// setsid(1), so a tree's shell starts the test binary to leave its
// session.
const launcherVar = "PROCMAN_TEST_DAEMON_PIDS"

func TestMain(m *testing.M) {
	if pidFile := os.Getenv(launcherVar); pidFile != "" {
		if err := launchDaemon(pidFile); err != nil {
			fmt.Fprintln(os.Stderr, "daemon launcher:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// launchDaemon does what a daemon does to leave its tree: it leaves the
// session and process group it was started in (setsid), starts a sleep
// there, writes "<its own pid> <the sleep's pid>" to pidFile and exits,
// orphaning the sleep. The sleep keeps the environment, and with it the
// tree's tag and the test's marker.
func launchDaemon(pidFile string) error {
	if _, err := syscall.Setsid(); err != nil {
		return fmt.Errorf("setsid: %w", err)
	}
	sleep := exec.Command("/bin/sleep", "600")
	if err := sleep.Start(); err != nil {
		return err
	}
	// Written whole, then renamed: the test never reads half of it.
	tmp := pidFile + ".tmp"
	err := os.WriteFile(tmp, fmt.Appendf(nil, "%d %d\n", os.Getpid(), sleep.Process.Pid), 0o600)
	if err == nil {
		err = os.Rename(tmp, pidFile)
	}
	if err != nil {
		sleep.Process.Kill()
		return err
	}
	return nil
}
