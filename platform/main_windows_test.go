package platform

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/sys/windows"
)

// The Windows tests run under Wine in CI (scripts/test-windows.sh). Their
// children are this test binary again, its mode chosen by childModeEnv.

const childModeEnv = "PROCMAN_PLATFORM_TEST_CHILD"

// markerEnv, when set, is a marker that every child started by this binary
// puts on its command line, which is what the Linux side of Wine sees of a
// Windows process (/proc/PID/cmdline; not its Windows environment).
const markerEnv = "PROCMAN_PLATFORM_TEST_MARKER"

// markerArgs are the arguments that carry this process's marker, if any,
// to the command line of a child.
func markerArgs() []string {
	if m := os.Getenv(markerEnv); m != "" {
		return []string{m}
	}
	return nil
}

// deadline bounds every wait of these tests: generous, as Wine on a
// loaded machine is slow.
const deadline = 60 * time.Second

func TestMain(m *testing.M) {
	if mode, ok := os.LookupEnv(childModeEnv); ok {
		runChild(mode)
		os.Exit(0)
	}
	code := m.Run()
	if code == 0 {
		// The completion port's reader ends once no job is followed.
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutines leaked:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// runChild plays the child mode asks for. Every child that lives on
// prints "<role> <pid>" to its stdout, which its own children share.
func runChild(mode string) {
	name, arg, _ := strings.Cut(mode, " ")
	switch name {
	case "exit": // exit with code arg
		code, _ := strconv.Atoi(arg)
		os.Exit(code)
	case "sleep": // print role arg and live until killed
		announce(arg)
		sleepForever()
	case "tree": // level 1 of a tree of three levels plus a detached grandchild
		announce("level1")
		startChild("tree2", 0)
		sleepForever()
	case "tree2":
		announce("level2")
		startChild("sleep level3", 0)
		startChild("detacher", 0)
		sleepForever()
	case "detacher": // start a detached child, and exit
		startChild("sleep detached", windows.DETACHED_PROCESS)
		os.Exit(0)
	case "detach": // start a detached child, and exit with 3
		startChild("sleep detached", windows.DETACHED_PROCESS)
		os.Exit(3)
	case "breakaway": // try to break away from the job: exit 0 if refused
		cmd := childCommand("exit 0", windows.CREATE_BREAKAWAY_FROM_JOB)
		err := cmd.Run()
		switch {
		case errors.Is(err, windows.ERROR_ACCESS_DENIED):
			os.Exit(0)
		case err == nil:
			fmt.Println("breakaway allowed")
			os.Exit(1)
		}
		fmt.Println("breakaway:", err)
		os.Exit(2)
	case "args": // print its arguments as JSON
		json.NewEncoder(os.Stdout).Encode(os.Args[1:])
	case "env": // print its environment as JSON
		json.NewEncoder(os.Stdout).Encode(os.Environ())
	case "dir": // print its working directory
		dir, _ := os.Getwd()
		fmt.Println(dir)
	case "host": // a host of a tree, ended as arg says (see hostdeath_windows_test.go)
		runHost(arg)
	default:
		fmt.Fprintln(os.Stderr, "unknown child mode", mode)
		os.Exit(100)
	}
}

// sleepForever blocks until the process is killed; unlike select {}, the
// runtime does not take it for a deadlock.
func sleepForever() {
	for {
		time.Sleep(time.Hour)
	}
}

// childEnv is this process's environment for a child in mode: on
// Windows the first of two entries of a name wins, so this process's own
// mode, if any, is left out.
func childEnv(mode string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, childModeEnv+"=") {
			env = append(env, kv)
		}
	}
	return append(env, childModeEnv+"="+mode)
}

func announce(role string) {
	fmt.Printf("%s %d\n", role, os.Getpid())
}

// childCommand is this binary in mode, its stdio this process's, its
// command line carrying this process's marker.
func childCommand(mode string, flags uint32) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		panic(err)
	}
	cmd := exec.Command(exe, markerArgs()...)
	cmd.Env = childEnv(mode)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: flags}
	return cmd
}

// startChild starts this binary in mode, and does not wait for it.
func startChild(mode string, flags uint32) {
	if err := childCommand(mode, flags).Start(); err != nil {
		fmt.Fprintln(os.Stderr, "start", mode+":", err)
		os.Exit(101)
	}
}

// childSpec is the Spec of this binary in mode, its stdout w.
func childSpec(t *testing.T, mode string, stdout *os.File) Spec {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { null.Close() })
	return Spec{
		Path:   exe,
		Args:   []string{exe},
		Env:    childEnv(mode),
		Stdin:  null,
		Stdout: stdout,
		Stderr: os.Stderr,
	}
}

// startTree starts this binary in mode with Start, the Process released
// at the test's end.
func startTree(t *testing.T, mode string, stdout *os.File) (*Process, *jobTree) {
	t.Helper()
	p, err := Start(childSpec(t, mode, stdout))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Release(); err != nil {
			t.Errorf("release: %v", err)
		}
	})
	return p, p.tree
}

// awaitGone fails the test unless p's tree is gone within deadline.
func awaitGone(t *testing.T, p *Process) {
	t.Helper()
	select {
	case <-p.Gone():
	case <-time.After(deadline):
		members, _ := p.Members()
		t.Fatalf("tree of pid %d not gone after %v: members %v", p.Pid, deadline, members)
	}
}

// waitFor is p.Wait within deadline.
func waitFor(t *testing.T, p *Process) ExitStatus {
	t.Helper()
	type result struct {
		status ExitStatus
		err    error
	}
	done := make(chan result, 1)
	go func() {
		s, err := p.Wait()
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatalf("wait: %v", r.err)
		}
		return r.status
	case <-time.After(deadline):
		t.Fatalf("pid %d did not exit within %v", p.Pid, deadline)
	}
	panic("unreachable")
}
