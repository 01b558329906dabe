//go:build linux

package host_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/internal/proctest"
	"github.com/procman-dev/procman/sdk"
	"go.uber.org/goleak"
)

func TestConcurrentUseFrom32Goroutines(t *testing.T) {
	marker := proctest.Marker(t)
	m := newManager(t)
	cfg := child(t, marker, "sleep")
	var wg sync.WaitGroup
	for g := range 32 {
		wg.Go(func() {
			for range 3 {
				h, err := m.Start(context.Background(), cfg)
				if err != nil {
					t.Errorf("goroutine %d: Start: %v", g, err)
					return
				}
				if st, err := m.Status(h); err != nil || st.State != host.Running {
					t.Errorf("goroutine %d: Status = %v, %v", g, st, err)
				}
				if !slices.Contains(m.List(), h) {
					t.Errorf("goroutine %d: List lacks a running process", g)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				if err := m.Stop(ctx, h); err != nil {
					t.Errorf("goroutine %d: Stop: %v", g, err)
				}
				cancel()
				if st, _ := m.Status(h); st.State != host.Terminated {
					t.Errorf("goroutine %d: status after Stop = %v", g, st)
				}
				if slices.Contains(m.List(), h) {
					t.Errorf("goroutine %d: List holds a stopped process", g)
				}
			}
		})
	}
	wg.Wait()
	if pids := proctest.Find(marker); len(pids) != 0 {
		t.Errorf("processes left after every Stop returned: %v", pids)
	}
}

func TestCloseStopsEveryProcessAtOnce(t *testing.T) {
	marker := proctest.Marker(t)
	m := newManager(t, host.WithStopGracePeriod(time.Hour))
	dir := t.TempDir()
	// Each shell notes the SIGTERM in its file and keeps running, for the
	// whole grace period. Stopped one after another, the second would get
	// SIGTERM only an hour after the first.
	var pids []int
	var handles []host.Handle
	for i := range 3 {
		note := filepath.Join(dir, fmt.Sprint(i))
		script := fmt.Sprintf(`trap 'echo term > %s' TERM; echo ready > %s.ready; while :; do sleep 0.05; done`, note, note)
		h, st := start(t, m, sdk.ProcessConfig{Command: "/bin/sh", Args: []string{"-c", script, marker}})
		pids = append(pids, st.PID)
		handles = append(handles, h)
	}
	for i := range 3 {
		waitFor(t, func() bool { return readFile(dir, fmt.Sprintf("%d.ready", i)) != "" })
	}

	closed := make(chan error, 1)
	go func() { closed <- m.Close(context.Background()) }()
	waitFor(t, func() bool {
		return readFile(dir, "0") != "" && readFile(dir, "1") != "" && readFile(dir, "2") != ""
	})
	for _, pid := range pids {
		if state := proctest.State(pid); state == 0 || state == 'Z' {
			t.Errorf("when the last shell got SIGTERM, shell %d of %v was gone: stops ran one after another", pid, pids)
		}
	}
	// Not an hour: Kill cuts the graces short.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, h := range handles {
		if err := m.Kill(ctx, h); err != nil {
			t.Error(err)
		}
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if alive := proctest.Find(marker); len(alive) != 0 {
		t.Errorf("Close returned while %v still lived", alive)
	}
}

func TestCloseLeavesNoGoroutine(t *testing.T) {
	before := goleak.IgnoreCurrent()
	marker := proctest.Marker(t)
	// Signal handling on, as by default: its goroutine must end with Close.
	m := host.New(host.WithLogger(hclog.NewNullLogger()))
	for _, mode := range []string{"sleep", "tree", "exit"} {
		if _, err := m.Start(context.Background(), child(t, marker, mode, "2")); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(context.Background()); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if _, err := m.Start(context.Background(), child(t, marker, "sleep")); !errors.Is(err, host.ErrClosed) {
		t.Errorf("Start after Close = %v, want ErrClosed", err)
	}
	if pids := proctest.Find(marker); len(pids) != 0 {
		t.Errorf("Close returned while %v still lived", pids)
	}
	if err := findLeaks(before, ignoreReaper, ignoreChildExits); err != nil {
		t.Error(err)
	}
}

// ignoreReaper ignores the goroutine that watches the reaper, which the
// whole program shares for as long as it runs.
var ignoreReaper = goleak.IgnoreAnyFunction("github.com/procman-dev/procman/reaper.(*Reaper).watch")

// ignoreChildExits ignores the goroutine that passes on the program's
// SIGCHLDs to the waits for helpers' exits, for as long as it runs.
var ignoreChildExits = goleak.IgnoreTopFunction("github.com/procman-dev/procman/platform.relayChildExits")

// TestSignalledEmbedderStopsEverything runs a program that embeds host and
// signals it, as a user's Ctrl-C or a service manager would: with the
// default options, which leave signals alone, the program dies at once and
// the procman-inits and the reaper end its trees; with signal handling on,
// the Manager stops them before the program dies by the signal.
func TestSignalledEmbedderStopsEverything(t *testing.T) {
	for _, handling := range []bool{false, true} {
		for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
			t.Run(fmt.Sprintf("handling=%v/%v", handling, sig), func(t *testing.T) {
				marker := proctest.Marker(t)
				env := []string{"PROCMAN_MARKER=" + marker}
				grace := "2s" // what the ignore-term tree outlives the unhandled signal by
				if handling {
					env = append(env, "PROCMAN_TEST_SIGNALS=1")
					grace = "300ms"
				}
				cmd, _ := startEmbedder(t, env, grace, "tree 3", "tree-ignore-term 2")
				cmd.Process.Signal(sig)
				err := cmd.Wait()
				var exitErr *exec.ExitError
				if !errors.As(err, &exitErr) {
					t.Fatalf("embedder ended with %v, want death by %v", err, sig)
				}
				if ws := exitErr.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != sig {
					t.Errorf("embedder ended with %v, want death by %v", exitErr, sig)
				}
				if handling {
					if pids := proctest.Find(marker); len(pids) != 0 {
						t.Errorf("embedder exited while %v still lived", pids)
					}
				} else {
					// Nothing stopped the trees before the death: the
					// inits and the reaper end them after it.
					if pids := proctest.Find(marker); len(pids) == 0 {
						t.Errorf("the trees were gone as the embedder died: was the signal handled?")
					}
					if pids := proctest.WaitGone(marker, 30*time.Second); len(pids) != 0 {
						t.Errorf("%v outlived the embedder's death by 30 s", pids)
					}
				}
			})
		}
	}
}

// TestSignalHandlingLeavesTheProgramsOwnHandler runs a program that listens
// for the signals itself, with signal handling on: the Manager stops every
// process, and the program's handler, not the Manager, decides when the
// program ends.
func TestSignalHandlingLeavesTheProgramsOwnHandler(t *testing.T) {
	marker := proctest.Marker(t)
	env := []string{"PROCMAN_MARKER=" + marker, "PROCMAN_TEST_SIGNALS=1", "PROCMAN_TEST_OWN_HANDLER=1"}
	cmd, out := startEmbedder(t, env, "300ms", "tree 3", "tree-ignore-term 2")
	cmd.Process.Signal(syscall.SIGINT)
	rest, _ := io.ReadAll(out)
	err := cmd.Wait()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 7 {
		t.Errorf("embedder ended with %v, want its own handler's exit status 7", err)
	}
	if !strings.Contains(string(rest), "handler got interrupt\n") || !strings.Contains(string(rest), "cleanup done\n") {
		t.Errorf("embedder printed %q, want its handler's lines, cleanup done", rest)
	}
	if pids := proctest.WaitGone(marker, 30*time.Second); len(pids) != 0 {
		t.Errorf("%v outlived the embedder by 30 s", pids)
	}
}

// startEmbedder starts testembed with env (after the test's own), grace and
// the testchild command lines, and waits until it is ready and every
// process of its trees runs, each "ignore-term" one ignoring SIGTERM. It
// returns the rest of the embedder's stdout.
func startEmbedder(t *testing.T, env []string, grace string, lines ...string) (*exec.Cmd, *bufio.Reader) {
	t.Helper()
	cmd := exec.Command(testembed, append([]string{grace, testchild}, lines...)...)
	cmd.Env = append(os.Environ(), env...)
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	out := bufio.NewReader(pipe)
	if line, _ := out.ReadString('\n'); !strings.HasPrefix(line, "ready ") {
		t.Fatalf("embedder said %q, want ready", line)
	}
	var marker string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PROCMAN_MARKER="); ok {
			marker = v
		}
	}
	want := 0
	for _, line := range lines {
		n, _ := strconv.Atoi(strings.Fields(line)[len(strings.Fields(line))-1])
		want += n
	}
	for _, pid := range proctest.WaitCount(t, marker, want, 30*time.Second) {
		if cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); strings.Contains(string(cmdline), "ignore-term") {
			proctest.WaitIgnoring(t, pid, syscall.SIGTERM, 30*time.Second)
		}
	}
	return cmd, out
}

// readFile returns the file's content, or "" when it does not exist yet.
func readFile(dir, name string) string {
	data, _ := os.ReadFile(filepath.Join(dir, name))
	return string(data)
}

func TestZeroManagerIsUsable(t *testing.T) {
	marker := proctest.Marker(t)
	var m host.Manager
	if _, err := m.Status(host.Handle{}); !errors.Is(err, host.ErrNotFound) {
		t.Errorf("Status of a zero Manager = %v, want ErrNotFound", err)
	}
	h, err := m.Start(context.Background(), child(t, marker, "exit", "4"))
	if err != nil {
		t.Fatal(err)
	}
	if st := wait(t, &m, h); st.State != host.Exited || st.ExitCode != 4 {
		t.Errorf("status %v, want exited 4", st)
	}
	h, _ = start(t, &m, child(t, marker, "sleep"))
	if err := m.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st, _ := m.Status(h); st.State != host.Terminated {
		t.Errorf("status after Close %v, want terminated", st)
	}
}
