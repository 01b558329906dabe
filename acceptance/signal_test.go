//go:build linux

package acceptance

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
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

// With --forward-hup, SIGHUP is a reload: it reaches the main process
// alone, and the tree runs on until a stop signal.
func TestForwardHupReloads(t *testing.T) {
	marker := proctest.Marker(t)
	script := `trap 'echo reload' HUP; echo ready; while :; do sleep 0.05; done`
	p := start(t, procman(t, "run", "--forward-hup", "--log-level", "debug", "--", "/bin/sh", "-c", script, marker))
	p.waitLine(t, "ready")
	waitStderr(t, p.stderr, "started:") // not a SIGHUP during the start
	for range 2 {
		p.signal(t, syscall.SIGHUP)
		p.waitLine(t, "reload")
	}
	p.signal(t, syscall.SIGTERM)
	p.wantEnd(t, 128+int(syscall.SIGTERM), marker)
	// Not on a terminal, procman is quiet: no "stopping (grace ...)".
	if strings.Contains(p.stderr.String(), "stopping (grace") {
		t.Errorf("procman said, with stderr not a terminal:\n%s", p.stderr)
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
			waitTree(t, p, marker, 3) // three testchilds
			p.signal(t, tt.sig)
			p.wantEnd(t, 128+int(tt.sig), marker)
		})
	}
}

func TestStopKillsAfterGrace(t *testing.T) {
	marker := proctest.Marker(t)
	p := start(t, procman(t, "run", "--grace", "300ms", "--", testchildBin, "tree-ignore-term", "3", marker))
	for _, pid := range waitTree(t, p, marker, 3) {
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
	p := start(t, procman(t, "run", "--log-level", "debug", "--grace", "1h", "--", "/bin/sh", "-c", script, marker))
	p.waitLine(t, "ready")
	// Signalled while procman still starts it, the command would be
	// stopped as a start given up, not killed by the second signal.
	waitStderr(t, p.stderr, "started:")
	p.signal(t, syscall.SIGTERM)
	p.waitLine(t, "got-term") // the first signal reached the tree; its grace runs
	p.signal(t, syscall.SIGTERM)
	p.wantEnd(t, 128+int(syscall.SIGKILL), marker)
}

// A stop signal always works, even while procman waits, before the command
// starts, for a reader of its log FIFO: the start gives up, procman exits
// as the signal says, and leaves nothing behind.
func TestStopSignalEndsAStartThatWaits(t *testing.T) {
	tests := []struct {
		name string
		sigs []syscall.Signal
	}{
		{"SIGINT", []syscall.Signal{syscall.SIGINT}},
		{"SIGTERM", []syscall.Signal{syscall.SIGTERM}},
		{"SIGTERM twice", []syscall.Signal{syscall.SIGTERM, syscall.SIGTERM}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			marker := proctest.Marker(t)
			fifo := filepath.Join(t.TempDir(), "log.fifo")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := procman(t, "run", "--log-level", "info", "--log", fifo, "--log-special", "--", testchildBin, "exit", "0", marker)
			var stderr proctest.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			waitStderr(t, &stderr, "waiting for a reader of the log file")
			helpers := children(cmd.Process.Pid)
			for _, sig := range tt.sigs {
				if err := cmd.Process.Signal(sig); err != nil {
					t.Fatal(err)
				}
			}
			select {
			case <-exited:
			case <-time.After(30 * time.Second):
				cmd.Process.Kill()
				<-exited
				t.Fatalf("procman still ran 30s after %v; stderr:\n%s", tt.sigs, stderr.String())
			}
			if want := 128 + int(tt.sigs[0]); !cmd.ProcessState.Exited() || cmd.ProcessState.ExitCode() != want {
				t.Errorf("procman ended with %v, want exit code %d; stderr:\n%s", cmd.ProcessState, want, stderr.String())
			}
			if pids := proctest.Find(marker); len(pids) != 0 {
				t.Errorf("left running: %v", pids)
			}
			for _, pid := range helpers {
				waitExited(t, pid)
			}
		})
	}
}

// waitStderr waits until stderr holds want.
func waitStderr(t *testing.T, stderr *proctest.Buffer, want string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(stderr.String(), want); {
		if time.Now().After(deadline) {
			t.Fatalf("no %q on stderr after 30s:\n%s", want, stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// children returns the pids of the children of pid.
func children(pid int) []int {
	data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	var pids []int
	for _, field := range strings.Fields(string(data)) {
		if child, err := strconv.Atoi(field); err == nil {
			pids = append(pids, child)
		}
	}
	return pids
}

// waitExited waits until process pid has ended.
func waitExited(t *testing.T, pid int) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; {
		if state := proctest.State(pid); state == 0 || state == 'Z' {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("procman's helper %d still runs 30s after procman ended", pid)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}
