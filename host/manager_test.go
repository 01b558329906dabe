//go:build linux

package host_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
	if err := findLeaks(before, ignoreReaper); err != nil {
		t.Error(err)
	}
}

// ignoreReaper ignores the goroutine that watches the reaper, which the
// whole program shares for as long as it runs.
var ignoreReaper = goleak.IgnoreAnyFunction("github.com/procman-dev/procman/reaper.(*Reaper).watch")

// TestSignalledEmbedderStopsEverything runs a program that embeds host with
// the default options and signals it, as a user's Ctrl-C or a service
// manager would.
func TestSignalledEmbedderStopsEverything(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			marker := proctest.Marker(t)
			cmd := exec.Command(testembed, "300ms", testchild, "tree 3", "tree-ignore-term 2")
			cmd.Env = append(os.Environ(), "PROCMAN_MARKER="+marker)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			line, _ := bufio.NewReader(out).ReadString('\n')
			if !strings.HasPrefix(line, "ready ") {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("embedder said %q, want ready", line)
			}
			for _, pid := range proctest.WaitCount(t, marker, 5, 30*time.Second) {
				if cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); strings.Contains(string(cmdline), "ignore-term") {
					proctest.WaitIgnoring(t, pid, syscall.SIGTERM, 30*time.Second)
				}
			}

			cmd.Process.Signal(sig)
			err = cmd.Wait()
			var exitErr *exec.ExitError
			if !errors.As(err, &exitErr) {
				t.Fatalf("embedder ended with %v, want death by %v", err, sig)
			}
			if ws := exitErr.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != sig {
				t.Errorf("embedder ended with %v, want death by %v", exitErr, sig)
			}
			if pids := proctest.Find(marker); len(pids) != 0 {
				t.Errorf("embedder exited while %v still lived", pids)
			}
		})
	}
}

// readFile returns the file's content, or "" when it does not exist yet.
func readFile(dir, name string) string {
	data, _ := os.ReadFile(filepath.Join(dir, name))
	return string(data)
}
