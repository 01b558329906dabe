package reaper

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/procman-dev/procman/internal/proctest"
	"github.com/procman-dev/procman/platform"
	"go.uber.org/goleak"
	"golang.org/x/sys/unix"
)

// The test binary plays three parts, chosen by environment variables:
// the tests; a fake host (hostEnv), which starts a reaper, registers what
// the test tells it to on stdin and is then SIGKILLed; and the processes
// that get registered (childEnv). A fake host started as pid 1 of a PID
// namespace is that namespace's init, and runs the fake host as its child.
const (
	hostEnv  = "PROCMAN_REAPER_TEST_HOST"
	childEnv = "PROCMAN_REAPER_TEST_CHILD"
)

// testBinary is this test binary, which the tests start as host and child.
var testBinary string

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(child(mode, os.Args[1:]))
	}
	if opts := os.Getenv(hostEnv); opts != "" {
		if os.Getpid() == 1 {
			os.Exit(namespaceInit())
		}
		os.Exit(fakeHost(opts))
	}
	var err error
	if testBinary, err = os.Executable(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutines leaked:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// child is a registered process. Every mode prints "ready" once its
// signal handling is set, then waits. Its arguments are only markers,
// except the last one of the term-note modes: the file it writes "term"
// into on SIGTERM.
//
//	sleep            wait; SIGTERM ends it
//	ignore-term      ignore SIGTERM
//	term-note        note SIGTERM, then exit 0
//	term-note-stay   note SIGTERM, and go on
//	trap             exit 100+N on signal N (SIGHUP, SIGINT, SIGTERM, SIGUSR1)
//	tree             start two ignore-term children, one in a session of its own
//	cleanup          on SIGTERM, clean up: append "term" to the file
//	                 args[len-2] (and again for every SIGTERM), wait for
//	                 the file args[len-1] to exist, append "cleaned", exit 0
func child(mode string, args []string) int {
	switch mode {
	case "sleep":
	case "ignore-term":
		signal.Ignore(syscall.SIGTERM)
	case "term-note", "term-note-stay":
		terms := make(chan os.Signal, 1)
		signal.Notify(terms, syscall.SIGTERM)
		note := args[len(args)-1]
		go func() {
			for range terms {
				if err := os.WriteFile(note, []byte("term"), 0o644); err != nil {
					os.Exit(3)
				}
				if mode == "term-note" {
					os.Exit(0)
				}
			}
		}()
	case "cleanup":
		terms := make(chan os.Signal, 4)
		signal.Notify(terms, syscall.SIGTERM)
		note, proceed := args[len(args)-2], args[len(args)-1]
		go func() {
			<-terms
			appendLine(note, "term")
			go func() {
				for range terms {
					appendLine(note, "term")
				}
			}()
			for !exists(proceed) {
				time.Sleep(5 * time.Millisecond)
			}
			appendLine(note, "cleaned")
			os.Exit(0)
		}()
	case "trap":
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM, syscall.SIGUSR1)
		go func() { os.Exit(100 + int((<-sigs).(syscall.Signal))) }()
	case "tree":
		signal.Ignore(syscall.SIGTERM)
		for _, setsid := range []bool{false, true} {
			cmd := exec.Command(os.Args[0], args...)
			cmd.Env = []string{childEnv + "=ignore-term"}
			cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: setsid}
			out, err := cmd.StdoutPipe()
			if err == nil {
				err = cmd.Start()
			}
			if err == nil {
				_, err = bufio.NewReader(out).ReadString('\n')
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, "tree:", err)
				return 2
			}
		}
	default:
		fmt.Fprintf(os.Stderr, "unknown child mode %q\n", mode)
		return 2
	}
	fmt.Println("ready")
	os.Stdout.Close()
	for {
		syscall.Pause()
	}
}

// appendLine appends line to the file at path, or exits 3.
func appendLine(path, line string) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err == nil {
		_, err = f.WriteString(line + "\n")
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		os.Exit(3)
	}
}

