//go:build linux

package acceptance

import (
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/procman-dev/procman/internal/proctest"
)

func TestForwardedSignalsReachTheCommand(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2} {
		t.Run(sig.String(), func(t *testing.T) {
			marker := proctest.Marker(t)
			p := start(t, procman(t, "run", "--", testchildBin, "trap", marker))
			p.waitLine(t, "ready")
			p.signal(t, sig)
			// testchild trap exits with 100+N on signal N.
			if code := p.wait(t); code != 100+int(sig) {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, 100+int(sig), p.stderr)
			}
		})
	}
}

func TestStopSignalsStopTheTree(t *testing.T) {
	// The grace period outlasts the test, and the trees that get SIGINT or
	// SIGHUP ignore SIGTERM, the signal that Close would send them: procman
	// can end in time only if the signal it got reached every process.
	tests := []struct {
		sig  syscall.Signal
		mode string
	}{
		{syscall.SIGINT, "tree-ignore-term"},
		{syscall.SIGHUP, "tree-ignore-term"},
		{syscall.SIGTERM, "tree"},
	}
	for _, tt := range tests {
		t.Run(tt.sig.String(), func(t *testing.T) {
			marker := proctest.Marker(t)
			p := start(t, procman(t, "run", "--grace", "1h", "--", testchildBin, tt.mode, "3", marker))
			proctest.WaitCount(t, marker, 4, 30*time.Second) // procman and three testchilds
			p.signal(t, tt.sig)
			p.wantEnd(t, 128+int(tt.sig), marker)
		})
	}
}

func TestStopKillsAfterGrace(t *testing.T) {
	marker := proctest.Marker(t)
	p := start(t, procman(t, "run", "--grace", "300ms", "--", testchildBin, "tree-ignore-term", "3", marker))
	pids := proctest.WaitCount(t, marker, 4, 30*time.Second)
	for _, pid := range slices.DeleteFunc(pids, func(pid int) bool { return pid == p.cmd.Process.Pid }) {
		proctest.WaitIgnoring(t, pid, syscall.SIGTERM, 30*time.Second)
	}
	p.signal(t, syscall.SIGTERM)
	p.wantEnd(t, 128+int(syscall.SIGKILL), marker)
}

// A signal procman was started with ignored, as under nohup, stays ignored:
// procman neither acts on it nor restores it for the command.
func TestIgnoredSignalStaysIgnored(t *testing.T) {
	marker := proctest.Marker(t)
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal(err)
	}
	cmd := procman(t)
	cmd.Path = sh
	cmd.Args = []string{"sh", "-c", `trap "" HUP; exec "$0" "$@"`, procmanBin, "run", "--", testchildBin, "trap", marker}
	p := start(t, cmd)
	p.waitLine(t, "ready")
	// testchild trap exits with 101 on SIGHUP and 115 on SIGTERM: had
	// procman stopped the tree on SIGHUP, SIGHUP would have reached it first.
	p.signal(t, syscall.SIGHUP)
	p.signal(t, syscall.SIGTERM)
	if code := p.wait(t); code != 115 {
		t.Errorf("exit code %d, want 115; stderr:\n%s", code, p.stderr)
	}
}

// A second stop signal does not wait for the grace period: it kills.
func TestSecondStopSignalKillsAtOnce(t *testing.T) {
	marker := proctest.Marker(t)
	// The shell notes each SIGTERM and goes on; the grace outlasts the test.
	script := `trap 'echo got-term' TERM; echo ready; while :; do sleep 0.05; done`
	p := start(t, procman(t, "run", "--grace", "1h", "--", "/bin/sh", "-c", script, marker))
	p.waitLine(t, "ready")
	p.signal(t, syscall.SIGTERM)
	p.waitLine(t, "got-term") // the first signal reached the tree; its grace runs
	p.signal(t, syscall.SIGTERM)
	p.wantEnd(t, 128+int(syscall.SIGKILL), marker)
}
