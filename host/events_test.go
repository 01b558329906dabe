//go:build linux

package host_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/internal/proctest"
)

// TestEventsTellEveryChange follows processes through every path of their
// lives with one subscription, and checks each one's events, in order, and
// the status each carries.
func TestEventsTellEveryChange(t *testing.T) {
	marker := proctest.Marker(t)
	m := newManager(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := m.Events(ctx)

	exits, _ := start(t, m, child(t, marker, "exit", "3"))
	wait(t, m, exits)
	stopped, _ := start(t, m, child(t, marker, "sleep"))
	stop(t, m, stopped)
	detached, _ := start(t, m, child(t, marker, "daemons", "1", "0"))
	waitFor(t, func() bool { st, _ := m.Status(detached); return st.State == host.RunningDetached })
	daemon := proctest.WaitCount(t, marker, 1, 10*time.Second)[0]
	syscall.Kill(daemon, syscall.SIGKILL)
	wait(t, m, detached)
	stubborn, st := start(t, m, child(t, marker, "ignore-term"), host.WithStopGrace(100*time.Millisecond))
	proctest.WaitIgnoring(t, st.PID, syscall.SIGTERM, 10*time.Second)
	stop(t, m, stubborn)
	killed, st := start(t, m, child(t, marker, "sleep"))
	syscall.Kill(st.PID, syscall.SIGTERM)
	wait(t, m, killed)
	cfg := child(t, marker, "sleep")
	cfg.Command = filepath.Join(cfg.Dir, "not-a-program")
	if err := os.WriteFile(cfg.Command, []byte("\x00\x01 no format the kernel knows"), 0o755); err != nil {
		t.Fatal(err)
	}
	failed, err := m.Start(context.Background(), cfg)
	if err == nil || failed == (host.Handle{}) {
		t.Fatalf("Start of a file that is no program = %v, %v; want a handle and an error", failed, err)
	}

	if err := m.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := map[host.Handle][]host.Event{}
	for ev := range events { // ends: the Manager is closed and every tree gone
		got[ev.Handle] = append(got[ev.Handle], ev)
	}
	check := func(name string, h host.Handle, want ...host.EventKind) []host.Event {
		t.Helper()
		var kinds []host.EventKind
		for _, ev := range got[h] {
			kinds = append(kinds, ev.Kind)
		}
		if !slices.Equal(kinds, want) {
			t.Errorf("%s: events %v, want %v", name, kinds, want)
			return nil
		}
		return got[h]
	}
	if evs := check("exit 3", exits, host.EventStarted, host.EventExited); evs != nil {
		if st := evs[1].Status; st.State != host.Exited || st.ExitCode != 3 || st.StopRequested {
			t.Errorf("exit 3: last status %v", st)
		}
	}
	if evs := check("stopped", stopped, host.EventStarted, host.EventStopRequested, host.EventTerminated); evs != nil {
		if st := evs[1].Status; st.State != host.Running || !st.StopRequested || !strings.HasSuffix(st.String(), "; stopping") {
			t.Errorf("stopped: status at the request %v, want running, stopping", st)
		}
		if st := evs[2].Status; st.Signal != syscall.SIGTERM || !st.StopRequested {
			t.Errorf("stopped: last status %+v, want SIGTERM, stop requested", st)
		}
	}
	if evs := check("detached", detached, host.EventStarted, host.EventDetached, host.EventExited); evs != nil {
		if st := evs[1].Status; !slices.Equal(st.Descendants, []int{daemon}) {
			t.Errorf("detached: status %v, want descendant %d", st, daemon)
		}
	}
	if evs := check("stubborn", stubborn, host.EventStarted, host.EventStopRequested, host.EventUnresponsive, host.EventTerminated); evs != nil {
		if st := evs[3].Status; st.Signal != syscall.SIGKILL || !strings.Contains(st.UnresponsiveReason, "100ms") {
			t.Errorf("stubborn: last status %v, want killed after its own grace, 100ms", st)
		}
	}
	if evs := check("killed from outside", killed, host.EventStarted, host.EventTerminated); evs != nil {
		if st := evs[1].Status; st.Signal != syscall.SIGTERM || st.StopRequested {
			t.Errorf("killed from outside: last status %+v, want SIGTERM and no stop requested", st)
		}
	}
	check("failed", failed, host.EventFailed)
	if pids := proctest.Find(marker); len(pids) != 0 {
		t.Errorf("%v live on", pids)
	}
}

func TestEventsEndWithTheirContext(t *testing.T) {
	m := newManager(t)
	ctx, cancel := context.WithCancel(context.Background())
	events := m.Events(ctx)
	cancel()
	for ev := range events {
		t.Errorf("event %v after the subscription ended", ev)
	}
	m.Close(context.Background())
	for ev := range m.Events(context.Background()) {
		t.Errorf("event %v from a closed Manager", ev)
	}
}

func TestStopSignalAndGraceOfOneProcess(t *testing.T) {
	marker := proctest.Marker(t)
	m := newManager(t)
	h, _ := start(t, m, child(t, marker, "sleep"), host.WithStopSignal(syscall.SIGINT))
	stop(t, m, h)
	if st, _ := m.Status(h); st.Signal != syscall.SIGINT || !st.StopRequested {
		t.Errorf("status %+v, want ended by its stop signal, SIGINT", st)
	}
	// StopWithSignal still sends what it is given.
	h, _ = start(t, m, child(t, marker, "sleep"), host.WithStopSignal(syscall.SIGINT))
	if err := m.StopWithSignal(context.Background(), h, syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if st, _ := m.Status(h); st.Signal != syscall.SIGHUP {
		t.Errorf("status %+v, want ended by SIGHUP", st)
	}

	for _, opt := range []struct {
		opt  host.StartOption
		want string
	}{
		{host.WithStopGrace(host.MaxStopGracePeriod + time.Second), "stop grace period 24h0m1s is longer than the maximum"},
		{host.WithStopSignal(syscall.SIGSTOP), "cannot be a stop signal"},
		{host.WithStopSignal(0), "cannot be a stop signal"},
	} {
		h, err := m.Start(context.Background(), child(t, marker, "sleep"), opt.opt)
		if err == nil || !strings.Contains(err.Error(), opt.want) || h != (host.Handle{}) {
			t.Errorf("Start = %v, %v; want no handle and an error saying %q", h, err, opt.want)
		}
	}
	if pids := proctest.Find(marker); len(pids) != 0 {
		t.Errorf("%v live on", pids)
	}
}

func TestFinishedRecordsAreBounded(t *testing.T) {
	marker := proctest.Marker(t)
	m := newManager(t, host.WithFinishedRecords(3, 0))
	running, _ := start(t, m, child(t, marker, "sleep"))
	var handles []host.Handle
	for range 5 {
		h, _ := start(t, m, child(t, marker, "exit", "0"))
		wait(t, m, h)
		handles = append(handles, h)
	}
	for i, h := range handles {
		_, err := m.Status(h)
		if dropped := i < 2; dropped != errors.Is(err, host.ErrNotFound) {
			t.Errorf("record %d: Status error %v, want dropped %v", i, err, dropped)
		}
	}
	// A process still running is never dropped; Forget makes room.
	if st, err := m.Status(running); err != nil || st.State != host.Running {
		t.Errorf("running process: %v, %v", st, err)
	}
	if err := m.Forget(handles[4]); err != nil {
		t.Fatal(err)
	}
	h, _ := start(t, m, child(t, marker, "exit", "0"))
	wait(t, m, h)
	if _, err := m.Status(handles[2]); err != nil {
		t.Errorf("record 2 dropped though Forget made room: %v", err)
	}

	aged := newManager(t, host.WithFinishedRecords(-1, 50*time.Millisecond))
	h, _ = start(t, aged, child(t, marker, "exit", "0"))
	wait(t, aged, h)
	waitFor(t, func() bool { _, err := aged.Status(h); return errors.Is(err, host.ErrNotFound) })
}

// TestStatusCountsWhatTheTreeUsed has a descendant of the program use CPU
// and memory, one the program waits for and, where an init reaps orphans,
// one it leaves behind.
func TestStatusCountsWhatTheTreeUsed(t *testing.T) {
	eachMechanism(t, func(t *testing.T, mech host.Mechanism) {
		modes := []string{"wait", "orphan"}
		if !holdsDaemons(mech) {
			modes = modes[:1] // an orphan leaves a bare process group's accounting
		}
		for _, mode := range modes {
			marker := proctest.Marker(t)
			m := newManager(t, host.WithContainment(mech))
			h, _ := start(t, m, child(t, marker, "burn", "300", "64", mode))
			st := wait(t, m, h)
			if st.State != host.Exited || st.CPUTime < 300*time.Millisecond || st.PeakMemory < 64<<20 {
				t.Errorf("%s: status %v, CPU %v, peak %d bytes; want exited, at least 300ms and 64 MiB", mode, st, st.CPUTime, st.PeakMemory)
			}
			running, _ := start(t, m, child(t, marker, "sleep"))
			if st, _ := m.Status(running); st.CPUTime != 0 || st.PeakMemory != 0 {
				t.Errorf("running process: CPU %v, peak %d, want none before the end", st.CPUTime, st.PeakMemory)
			}
		}
	})
}

// TestSuspendAndResumeTheWholeTree suspends a tree as Ctrl-Z does a job,
// continues it, suspends it again and stops it: a suspended tree ends by
// its stop signal, not by the kill after the grace.
func TestSuspendAndResumeTheWholeTree(t *testing.T) {
	eachMechanism(t, func(t *testing.T, mech host.Mechanism) {
		marker := proctest.Marker(t)
		m := newManager(t, host.WithContainment(mech))
		h, _ := start(t, m, child(t, marker, "tree", "3"), host.WithStopGrace(time.Minute))
		pids := proctest.WaitCount(t, marker, 3, 10*time.Second)
		// Each asleep in pause: a process still between its fork and its
		// exec (a vfork child carries its parent's marker) would keep its
		// parent from stopping until it execs, which a stopped child
		// never does.
		waitFor(t, func() bool {
			for _, pid := range pids {
				if proctest.State(pid) != 'S' {
					return false
				}
			}
			return true
		})
		inState := func(stopped bool) func() bool {
			return func() bool {
				for _, pid := range pids {
					if (proctest.State(pid) == 'T') != stopped {
						return false
					}
				}
				return true
			}
		}
		if err := m.Suspend(h); err != nil {
			t.Fatal(err)
		}
		waitFor(t, inState(true))
		if err := m.Resume(h); err != nil {
			t.Fatal(err)
		}
		waitFor(t, inState(false))
		if err := m.Suspend(h); err != nil {
			t.Fatal(err)
		}
		waitFor(t, inState(true))
		stop(t, m, h)
		if st, _ := m.Status(h); st.Signal != syscall.SIGTERM || st.Unresponsive {
			t.Errorf("suspended tree after Stop: %v, want ended by SIGTERM", st)
		}
		if err := m.Suspend(h); !errors.Is(err, os.ErrProcessDone) {
			t.Errorf("Suspend of an ended tree = %v, want os.ErrProcessDone", err)
		}
	})
}
