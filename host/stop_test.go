//go:build linux

package host_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/internal/proctest"
	"github.com/procman-dev/procman/sdk"
)

func TestStopEndsAThreeLevelTree(t *testing.T) {
	marker := proctest.Marker(t)
	m := newManager(t)
	h, _ := start(t, m, child(t, marker, "tree", "3"))
	proctest.WaitCount(t, marker, 3, 30*time.Second)

	stop(t, m, h)
	if pids := proctest.Find(marker); len(pids) != 0 {
		t.Errorf("Stop returned while %v still lived", pids)
	}
	st, _ := m.Status(h)
	if st.State != host.Terminated || st.Signal != syscall.SIGTERM || st.Unresponsive {
		t.Errorf("status = %v, want terminated by SIGTERM, responsive", st)
	}
}

func TestStopKillsAnUnresponsiveTreeAfterTheGrace(t *testing.T) {
	marker := proctest.Marker(t)
	var logs proctest.Buffer
	logger := hclog.New(&hclog.LoggerOptions{Output: &logs, Level: hclog.Warn})
	m := newManager(t, host.WithLogger(logger), host.WithStopGracePeriod(300*time.Millisecond))
	h, _ := start(t, m, child(t, marker, "tree-ignore-term", "3"))
	proctest.WaitCountIgnoring(t, marker, 3, syscall.SIGTERM, 30*time.Second)

	stop(t, m, h)
	if pids := proctest.Find(marker); len(pids) != 0 {
		t.Errorf("Stop returned while %v still lived", pids)
	}
	st, _ := m.Status(h)
	if st.State != host.Terminated || st.Signal != syscall.SIGKILL {
		t.Errorf("status = %v, want terminated by SIGKILL", st)
	}
	if !st.Unresponsive || !strings.Contains(st.UnresponsiveReason, "300ms") {
		t.Errorf("Unresponsive = %v, reason %q; want set, naming the grace period", st.Unresponsive, st.UnresponsiveReason)
	}
	if !strings.Contains(logs.String(), "unresponsive") || !strings.Contains(logs.String(), fmt.Sprint(st.PID)) {
		t.Errorf("no warning naming pid %d in the log:\n%s", st.PID, logs.String())
	}
}

func TestKillCutsTheGraceShort(t *testing.T) {
	marker := proctest.Marker(t)
	m := newManager(t, host.WithStopGracePeriod(time.Hour))
	h, _ := start(t, m, child(t, marker, "tree-ignore-term", "3"))
	proctest.WaitCountIgnoring(t, marker, 3, syscall.SIGTERM, 30*time.Second)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	stopped := make(chan error, 1)
	go func() { stopped <- m.Stop(ctx, h) }() // would wait an hour
	if err := m.Kill(ctx, h); err != nil {
		t.Fatalf("Kill: %v", err)
	}
	if err := <-stopped; err != nil {
		t.Errorf("Stop under way when Kill came: %v", err)
	}
	if pids := proctest.Find(marker); len(pids) != 0 {
		t.Errorf("Kill returned while %v still lived", pids)
	}
	if st, _ := m.Status(h); st.State != host.Terminated || st.Signal != syscall.SIGKILL || st.Unresponsive {
		t.Errorf("status = %v, want killed, not marked unresponsive", st)
	}
}

func TestStopReportsAGracefulExit(t *testing.T) {
	marker := proctest.Marker(t)
	m := newManager(t)
	h := startTermExit(t, m, marker, "7")
	stop(t, m, h)
	if st, _ := m.Status(h); st.State != host.Exited || st.ExitCode != 7 || st.Unresponsive {
		t.Errorf("status = %v, want exited 7", st)
	}
}

func TestStopIsIdempotent(t *testing.T) {
	marker := proctest.Marker(t)
	m := newManager(t)
	h, _ := start(t, m, child(t, marker, "sleep"))

	// Concurrent stops share one stop sequence.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { stop(t, m, h) })
	}
	wg.Wait()
	first, _ := m.Status(h)
	stop(t, m, h)
	if again, _ := m.Status(h); !reflect.DeepEqual(again, first) {
		t.Errorf("a second Stop changed the status from %v to %v", first, again)
	}

	// A process that exited by itself: Stop is a no-op.
	h, _ = start(t, m, child(t, marker, "exit", "3"))
	wait(t, m, h)
	stop(t, m, h)
	if st, _ := m.Status(h); st.State != host.Exited || st.ExitCode != 3 {
		t.Errorf("status after Stop of an exited process = %v, want exited 3", st)
	}
}

