package platform

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/procman-dev/procman/internal/proctest"
	"github.com/procman-dev/procman/platform/internal/initimage"
	"golang.org/x/sys/unix"
)

// These tests drive procman-init (internal/initimage/csrc/procman-init.c)
// itself: started by the test with a control socket as descriptor 3, and
// sent, through initProc's own send and read, messages a well-behaved host
// sends and some it never does, to reach the paths of a broken or vanished
// host.

// initTimeout bounds each wait of these tests on the init: generous, so
// that a loaded machine does not fail them.
const initTimeout = 20 * time.Second

// A testInit is a procman-init started by a test.
type testInit struct {
	*initProc // the control socket, and the supervisor's pid as the test sees it

	cmd      *exec.Cmd
	waitOnce sync.Once
	exited   chan struct{} // closed once cmd.Wait has returned
}

// initConfig is how a test starts an init.
type initConfig struct {
	mode   string
	grace  time.Duration
	cgroup *os.File   // passed as descriptor 4
	extra  []*os.File // passed after the others
	uid    int        // not 0: run as that user and group
	// bornInCgroup: the init starts in cgroup, as the host starts it.
	bornInCgroup bool
	// wrap, when set, makes the command that runs the init with args
	// (the image's path, the mode and the grace), giving it marker.
	wrap func(marker string, args ...string) *exec.Cmd
}

// eachInitMode runs f for each mode of procman-init that this user can
// ask for.
func eachInitMode(t *testing.T, f func(t *testing.T, mode string)) {
	modes := []string{"subreaper", "pidns+user"}
	if os.Geteuid() == 0 {
		modes = []string{"subreaper", "pidns"}
	}
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) { f(t, mode) })
	}
}

