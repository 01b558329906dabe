//go:build linux

package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// daemonOutputFd is the descriptor on which daemon-middle gets the pipe
// that becomes the daemon's stdout.
const daemonOutputFd = 3

// daemon is the daemon mode: args are the mode (and its arguments) the
// daemon runs. The middle process reports the daemon's pid on its stdout;
// the daemon's stdout is another pipe, whose first line tells that the
// daemon has done what it was to do before it waits, so that the program
// (and whoever reads its output) goes on only then.
func daemon(args []string) {
	if len(args) < 1 {
		fmt.Fprintln(os.Stderr, "testchild: daemon MODE [ARGS...]")
		os.Exit(2)
	}
	output, input, err := os.Pipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "testchild:", err)
		os.Exit(1)
	}
	middle := exec.Command(os.Args[0], append([]string{"daemon-middle"}, args...)...)
	middle.ExtraFiles = []*os.File{input} // daemonOutputFd
	middle.Stderr = os.Stderr
	pid, err := middle.Output()
	input.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "testchild:", err)
		os.Exit(1)
	}
	line, err := bufio.NewReader(output).ReadString('\n')
	if err != nil {
		fmt.Fprintf(os.Stderr, "testchild: the daemon's first line: %v\n", err)
		os.Exit(1)
	}
	fmt.Print(line)
	fmt.Printf("daemon %s\n", strings.TrimSpace(string(pid)))
}

// daemonMiddle is the middle process of a double fork: a session of its
// own, a child that stays (its stdout the pipe on daemonOutputFd, its
// stderr this process's), the child's pid on stdout, and exit.
func daemonMiddle(args []string) {
	if _, err := syscall.Setsid(); err != nil {
		fmt.Fprintln(os.Stderr, "testchild:", err)
		os.Exit(1)
	}
	// Passed on as the daemon's stdout only, not as a descriptor of its own.
	syscall.CloseOnExec(daemonOutputFd)
	cmd := exec.Command(os.Args[0], args...)
	cmd.Stdout, cmd.Stderr = os.NewFile(daemonOutputFd, "daemon output"), os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "testchild:", err)
		os.Exit(1)
	}
	fmt.Println(cmd.Process.Pid)
}

// escapeCgroup is the escape-cgroup mode: what a hostile program does to
// leave the cgroup procman holds its tree in.
func escapeCgroup(procs string) {
	signal.Ignore(syscall.SIGHUP)
	err := os.WriteFile(procs, []byte("0"), 0)
	var errno syscall.Errno
	switch {
	case err == nil:
		fmt.Println("escape moved")
	case errors.As(err, &errno):
		fmt.Println("escape refused:", unix.ErrnoName(errno))
	default:
		fmt.Println("escape refused:", err)
	}
	pause()
}
