package platform

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func startShell(t *testing.T, script string) *Process {
	t.Helper()
	devNull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	p, err := Start(Spec{
		Path:  "/bin/sh",
		Args:  []string{"sh", "-c", script},
		Dir:   "/",
		Env:   []string{"PATH=/usr/bin:/bin"},
		Stdin: devNull, Stdout: devNull, Stderr: devNull,
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func state(pid int) string {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	s := string(stat)
	return s[strings.LastIndexByte(s, ')')+2:][:1]
}

func TestWaitLeavesTheLeaderUnreapedUntilRelease(t *testing.T) {
	p := startShell(t, "exit 42")
	st, err := p.Wait()
	if err != nil || st != (ExitStatus{Code: 42}) {
		t.Fatalf("Wait = %v, %v; want exit 42", st, err)
	}
	if got := state(p.Pid); got != "Z" {
		t.Errorf("after Wait the leader's state is %q, want Z (unreaped)", got)
	}
	if err := p.Release(); err != nil {
		t.Fatal(err)
	}
	if got := state(p.Pid); got != "" {
		t.Errorf("after Release pid %d still exists in state %q", p.Pid, got)
	}
}

func TestMembersOutliveTheLeader(t *testing.T) {
	// The shell leaves a sleep in its group and exits.
	p := startShell(t, "sleep 600 & exit 0")
	if _, err := p.Wait(); err != nil {
		t.Fatal(err)
	}
	var members []int
	for deadline := time.Now().Add(10 * time.Second); len(members) == 0 && time.Now().Before(deadline); {
		members, _ = p.Members()
	}
	if len(members) != 1 || slices.Contains(members, p.Pid) {
		t.Fatalf("Members = %v, want the one sleep and not the exited leader %d", members, p.Pid)
	}
	if err := p.SignalTree(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); len(members) > 0; {
		if time.Now().After(deadline) {
			t.Fatalf("group members %v survived SIGKILL to the group", members)
		}
		members, _ = p.Members()
	}
	if err := p.Release(); err != nil {
		t.Fatal(err)
	}
}

func TestWaitReportsTheSignal(t *testing.T) {
	p := startShell(t, "kill -USR2 $$")
	st, err := p.Wait()
	if err != nil || st.Signal != syscall.SIGUSR2 {
		t.Errorf("Wait = %v, %v; want death by SIGUSR2", st, err)
	}
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Errorf("Signal to an exited, unreleased process = %v, want nil", err)
	}
	p.Release()
}
