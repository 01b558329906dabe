package platform

import (
	"errors"
	"io"
	"os"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/procman-dev/procman/internal/proctest"
)

var procGetHandleInformation = kernel32.NewProc("GetHandleInformation")

func getHandleInformation(h windows.Handle, flags *uint32) error {
	if r, _, err := procGetHandleInformation.Call(uintptr(h), uintptr(unsafe.Pointer(flags))); r == 0 {
		return err
	}
	return nil
}

// treeRoles are the processes of mode "tree" that live on: three levels
// and a grandchild whose parent (the detacher) started it with
// DETACHED_PROCESS and exited.
var treeRoles = []string{"level1", "level2", "level3", "detached"}

func TestTreeInJobGoneAfterSignalTreeKill(t *testing.T) {
	c, w := proctest.NewChildren(t, deadline)
	p, tree := startTree(t, "tree", w)
	c.Await(treeRoles...)
	for _, role := range treeRoles {
		if in, err := isProcessInJob(c.Handle(c.Pid(role)), tree.job); err != nil || !in {
			t.Errorf("%s (pid %d) in the job: %v, %v", role, c.Pid(role), in, err)
		}
	}
	members, err := p.Members()
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range treeRoles {
		if !slices.Contains(members, c.Pid(role)) {
			t.Errorf("Members() = %v, lacks %s (pid %d)", members, role, c.Pid(role))
		}
	}

	if err := p.SignalTree(syscall.SIGKILL); err != nil {
		t.Fatalf("SignalTree(SIGKILL): %v", err)
	}
	if got := waitFor(t, p); got != (ExitStatus{Signal: syscall.SIGKILL}) {
		t.Errorf("Wait() = %v, want killed by SIGKILL", got)
	}
	awaitGone(t, p)
	c.AwaitEnded()
	if members, err := p.Members(); err != nil || len(members) != 0 {
		t.Errorf("Members() after the tree is gone = %v, %v", members, err)
	}
	// Idempotent: a finished job is no error.
	if err := p.SignalTree(syscall.SIGKILL); err != nil {
		t.Errorf("second SignalTree(SIGKILL): %v", err)
	}
	if err := p.Signal(syscall.SIGKILL); err != nil {
		t.Errorf("Signal(SIGKILL) after the end: %v", err)
	}
}

func TestSignalKillEndsTheProgramOnly(t *testing.T) {
	c, w := proctest.NewChildren(t, deadline)
	p, _ := startTree(t, "tree", w)
	c.Await(treeRoles...)
	if err := p.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("Signal(SIGKILL): %v", err)
	}
	if got := waitFor(t, p); got != (ExitStatus{Signal: syscall.SIGKILL}) {
		t.Errorf("Wait() = %v, want killed by SIGKILL", got)
	}
	for _, role := range treeRoles[1:] {
		if c.Ended(c.Pid(role)) {
			t.Errorf("%s ended with the program", role)
		}
	}
	select {
	case <-p.Gone():
		t.Fatal("Gone closed while descendants live")
	default:
	}
	if err := p.SignalTree(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	awaitGone(t, p)
	c.AwaitEnded()
}

