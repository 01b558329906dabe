//go:build linux

package acceptance

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/procman-dev/procman/internal/proctest"
	"golang.org/x/sys/unix"
)

// pty is a pseudo-terminal whose slave is the controlling terminal of the
// procman it runs, as a terminal emulator's is of the shell in it.
type pty struct {
	master, slave *os.File
	mu            sync.Mutex
	out           bytes.Buffer // everything the terminal showed
	read          int          // how much of out wait has consumed
	done          chan struct{}
}

func openPTY(t *testing.T) *pty {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	slave, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	p := &pty{master: master, slave: slave, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			p.mu.Lock()
			p.out.Write(buf[:n])
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		slave.Close()
		master.Close()
		<-p.done
	})
	return p
}

// start runs cmd in a session of its own whose controlling terminal is the
// pty, with stdin, stdout and stderr on it unless cmd says otherwise.
func (p *pty) start(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	for _, f := range []*io.Writer{&cmd.Stdout, &cmd.Stderr} {
		if *f == nil {
			*f = p.slave
		}
	}
	cmd.Stdin = p.slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
}

// type_ writes s as if typed.
func (p *pty) type_(t *testing.T, s string) {
	t.Helper()
	if _, err := p.master.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

// wait waits until the terminal shows want after what earlier waits
// consumed, and consumes up to its end.
func (p *pty) wait(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		p.mu.Lock()
		rest := p.out.String()[p.read:]
		if i := strings.Index(rest, want); i >= 0 {
			p.read += i + len(want)
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("the terminal never showed %q; it showed:\n%s", want, rest)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (p *pty) modes(t *testing.T) *unix.Termios {
	t.Helper()
	m, err := unix.IoctlGetTermios(int(p.slave.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (p *pty) foreground(t *testing.T) int {
	t.Helper()
	pgrp, err := unix.IoctlGetInt(int(p.master.Fd()), unix.TIOCGPGRP)
	if err != nil {
		t.Fatal(err)
	}
	return pgrp
}

// TestTerminalREPL runs a Python REPL under procman on a terminal: it reads
// what is typed, Ctrl-C reaches it (not procman), it is the terminal's
// foreground job; killed while the terminal is in its raw mode, procman
// gives the terminal back as it found it.
func TestTerminalREPL(t *testing.T) {
	python := "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		t.Skip("no /usr/bin/python3")
	}
	p := openPTY(t)
	before := p.modes(t)
	cmd := procman(t, "run", "--no-plugins", "--", python, "-q", "-i")
	p.start(t, cmd)
	p.wait(t, ">>> ")
	p.type_(t, "print(6*7)\r")
	p.wait(t, "42")
	p.wait(t, ">>> ")
	p.type_(t, "import os; print('fg', os.tcgetpgrp(0) == os.getpgrp())\r")
	p.wait(t, "fg True")
	p.wait(t, ">>> ")
	p.type_(t, "\x03") // Ctrl-C: the REPL's KeyboardInterrupt, procman untouched
	p.wait(t, "KeyboardInterrupt")
	p.wait(t, ">>> ")
	p.type_(t, "print('still', 1+1)\r")
	p.wait(t, "still 2")
	p.wait(t, ">>> ")
	if p.modes(t).Lflag&unix.ICANON != 0 {
		t.Fatal("the REPL's prompt did not take the terminal out of canonical mode: the test proves nothing")
	}
	p.type_(t, "import os, signal; os.kill(os.getpid(), signal.SIGKILL)\r")
	if err := cmd.Wait(); cmd.ProcessState.ExitCode() != 128+9 {
		t.Errorf("procman ended with %v, want 137", err)
	}
	if after := p.modes(t); after.Lflag != before.Lflag || after.Iflag != before.Iflag || after.Oflag != before.Oflag {
		t.Errorf("terminal modes after procman: lflag %#x iflag %#x oflag %#x, want as before: %#x %#x %#x",
			after.Lflag, after.Iflag, after.Oflag, before.Lflag, before.Iflag, before.Oflag)
	}
}

// TestTerminalCtrlZStopsTheTree stops a job with Ctrl-Z: every process of
// the tree stops, daemon included, and procman itself, handing the
// terminal back; continued, as fg does, everything runs again, the
// command in the foreground. Ctrl-C then ends the command; a daemon it left
// keeps procman running, which says so, and the next Ctrl-C stops it.
func TestTerminalCtrlZStopsTheTree(t *testing.T) {
	p := openPTY(t)
	marker := proctest.Marker(t)
	script := `"$0" daemons 1 0 "$1"; while :; do echo tick; sleep 0.1; done`
	cmd := procman(t, "run", "--no-plugins", "--grace", "5s", "--", "/bin/sh", "-c", script, testchildBin, marker)
	p.start(t, cmd)
	p.wait(t, "tick")
	var procs []int // sh and the daemon
	for _, pid := range proctest.WaitCount(t, marker, 3, 30*time.Second) {
		if pid != cmd.Process.Pid {
			procs = append(procs, pid)
		}
	}
	if fg := p.foreground(t); fg == cmd.Process.Pid {
		t.Fatalf("the terminal's foreground is procman's group, want the command's")
	}

	p.type_(t, "\x1a") // Ctrl-Z
	waitState(t, cmd.Process.Pid, 'T')
	for _, pid := range procs {
		waitState(t, pid, 'T')
	}
	if fg := p.foreground(t); fg != cmd.Process.Pid {
		t.Errorf("stopped, the terminal's foreground is %d, want procman's group %d", fg, cmd.Process.Pid)
	}

	cmd.Process.Signal(syscall.SIGCONT) // fg: procman's group has the terminal
	for _, pid := range procs {
		waitNotState(t, pid, 'T')
	}
	p.wait(t, "tick")
	if fg := p.foreground(t); fg == cmd.Process.Pid {
		t.Errorf("continued in the foreground, the terminal stays procman's, want the command's")
	}

	p.type_(t, "\x03") // the command's Ctrl-C: sh ends, the daemon lives on
	p.wait(t, "processes it started still run")
	p.wait(t, "Ctrl-C stops them")
	p.type_(t, "\x03") // now procman's
	p.wait(t, "stopping (grace 5s); press Ctrl-C again to kill")
	cmd.Wait()
	// The command itself ended by the first Ctrl-C's SIGINT: 128+2.
	if code := cmd.ProcessState.ExitCode(); code != 128+int(syscall.SIGINT) {
		t.Errorf("procman ended with %v, want exit status 130", cmd.ProcessState)
	}
	if pids := proctest.Find(marker); len(pids) > 0 {
		t.Errorf("still running after procman exited: %v", pids)
	}
}

// TestTerminalKeptWhenOutputIsPiped: with stdout not the terminal (a
// pager reading procman's output keeps it), procman does not hand the
// terminal over.
func TestTerminalKeptWhenOutputIsPiped(t *testing.T) {
	p := openPTY(t)
	marker := proctest.Marker(t)
	cmd := procman(t, "run", "--no-plugins", "--", testchildBin, "sleep", marker)
	out, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd.Stdout = out
	p.start(t, cmd)
	pids := proctest.WaitCount(t, marker, 2, 30*time.Second) // procman and testchild
	if fg := p.foreground(t); fg != cmd.Process.Pid {
		t.Errorf("the terminal's foreground is %d, want procman's group %d (pids %v)", fg, cmd.Process.Pid, pids)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
}

func TestStdinIsPassedOn(t *testing.T) {
	cmd := procman(t, "run", "--no-plugins", "--", "/bin/cat")
	cmd.Stdin = strings.NewReader("hi\nthere\n")
	r := run(t, cmd)
	r.wantExit(t, 0)
	if r.stdout != "hi\nthere\n" {
		t.Errorf("cat under procman printed %q, want its stdin", r.stdout)
	}
}

func waitState(t *testing.T, pid int, state byte) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for proctest.State(pid) != state {
		if time.Now().After(deadline) {
			t.Fatalf("pid %d is in state %q, want %q", pid, proctest.State(pid), state)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func waitNotState(t *testing.T, pid int, state byte) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for proctest.State(pid) == state {
		if time.Now().After(deadline) {
			t.Fatalf("pid %d stays in state %q", pid, state)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