// initImageFile writes the init's image to a file every user may run.
func initImageFile(t *testing.T) string {
	t.Helper()
	if initimage.Image == nil {
		t.Skip("no procman-init image for this platform")
	}
	dir, err := proctest.WorldReadableTempDir()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "procman-init")
	if err := os.WriteFile(path, initimage.Image, 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// launchInit starts an init without waiting for it to be ready. At the
// end of the test its socket is closed, and it must then exit: it is
// killed, and the test fails, if it does not. Its command line carries a
// marker, so that no part of it may survive the test.
func launchInit(t *testing.T, cfg initConfig) *testInit {
	t.Helper()
	marker := proctest.Marker(t)
	args := []string{initImageFile(t), cfg.mode, strconv.FormatInt(cfg.grace.Milliseconds(), 10)}
	var cmd *exec.Cmd
	if cfg.wrap != nil {
		cmd = cfg.wrap(marker, args...)
	} else {
		cmd = exec.Command(args[0], args[1:]...)
		cmd.Args[0] = marker
	}
	if cfg.uid != 0 || cfg.bornInCgroup {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	if cfg.uid != 0 {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(cfg.uid), Gid: uint32(cfg.uid)}
	}
	if cfg.bornInCgroup {
		cmd.SysProcAttr.UseCgroupFD = true
		cmd.SysProcAttr.CgroupFD = int(cfg.cgroup.Fd())
	}

	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	initEnd := os.NewFile(uintptr(fds[1]), "init end")
	if err := unix.SetsockoptInt(fds[0], unix.SOL_SOCKET, unix.SO_PASSCRED, 1); err != nil {
		unix.Close(fds[0])
		initEnd.Close()
		t.Fatal(err)
	}
	conn, err := newCtlConn(fds[0], "test end")
	if err != nil {
		initEnd.Close()
		t.Fatal(err)
	}
	cmd.ExtraFiles = []*os.File{initEnd}
	if cfg.cgroup != nil {
		cmd.ExtraFiles = append(cmd.ExtraFiles, cfg.cgroup)
	}
	cmd.ExtraFiles = append(cmd.ExtraFiles, cfg.extra...)
	err = cmd.Start()
	initEnd.Close()
	if err != nil {
		conn.Close()
		t.Fatal(err)
	}
	ti := &testInit{
		initProc: &initProc{conn: conn, inNS: cfg.mode != "subreaper"},
		cmd:      cmd,
		exited:   make(chan struct{}),
	}
	t.Cleanup(func() {
		ti.conn.Close()
		if !ti.waitExit(initTimeout) {
			t.Errorf("procman-init (pid %d) still runs %v after its control socket closed", cmd.Process.Pid, initTimeout)
			cmd.Process.Kill()
			ti.waitExit(initTimeout)
		}
	})
	return ti
}

// startTestInit starts an init and waits until it is ready; the test is
// skipped when the init reports that it cannot run in that mode here.
func startTestInit(t *testing.T, cfg initConfig) *testInit {
	t.Helper()
	ti := launchInit(t, cfg)
	m := ti.next(t)
	switch {
	case m.kind == msgForkFailed:
		t.Skipf("procman-init %s: %v", cfg.mode, syscall.Errno(m.value))
	case m.kind != msgReady || m.pid <= 0:
		t.Fatalf("procman-init %s: first message %q %d (pid %d), want ready", cfg.mode, rune(m.kind), m.value, m.pid)
	}
	ti.pid = m.pid
	return ti
}

// waitExit waits up to timeout for the init (the host's child) to exit.
func (ti *testInit) waitExit(timeout time.Duration) bool {
	ti.waitOnce.Do(func() {
		go func() {
			ti.cmd.Wait()
			close(ti.exited)
		}()
	})
	select {
	case <-ti.exited:
		return true
	case <-time.After(timeout):
		return false
	}
}

func (ti *testInit) mustExit(t *testing.T) {
	t.Helper()
	if !ti.waitExit(initTimeout) {
		t.Fatalf("procman-init still runs after %v", initTimeout)
	}
}

// next reads the init's next message, or end of file as io.EOF.
func (ti *testInit) next(t *testing.T) initMessage {
	t.Helper()
	m, err := ti.nextOrErr()
	if err != nil {
		t.Fatalf("read from procman-init: %v", err)
	}
	return m
}

func (ti *testInit) nextOrErr() (initMessage, error) {
	ti.conn.SetReadDeadline(time.Now().Add(initTimeout))
	return ti.read()
}

func (ti *testInit) expect(t *testing.T, kind uint32, value int32) {
	t.Helper()
	if m := ti.next(t); m.kind != kind || m.value != value {
		t.Fatalf("procman-init sent %q %d, want %q %d", rune(m.kind), m.value, rune(kind), value)
	}
}

// signaled is the exit status of a process killed by sig.
func signaled(sig syscall.Signal) ExitStatus { return waitStatus(int32(sig)) }

// expectExit reads the report of the program's exit and checks it; it
// returns whether the init reported the tree empty.
func (ti *testInit) expectExit(t *testing.T, want ExitStatus) (empty bool) {
	t.Helper()
	m := ti.next(t)
	if m.kind != msgExited && m.kind != msgExitedAll {
		t.Fatalf("procman-init sent %q %d, want the program's exit", rune(m.kind), m.value)
	}
	if got := waitStatus(m.value); got != want {
		t.Fatalf("program %v, want %v", got, want)
	}
	return m.kind == msgExitedAll
}

func (ti *testInit) expectEOF(t *testing.T) {
	t.Helper()
	if m, err := ti.nextOrErr(); err == nil {
		t.Fatalf("procman-init sent %q %d, want end of file", rune(m.kind), m.value)
	} else if !errors.Is(err, io.EOF) {
		t.Fatalf("read from procman-init: %v, want end of file", err)
	}
}

// start has the init start spec and returns the program's pid as the test
// sees it.
func (ti *testInit) start(t *testing.T, spec Spec) int {
	t.Helper()
	ti.conn.SetReadDeadline(time.Now().Add(initTimeout))
	pid, err := ti.run(spec)
	if err != nil {
		t.Fatalf("start %v: %v", spec.Args, err)
	}
	return pid
}

// sendRaw sends one message with the three standard descriptors (the
// null device) unless nfds says otherwise.
func (ti *testInit) sendRaw(t *testing.T, kind uint32, value int32, payload []byte, nfds int) {
	t.Helper()
	null, err := DevNull()
	if err != nil {
		t.Fatal(err)
	}
	var rights []int
	for range nfds {
		rights = append(rights, int(null.Fd()))
	}
	if err := ti.send(kind, value, payload, rights); err != nil {
		t.Fatal(err)
	}
}

// shellSpec runs script in sh, with marker as $0 and args as $1 and on.
func shellSpec(t *testing.T, marker, script string, args ...string) Spec {
	t.Helper()
	null, err := DevNull()
	if err != nil {
		t.Fatal(err)
	}
	return Spec{
		Path:  "/bin/sh",
		Args:  append([]string{"sh", "-c", script, marker}, args...),
		Dir:   "/",
		Env:   []string{"PATH=/usr/bin:/bin"},
		Stdin: null, Stdout: null, Stderr: null,
	}
}

// loopScript runs forever, in a shell that keeps its marker ($0).
const loopScript = `while :; do sleep 1; done`

// daemonScript starts a daemon (setsid, its parent gone) and stays, both
// shells running prelude first, both with the marker.
func daemonScript(prelude string) string {
	return `(setsid sh -c "` + prelude + loopScript + `" "$0" &); ` + prelude + loopScript
}

// waitTree waits until the tree of daemonScript runs: the program and
// the daemon, both the children of the init (pid).
func waitTree(t *testing.T, marker string, init int) {
	t.Helper()
	deadline := time.Now().Add(initTimeout)
	for {
		pids := proctest.Find(marker)
		if len(pids) == 2 && parentPid(t, pids[0]) == init && parentPid(t, pids[1]) == init {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("want the program and its daemon as the children of procman-init (%d), have %v", init, pids)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestInitStopsWhenItsHostLeavesAMessageUnfinished: a host gone in the
// middle of a start request is gone; with no program started, the init
// has nothing to stop and exits.
func TestInitStopsWhenItsHostLeavesAMessageUnfinished(t *testing.T) {
	eachInitMode(t, func(t *testing.T, mode string) {
		ti := startTestInit(t, initConfig{mode: mode, grace: time.Hour})
		ti.sendRaw(t, msgStart, 100000, []byte("/bin/sh\x00/\x00"), 3)
		ti.conn.Close()
		ti.mustExit(t)
	})
}

// TestInitClosesTheDescriptorsOfRefusedStarts: whatever becomes of a start
// request, the descriptors it brought are closed, and the init can still
// start a program after any number of refused or failed starts.
func TestInitClosesTheDescriptorsOfRefusedStarts(t *testing.T) {
	eachInitMode(t, func(t *testing.T, mode string) {
		marker := proctest.Marker(t)
		ti := startTestInit(t, initConfig{mode: mode, grace: time.Second})
		before := initDescriptors(t, ti.pid)

		valid := shellSpec(t, marker, "exit 7")
		badDir := valid
		badDir.Dir = "/nonexistent"
		badPath := valid
		badPath.Path = "/nonexistent"
		for _, c := range []struct {
			name    string
			payload []byte
			nfds    int
			kind    uint32
			errno   syscall.Errno
		}{
			{"not NUL-terminated", []byte("/bin/sh"), 3, msgExecFailed, syscall.EINVAL},
			{"no argc", []byte("/bin/sh\x00/\x00"), 3, msgExecFailed, syscall.EINVAL},
			{"no attrs", []byte("/bin/sh\x00/\x001\x00"), 3, msgExecFailed, syscall.EINVAL},
			{"argc 0", []byte("/bin/sh\x00/\x000\x00\x00"), 3, msgExecFailed, syscall.EINVAL},
			{"argc beyond the strings", []byte("/bin/sh\x00/\x005\x00\x00sh\x00"), 3, msgExecFailed, syscall.EINVAL},
			{"malformed attrs", []byte("/bin/sh\x00/\x001\x00u12x\x00sh\x00"), 3, msgExecFailed, syscall.EINVAL},
			{"attrs out of range", []byte("/bin/sh\x00/\x001\x00n21\x00sh\x00"), 3, msgExecFailed, syscall.EINVAL},
			{"rlimit soft above hard", []byte("/bin/sh\x00/\x001\x00r7,2,1\x00sh\x00"), 3, msgExecFailed, syscall.EINVAL},
			{"two descriptors", startPayload(valid), 2, msgExecFailed, syscall.EINVAL},
			{"five descriptors", startPayload(valid), 5, msgExecFailed, syscall.EINVAL},
			// The 4th is the file executed, here the null device: the
			// valid path is not what runs.
			{"a 4th descriptor not executable", startPayload(valid), 4, msgExecFailed, syscall.EACCES},
			{"no such program", startPayload(badPath), 3, msgExecFailed, syscall.ENOENT},
			{"no such directory", startPayload(badDir), 3, msgChdirFailed, syscall.ENOENT},
		} {
			ti.sendRaw(t, msgStart, int32(len(c.payload)), c.payload, c.nfds)
			if m := ti.next(t); m.kind != c.kind || syscall.Errno(m.value) != c.errno {
				t.Fatalf("%s: procman-init sent %q %v, want %q %v", c.name, rune(m.kind), syscall.Errno(m.value), rune(c.kind), c.errno)
			}
		}
		// Messages are handled in turn: once this one is answered, the
		// descriptors of those before are closed, if they are.
		ti.sendRaw(t, msgStart, 2, []byte("/\x00"), 0)
		ti.expect(t, msgExecFailed, int32(syscall.EINVAL))
		if after := initDescriptors(t, ti.pid); len(after) != len(before) {
			t.Errorf("procman-init has %d descriptors after the refused starts, %d before", len(after), len(before))
		}

		ti.start(t, valid)
		ti.expectExit(t, ExitStatus{Code: 7})
		ti.expectEOF(t)
	})
}

// TestInitExecutesTheFileItIsGiven: a start request with a 4th
// descriptor runs that file, whatever its path names (another program, or
// nothing), whether it was opened O_PATH or for reading; a #! script too,
// whose interpreter reads it through /dev/fd/N. A program that is no
// script gets no descriptor but its 0, 1 and 2.
func TestInitExecutesTheFileItIsGiven(t *testing.T) {
	dir, err := proctest.WorldReadableTempDir()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	script := filepath.Join(dir, "script")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nexit \"$1\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	eachInitMode(t, func(t *testing.T, mode string) {
		for _, c := range []struct {
			name  string
			path  string // what the start request names
			flags int    // how the file is opened
		}{
			{"another program named, O_PATH", "/bin/false", unix.O_PATH},
			{"no program named, O_RDONLY", "/nonexistent", unix.O_RDONLY},
		} {
			t.Run(c.name, func(t *testing.T) {
				marker := proctest.Marker(t)
				ti := startTestInit(t, initConfig{mode: mode, grace: time.Second})
				sh := openFile(t, "/bin/sh", c.flags)
				stdin, hold, err := os.Pipe()
				if err != nil {
					t.Fatal(err)
				}
				defer stdin.Close()
				defer hold.Close()
				ready, stdout, err := os.Pipe()
				if err != nil {
					t.Fatal(err)
				}
				defer ready.Close()
				defer stdout.Close()
				// Once the shell runs the script, the dynamic loader has
				// closed what it opened.
				spec := shellSpec(t, marker, "echo; read x; exit 7")
				spec.Path = c.path
				spec.Stdin, spec.Stdout = stdin, stdout
				pid := ti.startFile(t, spec, sh)
				stdin.Close()
				stdout.Close()
				ready.SetReadDeadline(time.Now().Add(initTimeout))
				if _, err := ready.Read(make([]byte, 1)); err != nil {
					t.Fatalf("the program did not get ready: %v", err)
				}
				if fds := programDescriptors(t, pid); !slices.Equal(fds, []string{"0", "1", "2"}) {
					t.Errorf("the program has descriptors %v, want 0, 1 and 2", fds)
				}
				hold.Close()
				ti.expectExit(t, ExitStatus{Code: 7})
				ti.expectEOF(t)
			})
		}
		t.Run("script", func(t *testing.T) {
			marker := proctest.Marker(t)
			ti := startTestInit(t, initConfig{mode: mode, grace: time.Second})
			spec := shellSpec(t, marker, "")
			spec.Path = "/nonexistent"
			spec.Args = []string{"script", "5", marker}
			ti.startFile(t, spec, openFile(t, script, unix.O_PATH))
			ti.expectExit(t, ExitStatus{Code: 5})
			ti.expectEOF(t)
		})
	})
}

// openFile opens path with flags (and O_CLOEXEC), closed at the end of the
// test.
func openFile(t *testing.T, path string, flags int) *os.File {
	t.Helper()
	fd, err := unix.Open(path, flags|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	f := os.NewFile(uintptr(fd), path)
	t.Cleanup(func() { f.Close() })
	return f
}

// startFile has the init start spec by executing exe, passed as the 4th
// descriptor, and returns the program's pid as the test sees it.
func (ti *testInit) startFile(t *testing.T, spec Spec, exe *os.File) int {
	t.Helper()
	payload := startPayload(spec)
	rights := []int{int(spec.Stdin.Fd()), int(spec.Stdout.Fd()), int(spec.Stderr.Fd()), int(exe.Fd())}
	if err := ti.send(msgStart, int32(len(payload)), payload, rights); err != nil {
		t.Fatal(err)
	}
	m := ti.next(t)
	if m.kind != msgStarted {
		t.Fatalf("start %v through a descriptor: procman-init sent %q %d, want the program's start", spec.Args, rune(m.kind), m.value)
	}
	pid, err := ti.programPid(m)
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// programDescriptors lists the descriptors of the program pid, which runs
// as the test's user and is dumpable.
func programDescriptors(t *testing.T, pid int) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		t.Fatal(err)
	}
	var fds []string
	for _, e := range entries {
		fds = append(fds, e.Name())
	}
	return fds
}

// initDescriptors lists the descriptors of procman-init pid; nil when not
// root: an init is not dumpable, and its descriptors can be read only with
// CAP_SYS_PTRACE.
func initDescriptors(t *testing.T, pid int) []os.DirEntry {
	t.Helper()
	if os.Geteuid() != 0 {
		return nil
	}
	fds, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		t.Fatal(err)
	}
	return fds
}

// TestInitClosesWhatItInherits: the descriptors beyond its own that an
// init inherits (those the host opened without O_CLOEXEC as it started
// it) are closed at once, by every process of the init, the one holding a
// PID namespace too: the pipe they are copies of reaches end of file while
// the init runs, and it still starts a program.
func TestInitClosesWhatItInherits(t *testing.T) {
	eachInitMode(t, func(t *testing.T, mode string) {
		marker := proctest.Marker(t)
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		ti := startTestInit(t, initConfig{mode: mode, grace: time.Second, extra: []*os.File{w, w}})
		w.Close()
		r.SetReadDeadline(time.Now().Add(initTimeout))
		if _, err := r.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
			t.Errorf("the pipe whose copies procman-init inherited: %v, want end of file", err)
		}
		ti.start(t, shellSpec(t, marker, "exit 3"))
		ti.expectExit(t, ExitStatus{Code: 3})
		ti.expectEOF(t)
	})
}

