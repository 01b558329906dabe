package platform

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"testing"

	"golang.org/x/sys/windows"
)

// runHost is a host: it starts a tree with a Spawner, passes on the
// tree's announcements, and once all came ends as how says, without
// stopping the tree or releasing it.
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
		Args:   []string{exe},
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
		os.Exit(0)
	case "crash":
		var m map[string]int
		m["crash"]++ // a nil map: the runtime panics and the process dies
	case "wait": // for TerminateProcess
		sleepForever()
	}
	os.Exit(104)
}

// TestTreeEndsWithHost: whatever ends the host — its exit, a crash,
// TerminateProcess from another process — the system closes the job's
// only handle, and the tree, detached grandchild included, ends.
func TestTreeEndsWithHost(t *testing.T) {
	for _, how := range []string{"exit", "crash", "terminate"} {
		t.Run(how, func(t *testing.T) {
			mode := "host " + how
			if how == "terminate" {
				mode = "host wait"
			}
			cmd := childCommand(mode, 0)
			cmd.Stdout = nil
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if how == "crash" {
				cmd.Stderr = nil // the panic's trace
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			host, err := windows.OpenProcess(windows.SYNCHRONIZE|windows.PROCESS_TERMINATE, false, uint32(cmd.Process.Pid))
			if err != nil {
				t.Fatal(err)
			}
			defer windows.CloseHandle(host)
			t.Cleanup(func() {
				windows.TerminateProcess(host, 1)
				cmd.Wait()
			})

			c := &children{t: t, lines: make(chan string, 100), held: make(map[int]windows.Handle), roles: make(map[string][]int)}
			t.Cleanup(c.checkEnded)
			go readLines(stdout, c.lines)
			c.await(treeRoles...)

			if how == "terminate" {
				if err := windows.TerminateProcess(host, 9); err != nil {
					t.Fatal(err)
				}
			}
			if ev, err := windows.WaitForSingleObject(host, uint32(deadline.Milliseconds())); err != nil || ev != windows.WAIT_OBJECT_0 {
				t.Fatalf("the host did not end: %v %v", ev, err)
			}
			c.awaitEnded()
		})
	}
}