// namespaceInit is pid 1 of a PID namespace made for a fake host: it runs
// the fake host as its child and reaps every process of the namespace
// until none is left (the reaper acts after the host's death), for the
// namespace ends with its init. It exits as the fake host did.
func namespaceInit() int {
	cmd := exec.Command(os.Args[0], os.Args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "namespace init:", err)
		return 2
	}
	code := 2
	for {
		var status syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &status, 0, nil)
		if errors.Is(err, syscall.ECHILD) {
			return code
		}
		if pid == cmd.Process.Pid {
			code = status.ExitStatus()
		}
	}
}

// hostOptions is what the fake host passes to Start.
type hostOptions struct {
	SweepDirPrefixes []string
	SweepCgroupDirs  []string
}

// fakeHost starts a reaper, prints "ready <reaper pid> <own pid>", then
// answers each command (a JSON array of strings on a line of stdin) with
// a line "ok ..." or "error ...". The pids it tells are those of /proc,
// which the tests share, but for NSPID: the pid in the host's own PID
// namespace, which those it is told are too.
//
//	spawn GRACE_MS MODE ARGS...        start a child in its own process group, protect it
//	                                   → ok PID STARTTIME REG NSPID
//	start MODE ARGS...                 start a child, unprotected → ok PID NSPID
//	spawn-cgroup PATH MODE ARGS...     start a child in the cgroup, unprotected → ok PID
//	spawn-exec N GRACE_MS PATH ARGS... start and protect N programs → ok NSPID...
//	protect NSPID STARTTIME GRACE_MS   → ok REG
//	dir PATH                           → ok REG
//	cgroup PATH GRACE_MS               → ok REG
//	reclaim PATH WAIT_MS               → ok REG
//	release REG                        → ok
//	pid                                → ok PID of the current reaper (0 while none)
func fakeHost(optsJSON string) int {
	var opts hostOptions
	if err := json.Unmarshal([]byte(optsJSON), &opts); err != nil {
		fmt.Fprintln(os.Stderr, "fake host:", err)
		return 2
	}
	r, err := Start(Options{
		Logger:           hclog.New(&hclog.LoggerOptions{Name: "fake-host", Output: os.Stderr}),
		SweepDirPrefixes: opts.SweepDirPrefixes,
		SweepCgroupDirs:  opts.SweepCgroupDirs,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "fake host:", err)
		return 2
	}
	reaper, err := procPid(r.Pid())
	self, err2 := os.Readlink("/proc/self")
	if err = errors.Join(err, err2); err != nil {
		fmt.Fprintln(os.Stderr, "fake host:", err)
		return 2
	}
	fmt.Println("ready", reaper, self)
	var regs []*Registration
	protected := func(reg *Registration, err error) (string, error) {
		if err != nil {
			return "", err
		}
		regs = append(regs, reg)
		return strconv.Itoa(len(regs) - 1), nil
	}
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		var cmd []string
		answer, err := "", json.Unmarshal(in.Bytes(), &cmd)
		if err == nil {
			answer, err = hostCommand(r, cmd, protected, regs)
		}
		if err != nil {
			fmt.Println("error", strings.ReplaceAll(err.Error(), "\n", " "))
		} else {
			fmt.Println(strings.TrimSpace("ok " + answer))
		}
	}
	return 0
}