// TestRunningDetached: the program exits, a detached child lives on in the
// job: Wait returns, Members lists the child, Gone waits for it.
func TestRunningDetached(t *testing.T) {
	c, w := proctest.NewChildren(t, deadline)
	p, _ := startTree(t, "detach", w)
	c.Await("detached")
	if got := waitFor(t, p); got != (ExitStatus{Code: 3}) {
		t.Errorf("Wait() = %v, want exit code 3", got)
	}
	members, err := p.Members()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(members, []int{c.Pid("detached")}) {
		t.Errorf("Members() after the program exited = %v, want [%d]", members, c.Pid("detached"))
	}
	select {
	case <-p.Gone():
		t.Fatal("Gone closed while the detached child lives")
	default:
	}
	if err := p.SignalTree(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	awaitGone(t, p)
	c.AwaitEnded()
	// The program had exited before the kill: its own code stands.
	if got := waitFor(t, p); got != (ExitStatus{Code: 3}) {
		t.Errorf("Wait() after the kill = %v, want exit code 3", got)
	}
}

func TestExitCodes(t *testing.T) {
	for _, code := range []int{0, 1, 3, 255, 0x7fffffff} {
		p, _ := startTree(t, "exit "+strconv.Itoa(code), os.Stderr)
		if got := waitFor(t, p); got != (ExitStatus{Code: code}) {
			t.Errorf("exit %d: Wait() = %v", code, got)
		}
		awaitGone(t, p)
	}
}

func TestBreakawayRefused(t *testing.T) {
	p, _ := startTree(t, "breakaway", os.Stderr)
	if got := waitFor(t, p); got != (ExitStatus{Code: 0}) {
		t.Errorf("breakaway child: %v, want 0 (CREATE_BREAKAWAY_FROM_JOB refused with access denied)", got)
	}
	awaitGone(t, p)
}

// TestReleaseEndsLiveTree: closing the job's only handle ends the tree
// (JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE), which is how a dead host's trees
// end.
func TestReleaseEndsLiveTree(t *testing.T) {
	c, w := proctest.NewChildren(t, deadline)
	p, err := Start(childSpec(t, "tree", w))
	if err != nil {
		t.Fatal(err)
	}
	c.Await(treeRoles...)
	if err := p.Release(); err != nil {
		t.Fatal(err)
	}
	c.AwaitEnded()
	if _, err := p.Wait(); !errors.Is(err, errReleased) {
		t.Errorf("Wait() after Release = %v, want errReleased", err)
	}
	if _, err := p.Members(); err == nil {
		t.Error("Members() after Release: no error")
	}
	if err := p.SignalTree(syscall.SIGKILL); err != nil {
		t.Errorf("SignalTree after Release: %v", err)
	}
}

// TestInheritsOnlyStandardHandles: an inheritable handle of the host does
// not reach the child (PROC_THREAD_ATTRIBUTE_HANDLE_LIST), nor does the
// job's.
func TestInheritsOnlyStandardHandles(t *testing.T) {
	rf, wf, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer rf.Close()
	if err := windows.SetHandleInformation(windows.Handle(wf.Fd()), windows.HANDLE_FLAG_INHERIT, windows.HANDLE_FLAG_INHERIT); err != nil {
		t.Fatal(err)
	}

	c, out := proctest.NewChildren(t, deadline)
	p, tree := startTree(t, "sleep inheritor", out)
	c.Await("inheritor")
	var flags uint32
	if err := getHandleInformation(tree.job, &flags); err != nil {
		t.Fatal(err)
	}
	if flags&windows.HANDLE_FLAG_INHERIT != 0 {
		t.Error("the job handle is inheritable")
	}

	wf.Close()
	eof := make(chan error, 1)
	go func() {
		_, err := rf.Read(make([]byte, 1))
		eof <- err
	}()
	select {
	case err := <-eof:
		if err != io.EOF {
			t.Errorf("read from the pipe: %v, want EOF", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("the child holds the write end of an inheritable pipe of the host")
	}
	if err := p.SignalTree(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	awaitGone(t, p)
	c.AwaitEnded()
	rf.Close() // ends the read, if it still waits
}

func TestUnsupportedSignal(t *testing.T) {
	c, w := proctest.NewChildren(t, deadline)
	p, _ := startTree(t, "sleep sleeper", w)
	c.Await("sleeper")
	for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGQUIT} {
		if err := p.SignalTree(sig); !errors.Is(err, errors.ErrUnsupported) {
			t.Errorf("SignalTree(%v) = %v, want ErrUnsupported", sig, err)
		}
		if err := p.Signal(sig); !errors.Is(err, errors.ErrUnsupported) {
			t.Errorf("Signal(%v) = %v, want ErrUnsupported", sig, err)
		}
	}
	if c.Ended(c.Pid("sleeper")) {
		t.Error("an unsupported signal ended the program")
	}
	if err := p.SignalTree(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	c.AwaitEnded()
	awaitGone(t, p)
}

// TestPortReaderEnds: the one goroutine reading the completion port ends
// once no job is followed, and several trees share it.
func TestPortReaderEnds(t *testing.T) {
	var procs []*Process
	for range 5 {
		p, err := Start(childSpec(t, "exit 0", os.Stderr))
		if err != nil {
			t.Fatal(err)
		}
		procs = append(procs, p)
	}
	for _, p := range procs {
		waitFor(t, p)
		awaitGone(t, p)
		p.Release()
	}
	end := time.Now().Add(deadline)
	for {
		jobPort.mu.Lock()
		reading, jobs := jobPort.reading, len(jobPort.jobs)
		jobPort.mu.Unlock()
		if !reading && jobs == 0 {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("port reader still runs after %v, %d jobs followed", deadline, jobs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
