package platform

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

// children follows the processes of one test: every pid it was told of
// is held by a handle, and the test fails unless each has ended by its
// end (those left are then killed).
type children struct {
	t     *testing.T
	lines chan string
	held  map[int]windows.Handle
	roles map[string][]int
}

// newChildren returns the children of t, and the pipe their
// announcements go to.
func newChildren(t *testing.T) (*children, *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	c := &children{t: t, lines: make(chan string, 100), held: make(map[int]windows.Handle), roles: make(map[string][]int)}
	go func() {
		defer r.Close()
		readLines(r, c.lines)
	}()
	t.Cleanup(c.checkEnded)
	return c, w
}

// readLines sends each line of r to lines, and closes lines at its end.
func readLines(r io.Reader, lines chan<- string) {
	defer close(lines)
	s := bufio.NewScanner(r)
	for s.Scan() {
		lines <- s.Text()
	}
}

// await reads announcements until one of each role has come, holding
// each process it names.
func (c *children) await(roles ...string) {
	c.t.Helper()
	timeout := time.After(deadline)
	for _, role := range roles {
		for len(c.roles[role]) == 0 {
			select {
			case line, ok := <-c.lines:
				if !ok {
					c.t.Fatalf("children's output ended before %v came (have %v)", roles, c.roles)
				}
				c.add(line)
			case <-timeout:
				c.t.Fatalf("%v did not all come within %v (have %v)", roles, deadline, c.roles)
			}
		}
	}
}

func (c *children) add(line string) {
	c.t.Helper()
	role, pidText, ok := strings.Cut(line, " ")
	pid, err := strconv.Atoi(pidText)
	if !ok || err != nil {
		c.t.Fatalf("bad announcement %q", line)
	}
	h, err := windows.OpenProcess(windows.SYNCHRONIZE|windows.PROCESS_TERMINATE|windows.PROCESS_QUERY_INFORMATION, false, uint32(pid))
	if err != nil {
		c.t.Fatalf("open %s (pid %d): %v", role, pid, err)
	}
	c.held[pid] = h
	c.roles[role] = append(c.roles[role], pid)
}

// pid is the pid of role.
func (c *children) pid(role string) int { return c.roles[role][0] }

// ended reports whether pid has ended.
func (c *children) ended(pid int) bool {
	ev, err := windows.WaitForSingleObject(c.held[pid], 0)
	return err == nil && ev == windows.WAIT_OBJECT_0
}

// awaitEnded fails the test unless every process held ends within
// deadline.
func (c *children) awaitEnded() {
	c.t.Helper()
	end := time.Now().Add(deadline)
	for pid, h := range c.held {
		ms := max(time.Until(end).Milliseconds(), 0)
		if ev, err := windows.WaitForSingleObject(h, uint32(ms)); err != nil || ev != windows.WAIT_OBJECT_0 {
			c.t.Errorf("pid %d still runs after %v", pid, deadline)
		}
	}
}

// checkEnded kills and reports whatever held still runs: a test that
// failed may have left it, or Release of a tree that still ran just
// ended it, which takes a moment.
func (c *children) checkEnded() {
	end := time.Now().Add(10 * time.Second)
	for pid, h := range c.held {
		ms := max(time.Until(end).Milliseconds(), 0)
		if ev, err := windows.WaitForSingleObject(h, uint32(ms)); err != nil || ev != windows.WAIT_OBJECT_0 {
			c.t.Errorf("pid %d outlived its test: killed", pid)
			windows.TerminateProcess(h, 1)
		}
		windows.CloseHandle(h)
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