func hostCommand(r *Reaper, cmd []string, protected func(*Registration, error) (string, error), regs []*Registration) (string, error) {
	arg := func(i int) int64 {
		n, _ := strconv.ParseInt(cmd[i], 10, 64)
		return n
	}
	ms := func(i int) time.Duration { return time.Duration(arg(i)) * time.Millisecond }
	switch cmd[0] {
	case "spawn":
		pid, err := startChild(cmd[2], cmd[3:], nil)
		if err != nil {
			return "", err
		}
		id, err := procPid(pid)
		if err != nil {
			return "", err
		}
		start, err := platform.StartTime(pid)
		if err != nil {
			return "", err
		}
		reg, err := protected(r.ProtectProcess(pid, start, ms(1)))
		return fmt.Sprintf("%d %d %s %d", id, start, reg, pid), err
	case "start":
		pid, err := startChild(cmd[1], cmd[2:], nil)
		if err != nil {
			return "", err
		}
		id, err := procPid(pid)
		return fmt.Sprintf("%d %d", id, pid), err
	case "spawn-cgroup":
		dir, err := os.Open(cmd[1])
		if err != nil {
			return "", err
		}
		defer dir.Close()
		pid, err := startChild(cmd[2], cmd[3:], &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(dir.Fd())})
		if err != nil {
			return "", err
		}
		id, err := procPid(pid)
		return strconv.Itoa(id), err
	case "spawn-exec":
		var pids []string
		for range arg(1) {
			c := exec.Command(cmd[3], cmd[4:]...)
			c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			if err := c.Start(); err != nil {
				return "", err
			}
			start, err := platform.StartTime(c.Process.Pid)
			if err != nil {
				return "", err
			}
			if _, err := protected(r.ProtectProcess(c.Process.Pid, start, ms(2))); err != nil {
				return "", err
			}
			pids = append(pids, strconv.Itoa(c.Process.Pid))
		}
		return strings.Join(pids, " "), nil
	case "protect":
		return protected(r.ProtectProcess(int(arg(1)), uint64(arg(2)), ms(3)))
	case "dir":
		return protected(r.ProtectDir(cmd[1]))
	case "cgroup":
		return protected(r.ProtectCgroup(cmd[1], ms(2)))
	case "reclaim":
		return protected(r.ReclaimCgroup(cmd[1], ms(2)))
	case "release":
		return "", regs[arg(1)].Release()
	case "pid":
		id, err := procPid(r.Pid())
		return strconv.Itoa(id), err
	}
	return "", fmt.Errorf("unknown command %q", cmd[0])
}

// startChild starts this binary as a child in mode, in a process group of
// its own unless attr says otherwise, and returns once it is ready.
func startChild(mode string, args []string, attr *syscall.SysProcAttr) (int, error) {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = []string{childEnv + "=" + mode}
	cmd.SysProcAttr = attr
	if attr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "ready\n" {
		cmd.Process.Kill()
		return 0, fmt.Errorf("child %s not ready: %q, %v", mode, line, err)
	}
	return cmd.Process.Pid, nil
}

// procPid returns the pid by which /proc names process pid of this
// process's PID namespace: the "Pid:" line of a pidfd's fdinfo, which the
// kernel writes in /proc's namespace. The two differ for a fake host in a
// PID namespace of its own that kept the outer /proc. 0 stays 0, and a
// process that has exited is 0 too.
func procPid(pid int) (int, error) {
	if pid == 0 {
		return 0, nil
	}
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return 0, fmt.Errorf("pidfd of %d: %w", pid, err)
	}
	defer unix.Close(fd)
	data, err := os.ReadFile("/proc/self/fdinfo/" + strconv.Itoa(fd))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, "Pid:"); ok {
			id, err := strconv.Atoi(strings.TrimSpace(rest))
			// -1: it has exited, and is no reaper to wait for any more.
			return max(id, 0), err
		}
	}
	return 0, fmt.Errorf("pid %d: no Pid line in its pidfd's fdinfo", pid)
}

// ---- the tests' side ----

// host is a running fake host.
type host struct {
	t      testing.TB
	cmd    *exec.Cmd // the host, or what runs it in a PID namespace
	in     io.Writer
	out    *bufio.Reader
	pid    int // the host's pid
	pidfd  int // the host's pidfd, -1 until it is ready
	reaper int // the reaper's pid when the host started
	// expected are the processes that must be gone once the host is.
	expected []expectation
}

type expectation struct {
	process
	what string
}

// startHost starts a fake host with opts, whose processes carry marker.
func startHost(t testing.TB, marker string, opts hostOptions) *host {
	t.Helper()
	return startHostWith(t, marker, opts, exec.Command(testBinary, marker))
}

// startFake starts cmd, this test binary playing a fake host, with opts as
// JSON in the environment variable env, and returns its stdin, its stdout
// and what it logs on stderr.
func startFake(t testing.TB, cmd *exec.Cmd, env string, opts any) (io.WriteCloser, *bufio.Reader, *proctest.Buffer) {
	t.Helper()
	optsJSON, err := json.Marshal(opts)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Env = []string{env + "=" + string(optsJSON)}
	stderr := &proctest.Buffer{}
	cmd.Stderr = stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return in, bufio.NewReader(out), stderr
}