// Wait cut short by its ctx returns ctx's error wrapped, naming the
// handle, as Stop does, and the status so far.
func TestWaitWrapsItsContextsError(t *testing.T) {
	marker := proctest.Marker(t)
	m := newManager(t)
	h, _ := start(t, m, child(t, marker, "sleep"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	st, err := m.Wait(ctx, h)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "wait "+h.String()) {
		t.Errorf("Wait with a cancelled ctx = %v, want context.Canceled wrapped, naming the handle", err)
	}
	if st.State != host.Running {
		t.Errorf("Wait with a cancelled ctx returned status %v, want the running process's", st)
	}
	stop(t, m, h)
}

func TestUnknownHandleIsErrNotFound(t *testing.T) {
	m := newManager(t)
	for _, h := range []host.Handle{{}, mustParse(t, "6f1c1f43-8a52-4a51-9b0e-0e4f3f3c2d11")} {
		ctx := context.Background()
		_, statusErr := m.Status(h)
		_, waitErr := m.Wait(ctx, h)
		_, configErr := m.Config(h)
		for name, err := range map[string]error{
			"Stop":   m.Stop(ctx, h),
			"Kill":   m.Kill(ctx, h),
			"Status": statusErr,
			"Wait":   waitErr,
			"Config": configErr,
			"Signal": m.Signal(h, syscall.SIGTERM),
			"Forget": m.Forget(h),
		} {
			if !errors.Is(err, host.ErrNotFound) || !strings.Contains(err.Error(), h.String()) {
				t.Errorf("%s(%v) = %v, want ErrNotFound naming the handle", name, h, err)
			}
		}
	}
}

func TestChildrenLeftBehindAreStopped(t *testing.T) {
	marker := proctest.Marker(t)
	m := newManager(t)
	// The shell exits at once and leaves a sleeping child behind.
	cfg := sdk.ProcessConfig{
		Command: "/bin/sh",
		Args:    []string{"-c", fmt.Sprintf("%q sleep %s & exit 4", testchild, marker), marker},
	}
	h, _ := start(t, m, cfg)
	var st host.Status
	waitFor(t, func() bool { st, _ = m.Status(h); return st.State == host.RunningDetached })
	pids := proctest.WaitCount(t, marker, 1, 30*time.Second)
	if st.ExitCode != 4 || !slices.Equal(st.Descendants, pids) {
		t.Fatalf("status = %+v, want running detached, exit code 4, descendants %v", st, pids)
	}
	if err := m.Forget(h); !errors.Is(err, host.ErrActive) {
		t.Errorf("Forget with a live descendant = %v, want ErrActive", err)
	}

	stop(t, m, h)
	if pids := proctest.Find(marker); len(pids) != 0 {
		t.Errorf("Stop returned while %v still lived", pids)
	}
	if st, _ := m.Status(h); st.State != host.Exited || st.ExitCode != 4 {
		t.Errorf("status after Stop = %v, want exited 4", st)
	}
	if err := m.Forget(h); err != nil {
		t.Errorf("Forget after Stop = %v", err)
	}
	if _, err := m.Status(h); !errors.Is(err, host.ErrNotFound) {
		t.Errorf("Status after Forget = %v, want ErrNotFound", err)
	}
}

func TestSignalReachesOnlyTheMainProcess(t *testing.T) {
	marker := proctest.Marker(t)
	m := newManager(t)
	h := startTermExit(t, m, marker, "9")
	if err := m.Signal(h, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if st := wait(t, m, h); st.State != host.Exited || st.ExitCode != 9 {
		t.Errorf("status = %v, want exited 9", st)
	}
	if err := m.Signal(h, syscall.SIGTERM); !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("Signal after exit = %v, want os.ErrProcessDone", err)
	}
}

// startTermExit starts testchild term-exit CODE and waits until it has said
// that its SIGTERM handler is in place.
func startTermExit(t *testing.T, m *host.Manager, marker, code string) host.Handle {
	t.Helper()
	cfg := child(t, marker, "term-exit", code)
	cfg.LogFile = "out.log"
	h, _ := start(t, m, cfg)
	waitFor(t, func() bool { return readFile(cfg.Dir, "out.log") == "ready\n" })
	return h
}

func mustParse(t *testing.T, s string) host.Handle {
	h, err := host.ParseHandle(s)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
