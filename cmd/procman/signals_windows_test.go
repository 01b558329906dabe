package main

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/procman-dev/procman/host"
	"golang.org/x/sys/windows"
)

// Wine delivers no console control events, so Ctrl-C and Ctrl-Break cannot
// be pressed here: these tests check the wiring behind them instead. Go's
// runtime turns CTRL_C_EVENT and CTRL_BREAK_EVENT into os.Interrupt and
// CTRL_CLOSE_EVENT into SIGTERM on the channel that signal.Notify fed; the
// tests put those values on the channel that procman's run loop reads,
// with a real program running in its job.

// procman listens for what Go makes of every console control event.
func TestCtrlCWiringStopSignalsAreWhatGoDelivers(t *testing.T) {
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		if !slices.Contains(stopSignals, sig) {
			t.Errorf("stopSignals %v lack %v, which Go delivers for a console control event", stopSignals, sig)
		}
	}
}

// startSleeper runs a program that sleeps for an hour under superviseWith,
// as procman run would with args, fed by sigs. It returns an open handle
// of the program's process and the channel of run's exit status.
func startSleeper(t *testing.T, sigs <-chan os.Signal, args ...string) (windows.Handle, <-chan int) {
	t.Helper()
	pidFile := filepath.Join(t.TempDir(), "pid")
	args = slices.Concat(args, []string{"--no-plugins", "--env", "PROCMAN_TEST_ROLE=sleep", "--env", "PROCMAN_TEST_PIDFILE=" + pidFile, "--", self(t)})
	opts, err := parseRunFlags(args)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := opts.config(os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	logger := hclog.New(&hclog.LoggerOptions{Name: "procman", Level: hclog.Info, Output: os.Stderr})
	status := make(chan int, 1)
	go func() { status <- superviseWith(host.New(opts.hostOptions(logger)...), cfg, opts, sigs, logger) }()

	var pid int
	for deadline := time.Now().Add(time.Minute); pid == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the program did not write its pid within a minute")
		}
		if b, err := os.ReadFile(pidFile); err == nil {
			pid, _ = strconv.Atoi(string(b))
		}
	}
	h, err := windows.OpenProcess(windows.SYNCHRONIZE, false, uint32(pid))
	if err != nil {
		t.Fatalf("open the program's process %d: %v", pid, err)
	}
	t.Cleanup(func() {
		windows.TerminateProcess(h, 1) // only if a failed test left it
		windows.CloseHandle(h)
	})
	return h, status
}

// waitStatus waits for run's exit status and checks that the program's
// process has ended.
func waitStatus(t *testing.T, h windows.Handle, status <-chan int) int {
	t.Helper()
	select {
	case s := <-status:
		if ev, err := windows.WaitForSingleObject(h, 0); ev != windows.WAIT_OBJECT_0 {
			t.Errorf("run returned %d, but the program still runs (%v)", s, err)
		}
		return s
	case <-time.After(2 * time.Minute):
		t.Fatal("run did not end within two minutes")
		return 0
	}
}

// The first Ctrl-C (or Ctrl-Break) stops the tree: a graceful request,
// then a kill after the grace period. Under Wine the request reaches no
// one (no console events), so the program ends at the kill, after a grace
// of a second.
func TestCtrlCWiringFirstStopsTheTree(t *testing.T) {
	sigs := make(chan os.Signal, 1)
	h, status := startSleeper(t, sigs, "--grace", "1s")
	sigs <- os.Interrupt
	got := waitStatus(t, h, status)
	if want := 128 + int(syscall.SIGKILL); underWine() && got != want {
		t.Errorf("exit status %d, want %d (killed after the grace)", got, want)
	}
	if want := 128 + int(syscall.SIGINT); !underWine() && got != want && got != 128+int(syscall.SIGKILL) {
		t.Errorf("exit status %d, want %d (ended by CTRL_BREAK) or %d (killed)", got, want, 128+int(syscall.SIGKILL))
	}
}

// A second Ctrl-C kills the tree at once, whatever the grace period left:
// with a grace of an hour, only that kill ends the program within the
// test's deadline.
func TestCtrlCWiringSecondKillsAtOnce(t *testing.T) {
	if !underWine() {
		t.Skip("on Windows the first CTRL_BREAK_EVENT may end the program before the second Ctrl-C")
	}
	sigs := make(chan os.Signal, 2)
	h, status := startSleeper(t, sigs, "--grace", "1h")
	sigs <- os.Interrupt
	sigs <- os.Interrupt
	if got, want := waitStatus(t, h, status), 128+int(syscall.SIGKILL); got != want {
		t.Errorf("exit status %d, want %d (killed)", got, want)
	}
}

// Closing the console (SIGTERM from Go) stops the tree as Ctrl-C does.
func TestCtrlCWiringConsoleCloseStopsTheTree(t *testing.T) {
	if !underWine() {
		t.Skip("on Windows the CTRL_BREAK_EVENT may end the program before the grace")
	}
	sigs := make(chan os.Signal, 1)
	h, status := startSleeper(t, sigs, "--grace", "1s")
	sigs <- syscall.SIGTERM
	if got, want := waitStatus(t, h, status), 128+int(syscall.SIGKILL); got != want {
		t.Errorf("exit status %d, want %d (killed after the grace)", got, want)
	}
}
