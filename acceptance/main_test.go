//go:build linux

package acceptance

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/procman-dev/procman/internal/proctest"
)

// The binaries under test.
var procmanBin, testchildBin, testpluginBin string

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := proctest.WorldReadableTempDir()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	procmanBin = os.Getenv("PROCMAN_BIN")
	if procmanBin == "" {
		procmanBin, err = proctest.Procman(dir)
	}
	if err == nil {
		testchildBin, err = proctest.TestChild(dir)
	}
	if err == nil {
		testpluginBin, err = proctest.TestPlugin(dir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	unignoreSignals()
	return m.Run()
}

// unignoreSignals makes sure that the processes the tests start do not
// inherit ignored signals. procman leaves alone a signal it was started
// with ignored, by design; a test binary started in the background by a
// shell without job control, or under nohup, would pass such signals on.
// Catching them here, where they were ignored anyway, gives every child the
// default disposition instead.
func unignoreSignals() {
	sigs := []os.Signal{syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGTERM}
	for _, sig := range sigs {
		if signal.Ignored(sig) {
			signal.Notify(make(chan os.Signal, 1), sig)
		}
	}
}

// procman returns a command that runs procman with args, and that is
// killed should it still run a minute later.
func procman(t *testing.T, args ...string) *exec.Cmd {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, procmanBin, args...)
	cmd.WaitDelay = 10 * time.Second
	return cmd
}

// result is how a procman run ended.
type result struct {
	code           int
	stdout, stderr string
}

// run runs cmd to its end. procman itself must exit, not die of a signal.
func run(t *testing.T, cmd *exec.Cmd) result {
	t.Helper()
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if _, ok := errors.AsType[*exec.ExitError](err); err != nil && !ok {
		t.Fatalf("%q: %v", cmd.Args, err)
	}
	if !cmd.ProcessState.Exited() {
		t.Fatalf("%q: %v; stderr:\n%s", cmd.Args, cmd.ProcessState, stderr.String())
	}
	return result{cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()}
}

// wantExit fails the test unless r has the exit code want.
func (r result) wantExit(t *testing.T, want int) {
	t.Helper()
	if r.code != want {
		t.Fatalf("exit code %d, want %d; stderr:\n%s", r.code, want, r.stderr)
	}
}

// wantOneLine fails the test unless procman's stderr is exactly one line,
// holding want, and no Go crash.
func (r result) wantOneLine(t *testing.T, want string) {
	t.Helper()
	line, rest, _ := strings.Cut(r.stderr, "\n")
	if rest != "" || !strings.HasSuffix(r.stderr, "\n") {
		t.Errorf("stderr is not exactly one line:\n%s", r.stderr)
	}
	if !strings.HasPrefix(line, "procman") || !strings.Contains(line, want) {
		t.Errorf("stderr = %q, want a procman message holding %q", line, want)
	}
	if strings.Contains(r.stderr, "goroutine") || strings.Contains(r.stderr, "panic") {
		t.Errorf("stderr shows a crash:\n%s", r.stderr)
	}
}

// running is a procman started by start.
type running struct {
	cmd    *exec.Cmd
	lines  <-chan string // procman's stdout, line by line; closed at end of file
	stderr *proctest.Buffer
}

// start starts cmd with its stdout read line by line.
func start(t *testing.T, cmd *exec.Cmd) *running {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	stderr := new(proctest.Buffer)
	cmd.Stdout, cmd.Stderr = w, stderr
	if err := cmd.Start(); err != nil {
		r.Close()
		t.Fatal(err)
	}
	lines := make(chan string, 100)
	go func() {
		defer r.Close()
		defer close(lines)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return &running{cmd: cmd, lines: lines, stderr: stderr}
}

// waitLine waits for procman's stdout to show the line want.
func (p *running) waitLine(t *testing.T, want string) {
	t.Helper()
	p.waitLineThat(t, strconv.Quote(want), func(line string) bool { return line == want })
}

// waitLinePrefix waits for a line of procman's stdout that starts with
// prefix and returns it.
func (p *running) waitLinePrefix(t *testing.T, prefix string) string {
	t.Helper()
	return p.waitLineThat(t, strconv.Quote(prefix)+"...", func(line string) bool { return strings.HasPrefix(line, prefix) })
}

// waitLineThat waits for a line of procman's stdout that matches, which
// what describes, and returns it.
func (p *running) waitLineThat(t *testing.T, what string, matches func(string) bool) string {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				t.Fatalf("stdout ended before a line %s; stderr:\n%s", what, p.stderr)
			}
			if matches(line) {
				return line
			}
		case <-timeout:
			t.Fatalf("no line %s on stdout after 30s", what)
		}
	}
}

// signal sends sig to procman.
func (p *running) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

// wait waits for procman to exit and returns its exit code.
func (p *running) wait(t *testing.T) int {
	t.Helper()
	err := p.cmd.Wait()
	if _, ok := errors.AsType[*exec.ExitError](err); err != nil && !ok {
		t.Fatalf("%q: %v", p.cmd.Args, err)
	}
	if !p.cmd.ProcessState.Exited() {
		t.Fatalf("%q: %v; stderr:\n%s", p.cmd.Args, p.cmd.ProcessState, p.stderr.String())
	}
	return p.cmd.ProcessState.ExitCode()
}

// wantEnd waits for procman to exit, fails the test unless it exited with
// code, and checks that nothing with marker outlived it: procman returns
// only once the command's tree is gone.
func (p *running) wantEnd(t *testing.T, code int, marker string) {
	t.Helper()
	if got := p.wait(t); got != code {
		t.Errorf("exit code %d, want %d; stderr:\n%s", got, code, p.stderr)
	}
	if pids := proctest.Find(marker); len(pids) > 0 {
		t.Errorf("still running after procman exited: %v", pids)
	}
}