// startHostWith starts cmd, a command running this test binary (or
// running it as pid 1 of a new PID namespace), as a fake host.
func startHostWith(t testing.TB, marker string, opts hostOptions, cmd *exec.Cmd) *host {
	t.Helper()
	// Once the host has gone, what runs it in a namespace ends with the
	// namespace's last process; its output may stay open that long.
	cmd.WaitDelay = 10 * time.Second
	in, out, stderr := startFake(t, cmd, hostEnv, opts)
	h := &host{t: t, cmd: cmd, in: in, out: out, pidfd: -1}
	t.Cleanup(func() {
		h.kill()
		for _, e := range h.expected {
			checkGone(t, e.process, e.what)
		}
		h.cmd.Process.Kill() // ends a namespace that still runs
		h.cmd.Wait()
		if t.Failed() {
			t.Logf("fake host's log:\n%s", stderr.String())
		}
	})
	line, err := h.out.ReadString('\n')
	if err != nil {
		t.Fatalf("fake host did not start: %v\n%s", err, stderr.String())
	}
	if _, err := fmt.Sscanf(line, "ready %d %d", &h.reaper, &h.pid); err != nil {
		t.Fatalf("fake host said %q", line)
	}
	// The host waits for commands: its pid cannot have been recycled.
	if h.pidfd, err = unix.PidfdOpen(h.pid, 0); err != nil {
		t.Fatal(err)
	}
	h.expectGone(h.reaper, "the reaper (it must exit once its host is gone)")
	return h
}

// expectGone makes sure the process pid does not outlive the host: at the
// end of the test, after the host was killed, it must be gone.
func (h *host) expectGone(pid int, what string) {
	h.t.Helper()
	h.expected = append(h.expected, expectation{identify(h.t, pid), what})
}

// do sends a command and returns the fields of the answer after "ok".
func (h *host) do(cmd ...string) []string {
	h.t.Helper()
	fields, err := h.try(cmd...)
	if err != nil {
		h.t.Fatalf("fake host %v: %v", cmd, err)
	}
	return fields
}

// try sends a command and returns the fields of the answer after "ok", or
// the error the host answered.
func (h *host) try(cmd ...string) ([]string, error) {
	h.t.Helper()
	line, err := json.Marshal(cmd)
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.in.Write(append(line, '\n')); err != nil {
		h.t.Fatalf("fake host %v: %v", cmd, err)
	}
	answer, err := h.out.ReadString('\n')
	if err != nil {
		h.t.Fatalf("fake host %v: %v", cmd, err)
	}
	if msg, ok := strings.CutPrefix(strings.TrimSpace(answer), "error "); ok {
		return nil, errors.New(msg)
	}
	fields := strings.Fields(answer)
	if len(fields) == 0 || fields[0] != "ok" {
		h.t.Fatalf("fake host %v: %s", cmd, answer)
	}
	return fields[1:], nil
}

// spawn starts a protected child of the host and returns its pid; the
// child is expected gone by the end of the test.
func (h *host) spawn(grace time.Duration, mode string, args ...string) int {
	h.t.Helper()
	f := h.do(append([]string{"spawn", ms(grace), mode}, args...)...)
	pid := atoi(h.t, f[0])
	h.expectGone(pid, "protected process")
	return pid
}

// kill SIGKILLs the host and waits until it is gone (reaped, if it is
// the test's child).
func (h *host) kill() {
	if h.pidfd < 0 {
		if h.cmd.ProcessState == nil {
			h.cmd.Process.Kill()
			h.cmd.Wait()
		}
		return
	}
	unix.PidfdSendSignal(h.pidfd, unix.SIGKILL, nil, 0)
	unix.Poll([]unix.PollFd{{Fd: int32(h.pidfd), Events: unix.POLLIN}}, 10_000)
	unix.Close(h.pidfd)
	h.pidfd = -1
	if h.pid == h.cmd.Process.Pid {
		h.cmd.Wait()
	}
}