// TestInitIsNotDumpable: every process of an init (in a pidns mode, PID 1
// and the process holding its namespace) is non-dumpable, so that neither
// its programs nor any process of its user can ptrace it or read its
// environment; the kernel then shows its /proc files as root's, not as its
// user's. The init runs as an unprivileged user.
func TestInitIsNotDumpable(t *testing.T) {
	uid := 0 // as this process
	if os.Geteuid() == 0 {
		uid = 65534
	}
	for _, mode := range []string{"subreaper", "pidns+user"} {
		t.Run(mode, func(t *testing.T) {
			ti := startTestInit(t, initConfig{mode: mode, grace: time.Second, uid: uid})
			pids := []int{ti.pid}
			if outer := ti.cmd.Process.Pid; outer != ti.pid {
				pids = append(pids, outer)
			}
			for _, pid := range pids {
				var st syscall.Stat_t
				if err := syscall.Stat("/proc/"+strconv.Itoa(pid)+"/environ", &st); err != nil {
					t.Fatal(err)
				}
				if st.Uid != 0 {
					t.Errorf("/proc/%d/environ of procman-init belongs to uid %d, want root's: the init is dumpable", pid, st.Uid)
				}
			}
		})
	}
}

// TestInitProgramDiesOfASignalThatComesBeforeItsExec stops the child of
// the init's vfork (by ptrace) just after it unblocked signals, sends it
// SIGTERM there, and lets it go: it must die of it, not run the init's
// handler, lose the signal and run the program. A signal that comes that
// early is otherwise a matter of chance, which ptrace makes certain.
func TestInitProgramDiesOfASignalThatComesBeforeItsExec(t *testing.T) {
	marker := proctest.Marker(t)
	ti := startTestInit(t, initConfig{mode: "subreaper", grace: time.Second})
	spec := shellSpec(t, marker, "exit 7")

	child := func() int {
		// Every ptrace request comes from the thread that attached.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		initPid := ti.pid // the supervisor, not the keeper: it starts the program
		if err := ptraceSeize(initPid, unix.PTRACE_O_TRACEVFORK|unix.PTRACE_O_TRACESYSGOOD); err != nil {
			t.Skipf("ptrace: %v", err)
		}
		traced := map[int]bool{initPid: true}
		defer func() {
			// Should the test have failed midway: a tracee not stopped
			// cannot be detached, and must not stay traced.
			for pid := range traced {
				if ptraceDetach(pid, 0) != nil {
					unix.Kill(pid, unix.SIGKILL)
				}
			}
		}()
		ti.sendRaw(t, msgStart, int32(len(startPayload(spec))), startPayload(spec), 3)
		child := waitForVfork(t, initPid)
		traced[child] = true
		if err := ptraceDetach(initPid, 0); err != nil {
			t.Fatal(err)
		}
		delete(traced, initPid)
		stopAfterSyscall(t, child, unix.SYS_RT_SIGPROCMASK) // the unblocking
		if err := unix.Kill(child, unix.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if err := unix.PtraceSyscall(child, 0); err != nil {
			t.Fatal(err)
		}
		if ws := ptraceWait(t, child); !ws.Stopped() || ws.StopSignal() != unix.SIGTERM {
			t.Fatalf("child of vfork: status %#x, want stopped to get SIGTERM", ws)
		}
		// Detached, it gets the signal it was stopped for.
		if err := ptraceDetach(child, unix.SIGTERM); err != nil {
			t.Fatal(err)
		}
		delete(traced, child)
		return child
	}()

	m := ti.next(t)
	if m.kind != msgStarted || int(m.value) != child {
		t.Fatalf("procman-init sent %q %d, want the start of %d", rune(m.kind), m.value, child)
	}
	ti.expectExit(t, signaled(syscall.SIGTERM))
	ti.expectEOF(t)
}

// ptraceSeize attaches to pid without stopping it.
func ptraceSeize(pid int, options int) error {
	_, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_SEIZE, uintptr(pid), 0, uintptr(options), 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// ptraceDetach detaches from pid, stopped, which then gets sig.
func ptraceDetach(pid int, sig syscall.Signal) error {
	_, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_DETACH, uintptr(pid), 0, uintptr(sig), 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

func ptraceWait(t *testing.T, pid int) unix.WaitStatus {
	t.Helper()
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(pid, &ws, unix.WALL, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			t.Fatalf("wait for traced %d: %v", pid, err)
		}
		return ws
	}
}

// waitForVfork lets the traced init run until it vforks, and returns the
// child, traced too from its birth.
func waitForVfork(t *testing.T, pid int) int {
	t.Helper()
	for {
		ws := ptraceWait(t, pid)
		if !ws.Stopped() {
			t.Fatalf("procman-init ended (status %#x) before it vforked", ws)
		}
		if ws.TrapCause() == unix.PTRACE_EVENT_VFORK {
			child, err := unix.PtraceGetEventMsg(pid)
			if err != nil {
				t.Fatal(err)
			}
			return int(child)
		}
		// A signal for the init: passed on.
		if err := unix.PtraceCont(pid, int(ws.StopSignal())); err != nil {
			t.Fatal(err)
		}
	}
}

// ptraceSyscallInfo is struct ptrace_syscall_info of linux/ptrace.h, as
// far as a system call's entry.
type ptraceSyscallInfo struct {
	Op   uint8
	_    [3]uint8
	Arch uint32
	IP   uint64
	SP   uint64
	Nr   uint64 // at entry: the call's number; at exit: its result
	Args [6]uint64
}

// stopAfterSyscall runs the traced pid, from its first stop, until it
// has returned from the system call nr.
func stopAfterSyscall(t *testing.T, pid int, nr uint64) {
	t.Helper()
	if ws := ptraceWait(t, pid); !ws.Stopped() {
		t.Fatalf("child of vfork: status %#x, want its first stop", ws)
	}
	var entered uint64
	sig := 0
	for {
		if err := unix.PtraceSyscall(pid, sig); err != nil {
			t.Fatal(err)
		}
		ws := ptraceWait(t, pid)
		if !ws.Stopped() {
			t.Fatalf("child of vfork ended (status %#x) before system call %d", ws, nr)
		}
		sig = 0
		if ws.StopSignal() != unix.SIGTRAP|0x80 {
			sig = int(ws.StopSignal()) // a signal for it: passed on
			continue
		}
		var info ptraceSyscallInfo
		_, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_GET_SYSCALL_INFO, uintptr(pid), unsafe.Sizeof(info), uintptr(unsafe.Pointer(&info)), 0, 0)
		if e != 0 {
			t.Skipf("PTRACE_GET_SYSCALL_INFO: %v", e)
		}
		switch {
		case info.Op == unix.PTRACE_SYSCALL_INFO_ENTRY && info.Nr == unix.SYS_EXECVE:
			t.Fatalf("child of vfork reached execve without system call %d", nr)
		case info.Op == unix.PTRACE_SYSCALL_INFO_ENTRY:
			entered = info.Nr
		case info.Op == unix.PTRACE_SYSCALL_INFO_EXIT && entered == nr:
			return
		}
	}
}

// TestInitTreatsAnOverlongMessageAsABrokenHost: a message longer than any
// of the protocol is reported, and then the host is not listened to any
// more: the tree is stopped.
func TestInitTreatsAnOverlongMessageAsABrokenHost(t *testing.T) {
	overlong := make([]byte, 70000) // more than the init's 64 KiB buffer
	eachInitMode(t, func(t *testing.T, mode string) {
		t.Run("start request", func(t *testing.T) {
			ti := startTestInit(t, initConfig{mode: mode, grace: time.Hour})
			ti.sendRaw(t, msgStart, int32(len(overlong)), overlong, 3)
			ti.expect(t, msgExecFailed, int32(syscall.EINVAL))
			ti.expectEOF(t)
			ti.mustExit(t)
		})
		t.Run("program running", func(t *testing.T) {
			marker := proctest.Marker(t)
			ti := startTestInit(t, initConfig{mode: mode, grace: time.Hour})
			ti.start(t, shellSpec(t, marker, loopScript))
			ti.sendRaw(t, msgSignalTree, 0, overlong, 0)
			ti.expect(t, msgExecFailed, int32(syscall.EINVAL))
			ti.expectExit(t, signaled(syscall.SIGTERM))
			ti.expectEOF(t)
			ti.mustExit(t)
		})
	})
}

// TestInitStopsItsTreeWhenItCannotWatchIt lowers the descriptor limit of
// a running subreaper init until its poll fails: the init must not leave
// its tree (a setsid'd daemon included) to the system's init, but kill it,
// report the program's end, and exit 125. (A PID namespace's tree dies
// with its PID 1 anyway.)
func TestInitStopsItsTreeWhenItCannotWatchIt(t *testing.T) {
	marker := proctest.Marker(t)
	ti := startTestInit(t, initConfig{mode: "subreaper", grace: time.Hour})
	ti.start(t, shellSpec(t, marker, daemonScript("")))
	waitTree(t, marker, ti.pid)

	var limit unix.Rlimit
	if err := unix.Prlimit(ti.pid, unix.RLIMIT_NOFILE, nil, &limit); err != nil {
		t.Fatal(err)
	}
	limit.Cur = 1 // fewer than the descriptors it polls
	if err := unix.Prlimit(ti.pid, unix.RLIMIT_NOFILE, &limit, nil); err != nil {
		t.Fatal(err)
	}
	ti.sendRaw(t, msgSignal, 0, nil, 0) // wakes it up, to poll again
	ti.expectExit(t, signaled(syscall.SIGKILL))
	ti.expectEOF(t)
	ti.mustExit(t)
	if code := ti.cmd.ProcessState.ExitCode(); code != 125 {
		t.Errorf("procman-init exited %d, want 125", code)
	}
	if pids := proctest.WaitGone(marker, initTimeout); len(pids) > 0 {
		t.Errorf("%v of the tree outlived procman-init", pids)
	}
}

// TestInitReportsThatItCannotGetReady: an init that cannot set itself up
// (here: no descriptor left for its signalfd) says why, and exits.
func TestInitReportsThatItCannotGetReady(t *testing.T) {
	if _, err := exec.LookPath("prlimit"); err != nil {
		t.Skip("prlimit (util-linux) is missing")
	}
	eachInitMode(t, func(t *testing.T, mode string) {
		ti := launchInit(t, initConfig{mode: mode, grace: time.Second, wrap: func(_ string, args ...string) *exec.Cmd {
			// 0, 1, 2 and the control socket: not one more.
			return exec.Command("prlimit", append([]string{"--nofile=4", "--"}, args...)...)
		}})
		ti.expect(t, msgForkFailed, int32(syscall.EMFILE))
		ti.expectEOF(t)
		ti.mustExit(t)
	})
}

// TestInitSendsEachProcessOneGracefulSignal: once the host has sent the
// tree its graceful signal, neither the host's death nor a signal to the
// init sends another; and once the init stops the tree by itself, the
// host's graceful signal is not sent again either, while its SIGKILL still
// cuts the grace short. The tree is a shell that counts its SIGTERMs.
func TestInitSendsEachProcessOneGracefulSignal(t *testing.T) {
	type config struct {
		name string
		mode string
		uid  int
	}
	configs := []config{{"subreaper", "subreaper", 0}, {"pidns+user", "pidns+user", 0}}
	if os.Geteuid() == 0 {
		configs = []config{
			{"subreaper", "subreaper", 0}, {"pidns", "pidns", 0},
			{"subreaper as 65534", "subreaper", 65534}, {"pidns+user as 65534", "pidns+user", 65534},
		}
	}
	for _, c := range configs {
		t.Run(c.name, func(t *testing.T) {
			t.Run("host Stop, then host gone", func(t *testing.T) {
				ti, terms := startTermCounter(t, initConfig{mode: c.mode, uid: c.uid, grace: 500 * time.Millisecond})
				ti.sendRaw(t, msgSignalTree, int32(syscall.SIGTERM), nil, 0)
				terms.waitFor(t, 1)
				ti.conn.Close()
				ti.mustExit(t)
				terms.want(t, 1)
			})
			t.Run("host Stop, then init signalled", func(t *testing.T) {
				ti, terms := startTermCounter(t, initConfig{mode: c.mode, uid: c.uid, grace: 500 * time.Millisecond})
				ti.sendRaw(t, msgSignalTree, int32(syscall.SIGTERM), nil, 0)
				terms.waitFor(t, 1)
				if err := ti.cmd.Process.Signal(syscall.SIGTERM); err != nil {
					t.Fatal(err)
				}
				ti.expectExit(t, signaled(syscall.SIGKILL)) // at the end of the grace
				ti.expectEOF(t)
				terms.want(t, 1)
			})
			t.Run("init signalled, then host Stop and Kill", func(t *testing.T) {
				ti, terms := startTermCounter(t, initConfig{mode: c.mode, uid: c.uid, grace: time.Hour})
				if err := ti.cmd.Process.Signal(syscall.SIGTERM); err != nil {
					t.Fatal(err)
				}
				terms.waitFor(t, 1)
				ti.sendRaw(t, msgSignalTree, int32(syscall.SIGTERM), nil, 0)
				terms.waitFor(t, 2) // a second would come at once; none must
				ti.sendRaw(t, msgSignalTree, int32(syscall.SIGKILL), nil, 0)
				ti.expectExit(t, signaled(syscall.SIGKILL))
				ti.expectEOF(t)
				terms.want(t, 1)
			})
		})
	}
}

// termCounter is a file to which the tree appends a line per SIGTERM.
type termCounter string

// startTermCounter starts an init whose program is a shell that counts
// the SIGTERMs it gets, and waits until the shell is ready to count.
func startTermCounter(t *testing.T, cfg initConfig) (*testInit, termCounter) {
	t.Helper()
	marker := proctest.Marker(t)
	dir, err := os.MkdirTemp("", "procman-test-")
	if err == nil {
		err = os.Chmod(dir, 0o777) // the tree's user writes there
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	count, ready := filepath.Join(dir, "terms"), filepath.Join(dir, "ready")
	ti := startTestInit(t, cfg)
	ti.start(t, shellSpec(t, marker, `trap 'echo TERM >>"$1"' TERM; : >"$2"; while :; do sleep 1 & wait; done`, count, ready))
	deadline := time.Now().Add(initTimeout)
	for _, err := os.Stat(ready); err != nil; _, err = os.Stat(ready) {
		if time.Now().After(deadline) {
			t.Fatalf("the tree is not ready after %v", initTimeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return ti, termCounter(count)
}

func (c termCounter) count() int {
	data, _ := os.ReadFile(string(c))
	return strings.Count(string(data), "TERM\n")
}

// waitFor waits until the tree has counted n SIGTERMs, for up to
// initTimeout when n is 1, and half a second else: long enough for a
// signal sent just before, since one that should not come must not make
// the test long.
func (c termCounter) waitFor(t *testing.T, n int) {
	t.Helper()
	timeout := initTimeout
	if n > 1 {
		timeout = 500 * time.Millisecond
	}
	deadline := time.Now().Add(timeout)
	for c.count() < n {
		if time.Now().After(deadline) {
			if n == 1 {
				t.Fatalf("the tree got no SIGTERM within %v", timeout)
			}
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (c termCounter) want(t *testing.T, n int) {
	t.Helper()
	if got := c.count(); got != n {
		t.Errorf("the tree got SIGTERM %d times, want %d", got, n)
	}
}

// TestInitStopsItsTreeInANestedPIDNamespace runs a subreaper init inside
// a PID namespace that kept its parent's /proc, as procman run in a
// procman tree is: the pids of /proc are not the init's. Its tree, a
// setsid'd daemon included, ignores SIGTERM; at the end of the grace
// nothing of it may be left.
func TestInitStopsItsTreeInANestedPIDNamespace(t *testing.T) {
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("unshare (util-linux) is missing")
	}
	marker := proctest.Marker(t)
	ti := startTestInit(t, initConfig{mode: "subreaper", grace: 500 * time.Millisecond, wrap: inNestedPIDNamespace})
	if ns, err := nsPids(ti.pid); err != nil || len(ns) != 2 {
		t.Fatalf("procman-init's NSpid %v (%v), want it one PID namespace below /proc's", ns, err)
	}

	ti.start(t, shellSpec(t, marker, daemonScript(`trap '' TERM; `)))
	waitTree(t, marker, ti.pid)

	ti.conn.Close()
	ti.mustExit(t)
	if pids := proctest.WaitGone(marker, initTimeout); len(pids) > 0 {
		t.Errorf("%v of the tree outlived its stop", pids)
	}
}

// inNestedPIDNamespace runs the init in a PID namespace of its own that
// keeps its parent's /proc (an initConfig's wrap). Its PID 1, a shell,
// exits as the init did.
func inNestedPIDNamespace(initMarker string, args ...string) *exec.Cmd {
	return nestedPIDNamespace(`exit $code`, initMarker, args...)
}

// nestedPIDNamespace is inNestedPIDNamespace whose PID 1 runs the script
// then once the init has exited, with the init's exit code as $code.
func nestedPIDNamespace(then, initMarker string, args ...string) *exec.Cmd {
	unshare := []string{"--pid", "--fork", "--kill-child"}
	if os.Geteuid() != 0 {
		unshare = append([]string{"--user", "--map-root-user"}, unshare...)
	}
	// PID 1 is a shell; the init is not pid 2, whose /proc entry
	// (outside) is kthreadd, whose children (kernel threads) have the
	// small pids the tree has inside.
	script := `/bin/true; "$@"; code=$?; ` + then
	return exec.Command("unshare", append(append(unshare, "/bin/sh", "-c", script, initMarker), args...)...)
}

// parentPid returns the parent of pid, 0 if pid is gone.
func parentPid(t *testing.T, pid int) int {
	t.Helper()
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "PPid:"); ok {
			ppid, err := strconv.Atoi(strings.TrimSpace(rest))
			if err != nil {
				t.Fatal(err)
			}
			return ppid
		}
	}
	t.Fatalf("no PPid in /proc/%d/status", pid)
	return 0
}

// TestInitHoldsItsCgroupLocked: given its tree's cgroup directory as
// descriptor 4, the init holds it locked (shared) for as long as it lives,
// so that another host's sweep (which takes it exclusively) leaves it
// alone; the program does not get the descriptor.
func TestInitHoldsItsCgroupLocked(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("makes a cgroup: root only")
	}
	mount := cgroup2Mount(t)
	eachInitMode(t, func(t *testing.T, mode string) {
		marker := proctest.Marker(t)
		dir, cg := makeTestCgroup(t, mount, "init-lock", marker)
		defer cg.Close()
		ti := startTestInit(t, initConfig{mode: mode, grace: time.Second, cgroup: cg})
		cg.Close()

		sweep, err := os.Open(dir) // another open file: another lock owner
		if err != nil {
			t.Fatal(err)
		}
		defer sweep.Close()
		if err := unix.Flock(int(sweep.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != unix.EWOULDBLOCK {
			t.Fatalf("exclusive lock while procman-init lives: %v, want EWOULDBLOCK", err)
		}

		pid := ti.start(t, shellSpec(t, marker, loopScript))
		fds, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
		if err != nil {
			t.Fatal(err)
		}
		for _, fd := range fds {
			if target, _ := os.Readlink("/proc/" + strconv.Itoa(pid) + "/fd/" + fd.Name()); target == dir {
				t.Errorf("the program has the cgroup directory as descriptor %s", fd.Name())
			}
		}

		ti.conn.Close()
		ti.mustExit(t)
		if err := unix.Flock(int(sweep.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
			t.Errorf("exclusive lock once procman-init is gone: %v", err)
		}
	})
}

// makeTestCgroup makes a cgroup under mount, named for the test and its
// marker, removed at the end of the test (once the processes in it are
// gone), and opens its directory.
func makeTestCgroup(t *testing.T, mount, name, marker string) (string, *os.File) {
	t.Helper()
	dir := filepath.Join(mount, "procman-test-"+name+"-"+strings.TrimPrefix(marker, "procman-marker-"))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.Remove(dir); err != nil {
			t.Errorf("remove the test's cgroup: %v", err)
		}
	})
	cg, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, cg
}

// cgroup2Mount returns where the cgroup v2 hierarchy is mounted.
func cgroup2Mount(t *testing.T) string {
	t.Helper()
	mounts, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(mounts), "\n") {
		if f := strings.Fields(line); len(f) > 2 && f[2] == "cgroup2" {
			return f[1]
		}
	}
	t.Skip("no cgroup2 mounted")
	return ""
}

// TestInitReportsTheExitBeforeEndOfFile: the host must read the program's
// exit even when the init exits with messages of the host's unread (a
// Kill that came too late to matter, say). Left unread, they would make
// the host's read fail (ECONNRESET) ahead of the report. The init is held
// stopped while the program exits and the messages are queued, so that it
// wakes to both at once.
func TestInitReportsTheExitBeforeEndOfFile(t *testing.T) {
	eachInitMode(t, func(t *testing.T, mode string) {
		marker := proctest.Marker(t)
		ti := startTestInit(t, initConfig{mode: mode, grace: time.Second})
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		spec := shellSpec(t, marker, "read x; exit 3")
		spec.Stdin = r
		pid := ti.start(t, spec)
		r.Close()

		if err := unix.Kill(ti.pid, unix.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		defer unix.Kill(ti.pid, unix.SIGCONT)
		waitState(t, ti.pid, 'T')
		w.Close() // the program exits
		waitState(t, pid, 'Z')
		for range 3 {
			ti.sendRaw(t, msgSignal, 0, nil, 0)
		}
		if err := unix.Kill(ti.pid, unix.SIGCONT); err != nil {
			t.Fatal(err)
		}
		ti.mustExit(t) // then read, as a host does that was busy
		ti.expectExit(t, ExitStatus{Code: 3})
		ti.expectEOF(t)
	})
}

// TestInitSaysWhetherTheTreeOutlivesTheProgram: with the program's exit
// the init says whether anything is left of the tree ('W': nothing, 'Q':
// processes live on), so that the host need not walk the tree to know.
func TestInitSaysWhetherTheTreeOutlivesTheProgram(t *testing.T) {
	eachInitMode(t, func(t *testing.T, mode string) {
		for _, tc := range []struct {
			script string
			code   int
			empty  bool
		}{
			{"exit 3", 3, true},
			{`sh -c "sleep 1000; :" "$0" & exit 4`, 4, false},
			{"sleep 1000 & kill $!; wait; exit 5", 5, true},
		} {
			marker := proctest.Marker(t)
			ti := startTestInit(t, initConfig{mode: mode, grace: time.Second})
			ti.start(t, shellSpec(t, marker, tc.script))
			if empty := ti.expectExit(t, ExitStatus{Code: tc.code}); empty != tc.empty {
				t.Errorf("%q: reported the tree empty: %v, want %v", tc.script, empty, tc.empty)
			}
			if !tc.empty {
				// The shell that lives on. It may be forking the sleep:
				// a SIGTERM's one walk could miss the sleep (4 runs in
				// 300 left it running), SIGKILL walks until none is left.
				proctest.WaitCount(t, marker, 1, initTimeout)
				ti.sendRaw(t, msgSignalTree, int32(syscall.SIGKILL), nil, 0)
			}
			ti.expectEOF(t)
			ti.mustExit(t)
		}
	})
}

func waitState(t *testing.T, pid int, want byte) {
	t.Helper()
	deadline := time.Now().Add(initTimeout)
	for proctest.State(pid) != want {
		if time.Now().After(deadline) {
			t.Fatalf("pid %d in state %q after %v, want %q", pid, proctest.State(pid), initTimeout, want)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
