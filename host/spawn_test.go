//go:build linux

package host_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/internal/proctest"
	"github.com/procman-dev/procman/sdk"
)

func TestChildGetsExactlyItsEnvironment(t *testing.T) {
	t.Setenv("PROCMAN_HOST_SECRET", "must-not-leak")
	marker := proctest.Marker(t)
	m := newManager(t)
	cfg := child(t, marker, "sleep")
	cfg.Env = map[string]string{
		"PATH":     "/nowhere",
		"EMPTY":    "",
		"EQUALS":   "a=b=c",
		"SPACES":   "  two  spaces  ",
		"NEWLINE":  "line1\nline2",
		"UNICODE":  "ünïcødé ✓",
		"lower_ok": "1",
	}
	_, st := start(t, m, cfg)

	environ := proctest.ReadProc(t, st.PID, "environ")
	got := strings.Split(strings.TrimSuffix(string(environ), "\x00"), "\x00")
	var want []string
	for k, v := range cfg.Env {
		want = append(want, k+"="+v)
	}
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("child environment:\n got %q\nwant %q", got, want)
	}
}

func TestChildRunsInItsDir(t *testing.T) {
	marker := proctest.Marker(t)
	m := newManager(t)

	cfg := child(t, marker, "sleep")
	_, st := start(t, m, cfg)
	if got, _ := os.Readlink(fmt.Sprintf("/proc/%d/cwd", st.PID)); got != cfg.Dir {
		t.Errorf("cwd = %q, want %q", got, cfg.Dir)
	}

	// An empty Dir is the host's working directory, made absolute.
	cfg.Dir = ""
	h, st := start(t, m, cfg)
	wd, _ := os.Getwd()
	if got, _ := os.Readlink(fmt.Sprintf("/proc/%d/cwd", st.PID)); got != wd {
		t.Errorf("cwd with empty Dir = %q, want %q", got, wd)
	}
	used, err := m.Config(h)
	if err != nil || used.Dir != wd {
		t.Errorf("Config(h).Dir = %q, %v; want %q", used.Dir, err, wd)
	}
}

func TestArgsArriveByteForByte(t *testing.T) {
	marker := proctest.Marker(t)
	m := newManager(t)
	args := []string{"with spaces", `"double"`, `'single'`, "$(touch /tmp/pwned)", "a;b", "", "ünïcødé ✓", "back\\slash", "new\nline", "*", "~", "$HOME", "\t"}
	cfg := child(t, marker, "sleep", args...)
	_, st := start(t, m, cfg)

	cmdline := proctest.ReadProc(t, st.PID, "cmdline")
	want := append([]string{testchild}, cfg.Args...)
	got := strings.Split(strings.TrimSuffix(string(cmdline), "\x00"), "\x00")
	if !slices.Equal(got, want) {
		t.Errorf("argv:\n got %q\nwant %q", got, want)
	}
}