// process is one process, for good: a pid and its start time.
type process struct {
	pid   int
	start uint64
}

func identify(t testing.TB, pid int) process {
	t.Helper()
	start, err := platform.StartTime(pid)
	if err != nil {
		t.Fatalf("pid %d: %v", pid, err)
	}
	return process{pid, start}
}

// name is how p, were it a host, would name what it leaves on the system
// (platform.HostName): "<pid>-<start time>-<pidns>", the namespace the
// test's own, as /proc is.
func (p process) name() string {
	return fmt.Sprintf("%d-%d-%d", p.pid, p.start, pidNamespace)
}

// pidNamespace is the inode of the test's PID namespace.
var pidNamespace = func() uint64 {
	var st syscall.Stat_t
	if err := syscall.Stat("/proc/self/ns/pid", &st); err != nil {
		panic(err)
	}
	return st.Ino
}()

// alive tells whether p still runs: not gone, not a zombie, and its pid
// not given to another process.
func (p process) alive() bool {
	start, err := platform.StartTime(p.pid)
	return err == nil && start == p.start && proctest.State(p.pid) != 'Z'
}

// expectGone makes sure the process pid does not outlive the test: at the
// end it must be gone (waiting a few seconds for it), else it is killed
// and the test fails.
func expectGone(t testing.TB, pid int, what string) {
	t.Helper()
	p := identify(t, pid)
	t.Cleanup(func() { checkGone(t, p, what) })
}

// startReaper starts a reaper that is closed at the end of the test, and
// must be gone then.
func startReaper(t testing.TB, opts Options) *Reaper {
	t.Helper()
	r, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	expectGone(t, r.Pid(), "the reaper")
	t.Cleanup(func() { r.Close() })
	return r
}

// checkGone waits a few seconds for p to be gone, else kills it and fails
// the test.
func checkGone(t testing.TB, p process, what string) {
	if waitFor(5*time.Second, func() bool { return !p.alive() }) {
		return
	}
	syscall.Kill(p.pid, syscall.SIGKILL)
	t.Errorf("%s (pid %d) survived the test", what, p.pid)
}

// killAtEnd kills the process pid at the end of the test, if it still
// runs; the test expects it to survive until then.
func killAtEnd(t testing.TB, pid int) process {
	t.Helper()
	p := identify(t, pid)
	t.Cleanup(func() {
		if p.alive() {
			syscall.Kill(p.pid, syscall.SIGKILL)
		}
	})
	return p
}

// startOwnChild starts a child of the test itself in mode, killed and
// reaped at the end of the test unless the test waits for it.
func startOwnChild(t testing.TB, marker, mode string) *exec.Cmd {
	t.Helper()
	return startOwnChildIn(t, marker, mode, &syscall.SysProcAttr{Setpgid: true})
}

// startOwnChildIn is startOwnChild with attr, and args after the marker.
func startOwnChildIn(t testing.TB, marker, mode string, attr *syscall.SysProcAttr, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(testBinary, append([]string{marker}, args...)...)
	cmd.Env = []string{childEnv + "=" + mode}
	cmd.SysProcAttr = attr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("own child %s not ready: %q, %v", mode, line, err)
	}
	return cmd
}

// exitOf waits for a child of the test (bounded) and returns how it ended.
func exitOf(t *testing.T, cmd *exec.Cmd) syscall.WaitStatus {
	t.Helper()
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Errorf("own child %d did not exit within 10s; killed", cmd.Process.Pid)
	}
	return cmd.ProcessState.Sys().(syscall.WaitStatus)
}

// waitFor polls cond until it holds or timeout passes, and tells which.
func waitFor(timeout time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(timeout); ; time.Sleep(5 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return !errors.Is(err, os.ErrNotExist)
}

func ms(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }

func atoi(t testing.TB, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// statField returns field n (1-based) of /proc/PID/stat.
func statField(t testing.TB, pid, n int) string {
	t.Helper()
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return fields[n-3]
}
