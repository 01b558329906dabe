package platform

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"testing"

	"golang.org/x/sys/windows"

	"github.com/procman-dev/procman/internal/proctest"
)

// runHost is a host: it starts a tree with a Spawner, passes on the
// tree's announcements, and then ends as how says, without stopping the
// tree or releasing it: "exit" and "crash" once its stdin ends (the
// test's go-ahead: the test holds every member before any can end),
// "wait" never (it waits to be killed).
func runHost(how string) {
	s, err := NewSpawner(SpawnerOptions{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(102)
	}
	r, w, err := os.Pipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(102)
	}
	exe, _ := os.Executable()
	null, _ := os.Open(os.DevNull)
	_, err = s.Start(context.Background(), Spec{
		Path:   exe,
		Args:   append([]string{exe}, markerArgs()...),
		Env:    childEnv("tree"),
		Stdin:  null,
		Stdout: w,
		Stderr: os.Stderr,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(102)
	}
	w.Close()
	scanner := bufio.NewScanner(r)
	for range treeRoles {
		if !scanner.Scan() {
			os.Exit(103)
		}
		fmt.Println(scanner.Text())
	}
	switch how {
	case "exit":
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	case "crash":
		io.Copy(io.Discard, os.Stdin)
		var m map[string]int
		m["crash"]++ // a nil map: the runtime panics and the process dies
	case "wait":
		sleepForever()
	}
	os.Exit(104)
}

// A host is a process in mode "host HOW" whose tree has announced itself.
type host struct {
	process  windows.Handle
	goAhead  io.WriteCloser     // the host's stdin: closing it ends "exit" and "crash"
	children *proctest.Children // the tree's processes, each held
}

// startHost starts a host that ends as how says, env added to its
// environment and args to its command line, and waits until every
// process of its tree has announced itself. The host is killed at the
// test's end if it still runs, and the test fails if any process of the
// tree outlives it.
func startHost(t *testing.T, how string, env []string, args ...string) *host {
	t.Helper()
	cmd := childCommand("host "+how, 0)
	cmd.Args = append(cmd.Args, args...)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout = nil
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	goAhead, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if how == "crash" {
		cmd.Stderr = nil // the panic's trace
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	process, err := windows.OpenProcess(windows.SYNCHRONIZE|windows.PROCESS_TERMINATE, false, uint32(cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		windows.TerminateProcess(process, 1)
		cmd.Wait()
		windows.CloseHandle(process)
	})

	c := proctest.ReadChildren(t, stdout, deadline)
	c.Await(treeRoles...)
	return &host{process: process, goAhead: goAhead, children: c}
}

// awaitEnd fails the test unless the host, and then every process of its
// tree, ends within deadline.
func (h *host) awaitEnd(t *testing.T) {
	t.Helper()
	if ev, err := windows.WaitForSingleObject(h.process, uint32(deadline.Milliseconds())); err != nil || ev != windows.WAIT_OBJECT_0 {
		t.Fatalf("the host did not end: %v %v", ev, err)
	}
	h.children.AwaitEnded()
}

// TestTreeEndsWithHost: whatever ends the host — its exit, a crash,
// TerminateProcess from another process — the system closes the job's
// only handle, and the tree, detached grandchild included, ends.
func TestTreeEndsWithHost(t *testing.T) {
	for _, how := range []string{"exit", "crash", "terminate"} {
		t.Run(how, func(t *testing.T) {
			mode := how
			if how == "terminate" {
				mode = "wait"
			}
			h := startHost(t, mode, nil)
			if how == "terminate" {
				if err := windows.TerminateProcess(h.process, 9); err != nil {
					t.Fatal(err)
				}
			} else {
				h.goAhead.Close() // the host exits or crashes
			}
			h.awaitEnd(t)
		})
	}
}

// TestTreeEndsWithHostKilledFromLinux: under Wine, a Linux SIGKILL of the
// host's Wine process ends the tree too — wineserver closes the handles
// of a process that died as Windows closes them — and no Linux process of
// the tree is left.
func TestTreeEndsWithHostKilledFromLinux(t *testing.T) {
	linux := newLinuxSide(t)
	h := startHost(t, "wait", []string{markerEnv + "=" + linux.treeMarker}, linux.hostMarker)

	got := linux.run(t, "kill")
	t.Logf("the Linux side: %v", got)
	if len(got["hosts"]) != 1 || len(got["killed"]) != 1 {
		t.Fatalf("the Linux side did not find and kill the host, the one process with %q: %v", linux.hostMarker, got)
	}
	// The Linux side sees the tree it checks below.
	if len(got["members"]) != len(treeRoles) {
		t.Errorf("the Linux side saw %d processes with the tree's marker, want %d (%v): %v", len(got["members"]), len(treeRoles), treeRoles, got)
	}
	h.awaitEnd(t)

	if left := linux.run(t, "check"); len(left["left"]) > 0 {
		t.Errorf("Linux processes of the tree outlived it: %v", left)
	}
}