func TestChildHasOnlyStdioDescriptors(t *testing.T) {
	// Descriptors the host holds open while it starts a child must not
	// reach the child: a file, a listening socket, a pipe, and one opened
	// without close-on-exec, as C code or the host's parent would leave it.
	raw, err := syscall.Open("/etc/hostname", syscall.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(raw)
	f, err := os.Open("/etc/hostname")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()

	marker := proctest.Marker(t)
	m := newManager(t)
	// A shell, not testchild: the Go runtime opens descriptors of its own.
	// The ":" keeps the shell from replacing itself with sleep.
	_, st := start(t, m, sdk.ProcessConfig{Command: "/bin/sh", Args: []string{"-c", "sleep 600; :", marker}})

	// Once the shell has started sleep, it is past its own start-up (the
	// dynamic loader briefly holds descriptors of its own).
	waitFor(t, func() bool { return len(proctest.ReadProc(t, st.PID, fmt.Sprintf("task/%d/children", st.PID))) > 0 })
	fdDir := fmt.Sprintf("/proc/%d/fd", st.PID)
	entries, err := os.ReadDir(fdDir)
	if err != nil {
		t.Fatal(err)
	}
	var fds []string
	for _, e := range entries {
		fds = append(fds, e.Name())
	}
	if !slices.Equal(fds, []string{"0", "1", "2"}) {
		t.Errorf("child descriptors = %v, want [0 1 2]", fds)
	}
	for _, fd := range []string{"0", "1", "2"} {
		if target, _ := os.Readlink(filepath.Join(fdDir, fd)); target != "/dev/null" {
			t.Errorf("fd %s -> %q, want /dev/null (no LogFile, no output option)", fd, target)
		}
	}
}

func TestLogFileGetsBothStreamsAppended(t *testing.T) {
	marker := proctest.Marker(t)
	m := newManager(t)
	cfg := child(t, marker, "interleave", "200")
	cfg.LogFile = "out.log" // relative: under Dir
	path := filepath.Join(cfg.Dir, "out.log")
	if err := os.WriteFile(path, []byte("kept\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	h, _ := start(t, m, cfg)
	if st := wait(t, m, h); st.State != host.Exited || st.ExitCode != 0 {
		t.Fatalf("status = %v, want exited 0", st)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	want.WriteString("kept\n")
	for i := range 200 {
		fmt.Fprintf(&want, "stdout %d\nstderr %d\n", 2*i, 2*i+1)
	}
	if !bytes.Equal(data, want.Bytes()) {
		t.Errorf("log file does not hold both streams in order after the old content:\n%s", data)
	}
}

func TestWithOutputSendsStreamsToFiles(t *testing.T) {
	marker := proctest.Marker(t)
	m := newManager(t)
	dir := t.TempDir()
	stdout, err := os.Create(filepath.Join(dir, "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	defer stdout.Close()
	stderr, err := os.Create(filepath.Join(dir, "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()

	h, _ := start(t, m, child(t, marker, "interleave", "2"), host.WithOutput(stdout, stderr))
	wait(t, m, h)
	if got, _ := os.ReadFile(stdout.Name()); string(got) != "stdout 0\nstdout 2\n" {
		t.Errorf("stdout = %q", got)
	}
	if got, _ := os.ReadFile(stderr.Name()); string(got) != "stderr 1\nstderr 3\n" {
		t.Errorf("stderr = %q", got)
	}
}

func TestExitCodesAreExact(t *testing.T) {
	marker := proctest.Marker(t)
	m := newManager(t)
	for code := range 256 {
		h, err := m.Start(context.Background(), child(t, marker, "exit", fmt.Sprint(code)))
		if err != nil {
			t.Fatal(err)
		}
		st := wait(t, m, h)
		if st.State != host.Exited || st.ExitCode != code {
			t.Errorf("exit %d: status = %v", code, st)
		}
		if st.EndedAt.Before(st.StartedAt) {
			t.Errorf("exit %d: ended %v before it started %v", code, st.EndedAt, st.StartedAt)
		}
		if err := m.Forget(h); err != nil {
			t.Errorf("Forget after exit: %v", err)
		}
	}
}

func TestSignalDeathsAreExact(t *testing.T) {
	marker := proctest.Marker(t)
	m := newManager(t)
	for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGABRT, syscall.SIGKILL, syscall.SIGUSR1, syscall.SIGSEGV, syscall.SIGTERM} {
		// A shell, not testchild: the Go runtime turns some signals into exit 2.
		cfg := sdk.ProcessConfig{Command: "/bin/sh", Args: []string{"-c", fmt.Sprintf("kill -%d $$", int(sig)), marker}}
		h, err := m.Start(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		st := wait(t, m, h)
		if st.State != host.Terminated || st.Signal != sig {
			t.Errorf("kill %v: status = %v", sig, st)
		}
	}
}

func TestRefusedExecIsFailed(t *testing.T) {
	m := newManager(t)
	dir := t.TempDir()
	// Executable bits but no valid format and no #! line: the kernel says ENOEXEC.
	garbage := filepath.Join(dir, "garbage")
	if err := os.WriteFile(garbage, []byte("not a program\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	h, err := m.Start(context.Background(), sdk.ProcessConfig{Command: garbage, Dir: dir})
	var se *host.StartError
	if !errors.As(err, &se) || !errors.Is(err, syscall.ENOEXEC) {
		t.Fatalf("Start = %v, want a *StartError matching ENOEXEC", err)
	}
	if se.Handle != h || se.Command != garbage || se.Fault != host.ProgramFault {
		t.Errorf("StartError = %+v, want handle %v, command %s, the program's fault", se, h, garbage)
	}
	st, err := m.Status(h)
	if err != nil || st.State != host.Failed || !errors.Is(st.Err, syscall.ENOEXEC) {
		t.Errorf("Status = %v, %v; want failed with ENOEXEC", st, err)
	}
	if st := wait(t, m, h); st.State != host.Failed {
		t.Errorf("Wait = %v, want failed", st)
	}
	if slices.Contains(m.List(), h) {
		t.Error("List holds a failed process")
	}
	stop(t, m, h) // stopping a failed process is not an error
}

func TestStartRejectsInvalidConfig(t *testing.T) {
	m := newManager(t)
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		cfg   sdk.ProcessConfig
		field string
		cause error
	}{
		{"empty command", sdk.ProcessConfig{Dir: dir}, "Command", nil},
		{"NUL in arg", sdk.ProcessConfig{Command: testchild, Args: []string{"a\x00"}, Dir: dir}, "Args[0]", nil},
		{"bad env key", sdk.ProcessConfig{Command: testchild, Env: map[string]string{"A=B": "1"}, Dir: dir}, "Env", nil},
		{"missing dir", sdk.ProcessConfig{Command: testchild, Dir: filepath.Join(dir, "nope")}, "Dir", nil},
		{"only on the host's PATH", sdk.ProcessConfig{Command: "sh", Dir: dir, Env: map[string]string{"PATH": dir}}, "Command", sdk.ErrCommandNotFound},
		{"not executable", sdk.ProcessConfig{Command: plain, Dir: dir}, "Command", sdk.ErrNotExecutable},
		{"log directory missing", sdk.ProcessConfig{Command: testchild, Dir: dir, LogFile: "nope/out.log"}, "LogFile", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := m.Start(context.Background(), tt.cfg)
			var ce *sdk.ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, sdk.ErrInvalidConfig) || ce.Field != tt.field {
				t.Fatalf("Start = %v, want a config error on %s", err, tt.field)
			}
			if tt.cause != nil && !errors.Is(err, tt.cause) {
				t.Errorf("Start = %v, want it to match %v", err, tt.cause)
			}
			if h != (host.Handle{}) {
				t.Errorf("Start returned handle %v with a config error", h)
			}
		})
	}
	if len(m.List()) != 0 {
		t.Errorf("List after rejected starts = %v", m.List())
	}
}

// mkfifo makes a FIFO in dir and returns its path.
func mkfifo(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "log.fifo")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// startInBackground calls Start in a goroutine, so that a test can tell a
// Start that gives up from one that blocks for good. Should Start not
// return within 30 seconds, the test fails, after opening fifo for reading
// to free it.
type startResult struct {
	h   host.Handle
	err error
}

func startInBackground(ctx context.Context, m *host.Manager, cfg sdk.ProcessConfig, opts ...host.StartOption) <-chan startResult {
	done := make(chan startResult, 1)
	go func() {
		h, err := m.Start(ctx, cfg, opts...)
		done <- startResult{h, err}
	}()
	return done
}

func awaitStart(t *testing.T, done <-chan startResult, fifo, why string) startResult {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(30 * time.Second):
		if reader, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			defer reader.Close()
		}
		t.Fatalf("Start still blocked after 30s: %s", why)
		return startResult{}
	}
}

// waitLog waits until logs holds want.
func waitLog(t *testing.T, logs *proctest.Buffer, want string) {
	t.Helper()
	waitFor(t, func() bool { return strings.Contains(logs.String(), want) })
}

func TestLogFIFOGetsTheOutputOnceItHasAReader(t *testing.T) {
	marker := proctest.Marker(t)
	m := newManager(t)
	cfg := child(t, marker, "term-exit", "0")
	cfg.LogFile = mkfifo(t, cfg.Dir)
	// The reader comes after the Start has begun: opening a FIFO for
	// reading waits for a writer.
	done := startInBackground(context.Background(), m, cfg, host.WithSpecialLogFile())
	opened := make(chan *os.File, 1)
	go func() {
		reader, _ := os.Open(cfg.LogFile)
		opened <- reader
	}()
	r := awaitStart(t, done, cfg.LogFile, "the FIFO had a reader")
	if r.err != nil {
		// Free the reader, which waits for a writer.
		if w, err := os.OpenFile(cfg.LogFile, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
		t.Fatal(r.err)
	}
	reader := <-opened
	if reader == nil {
		t.Fatal("the FIFO could not be opened for reading")
	}
	defer reader.Close()
	lines := bufio.NewReader(reader)
	if line, err := lines.ReadString('\n'); line != "ready\n" {
		t.Fatalf("read %q, %v from the log FIFO; want ready", line, err)
	}
	// The child's stdout and stderr are what a program expects: blocking.
	st, _ := m.Status(r.h)
	for _, fd := range []string{"1", "2"} {
		info := string(proctest.ReadProc(t, st.PID, "fdinfo/"+fd))
		var flags uint64
		for _, line := range strings.Split(info, "\n") {
			if v, ok := strings.CutPrefix(line, "flags:"); ok {
				flags, _ = strconv.ParseUint(strings.TrimSpace(v), 8, 64)
			}
		}
		if flags&syscall.O_NONBLOCK != 0 || flags&syscall.O_APPEND == 0 {
			t.Errorf("fd %s of the child has flags %o: want O_APPEND, not O_NONBLOCK", fd, flags)
		}
	}
	stop(t, m, r.h)
	if rest, err := io.ReadAll(lines); err != nil || len(rest) != 0 {
		t.Errorf("after the stop, the FIFO gave %q, %v; want end of file", rest, err)
	}
}

func TestStartHonoursItsDeadlineWhileTheLogFIFOHasNoReader(t *testing.T) {
	marker := proctest.Marker(t)
	var logs proctest.Buffer
	m := newManager(t, host.WithLogger(hclog.New(&hclog.LoggerOptions{Output: &logs, Level: hclog.Info})))
	cfg := child(t, marker, "sleep")
	cfg.LogFile = mkfifo(t, cfg.Dir)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r := awaitStart(t, startInBackground(ctx, m, cfg, host.WithSpecialLogFile()), cfg.LogFile, "it ignores its ctx's deadline")
	if !errors.Is(r.err, context.DeadlineExceeded) {
		t.Fatalf("Start = %v, want an error matching context.DeadlineExceeded", r.err)
	}
	if !strings.Contains(logs.String(), "waiting for a reader of the log file") {
		t.Skip("the deadline passed before the start got to the log file: nothing was tested")
	}
	var se *host.StartError
	if !errors.As(r.err, &se) || se.Handle != r.h || se.Fault != host.HostFault {
		t.Errorf("Start = %#v, want a *StartError naming the handle, the host's fault", r.err)
	}
	if st, err := m.Status(r.h); err != nil || st.State != host.Failed {
		t.Errorf("Status = %v, %v; want failed", st, err)
	}
	if pids := proctest.Find(marker); len(pids) != 0 {
		t.Errorf("a Start that gave up left %v", pids)
	}
}

func TestCloseEndsAStartWaitingForItsLogFIFO(t *testing.T) {
	marker := proctest.Marker(t)
	var logs proctest.Buffer
	m := newManager(t, host.WithLogger(hclog.New(&hclog.LoggerOptions{Output: &logs, Level: hclog.Info})))
	cfg := child(t, marker, "sleep")
	cfg.LogFile = mkfifo(t, cfg.Dir)
	done := startInBackground(context.Background(), m, cfg, host.WithSpecialLogFile())
	waitLog(t, &logs, "waiting for a reader of the log file")

	closed := make(chan error, 1)
	go func() { closed <- m.Close(context.Background()) }()
	r := awaitStart(t, done, cfg.LogFile, "Close did not end it")
	var se *host.StartError
	if !errors.Is(r.err, host.ErrClosed) || !errors.As(r.err, &se) || se.Handle != r.h {
		t.Errorf("Start = %v, want a *StartError matching ErrClosed", r.err)
	}
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close = %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Close still blocked 30s after the Start it waits for returned")
	}
	if st, err := m.Status(r.h); err != nil || st.State != host.Failed {
		t.Errorf("Status = %v, %v; want failed", st, err)
	}
}

func TestStartErrorSaysWhoseFaultItIs(t *testing.T) {
	dir := t.TempDir()
	socket := filepath.Join(dir, "log.socket")
	ln, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	garbage := filepath.Join(dir, "garbage")
	if err := os.WriteFile(garbage, []byte("not a program\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	closed := closedDir()

	tests := []struct {
		name  string
		cfg   sdk.ProcessConfig
		fault host.Fault
		cause error
		root  bool // whether root can see this failure too
	}{
		{"not a program", sdk.ProcessConfig{Command: garbage, Dir: dir}, host.ProgramFault, syscall.ENOEXEC, true},
		{"log file that cannot be opened", sdk.ProcessConfig{Command: testchild, Args: []string{"exit", "0"}, Dir: dir, LogFile: socket}, host.ConfigFault, host.ErrNotRegularFile, true},
		{"dir that cannot be entered", sdk.ProcessConfig{Command: testchild, Args: []string{"exit", "0"}, Dir: closed}, host.ConfigFault, syscall.EACCES, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.root && closed == "" {
				t.Skip("no directory of the system keeps this user out (root, or none of root's own)")
			}
			m := newManager(t)
			h, err := m.Start(context.Background(), tt.cfg)
			var se *host.StartError
			if !errors.As(err, &se) || se.Fault != tt.fault || !errors.Is(err, tt.cause) {
				t.Fatalf("Start = %v, want a *StartError, the %v's fault, matching %v", err, tt.fault, tt.cause)
			}
			if st, _ := m.Status(h); st.State != host.Failed {
				t.Errorf("status = %v, want failed", st)
			}
		})
	}
}

// closedDir returns a directory of root's that this user can see but not
// enter, or "" when there is none (as for root). A directory of the user's
// own would not do: in a user namespace of the user's own, as under
// PIDNamespace unprivileged, the child may enter it whatever its mode.
func closedDir() string {
	if os.Geteuid() == 0 {
		return ""
	}
	for _, dir := range []string{"/root", "/var/cache/ldconfig"} {
		if info, err := os.Stat(dir); err == nil && info.IsDir() && syscall.Access(dir, 1 /* X_OK */) != nil {
			return dir
		}
	}
	return ""
}

func TestGracePeriodBeyondTheMaximumStartsNothing(t *testing.T) {
	marker := proctest.Marker(t)
	var logs proctest.Buffer
	m := newManager(t,
		host.WithLogger(hclog.New(&hclog.LoggerOptions{Output: &logs, Level: hclog.Debug})),
		host.WithStopGracePeriod(host.MaxStopGracePeriod+time.Second))
	h, err := m.Start(context.Background(), child(t, marker, "sleep"))
	if !strings.Contains(logs.String(), "longer than the maximum") {
		t.Errorf("Start logged %q, want why nothing can be started", logs.String())
	}
	var se *host.StartError
	if !errors.As(err, &se) || se.Fault != host.HostFault || !strings.Contains(err.Error(), "stop grace period 24h0m1s is longer than the maximum, 24h0m0s") {
		t.Fatalf("Start = %v, want a *StartError, the host's fault, naming the grace period and the maximum", err)
	}
	if st, _ := m.Status(h); st.State != host.Failed {
		t.Errorf("status = %v, want failed", st)
	}
}

// The longest grace period is one that every mechanism, and the reaper
// that backs it, takes.
func TestMaximumGracePeriodWorksWithEveryMechanism(t *testing.T) {
	for _, mech := range []host.Mechanism{host.PIDNamespace, host.Cgroup, host.Subreaper, host.ProcessGroup} {
		t.Run(mech.String(), func(t *testing.T) {
			if _, err := host.DetectContainment(mech); err != nil {
				t.Skip(err)
			}
			marker := proctest.Marker(t)
			m := newManager(t, host.WithContainment(mech), host.WithStopGracePeriod(host.MaxStopGracePeriod))
			h, _ := start(t, m, child(t, marker, "sleep"))
			stop(t, m, h) // testchild sleep ends on SIGTERM: no need to wait out the grace
			if st, _ := m.Status(h); st.State != host.Terminated || st.Signal != syscall.SIGTERM {
				t.Errorf("status = %v, want terminated by SIGTERM", st)
			}
		})
	}
}

// A process whose Start waits (here for its log FIFO's reader) cannot be
// signalled yet: Signal says so with ErrStarting. Once started, it can.
func TestSignalWhileStartingIsErrStarting(t *testing.T) {
	marker := proctest.Marker(t)
	m := newManager(t)
	cfg := child(t, marker, "term-exit", "0")
	cfg.LogFile = mkfifo(t, cfg.Dir)
	done := startInBackground(context.Background(), m, cfg, host.WithSpecialLogFile())
	var h host.Handle
	waitFor(t, func() bool {
		handles := m.List()
		if len(handles) == 1 {
			h = handles[0]
		}
		return len(handles) == 1
	})
	err := m.Signal(h, syscall.SIGTERM)
	if !errors.Is(err, host.ErrStarting) || !strings.Contains(err.Error(), h.String()) {
		t.Errorf("Signal while starting = %v, want ErrStarting naming the handle", err)
	}
	reader, err := os.Open(cfg.LogFile) // lets the Start go on
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	if r := awaitStart(t, done, cfg.LogFile, "the FIFO had a reader"); r.err != nil {
		t.Fatal(r.err)
	}
	if line, err := bufio.NewReader(reader).ReadString('\n'); line != "ready\n" {
		t.Fatalf("read %q, %v from the log FIFO; want ready", line, err)
	}
	if err := m.Signal(h, syscall.SIGTERM); err != nil {
		t.Errorf("Signal once started = %v", err)
	}
	wait(t, m, h)
}
