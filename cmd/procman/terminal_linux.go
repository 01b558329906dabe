package main

import (
	"bytes"
	"os"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// terminal is procman's controlling terminal, when its stdin is one: what
// procman needs to act as a shell does for the job it runs.
type terminal struct {
	fd    int
	pgrp  int           // procman's own process group
	modes *unix.Termios // the terminal's modes as procman found them, restored on the way out
	job   *unix.Termios // the modes the program left when it was suspended
	given int           // the process group procman gave the terminal to, if any
}

// openTerminal returns procman's controlling terminal if its stdin is one,
// nil otherwise.
func openTerminal() *terminal {
	fd := int(os.Stdin.Fd())
	if _, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP); err != nil {
		return nil // not a terminal, or not procman's
	}
	modes, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return nil
	}
	return &terminal{fd: fd, pgrp: unix.Getpgrp(), modes: modes}
}

// inForeground reports whether procman's process group is the terminal's
// foreground group: whether a shell gave procman the terminal.
func (t *terminal) inForeground() bool {
	if t == nil {
		return false
	}
	fg, err := unix.IoctlGetInt(t.fd, unix.TIOCGPGRP)
	return err == nil && fg == t.pgrp
}

// foregroundGroup returns the terminal's foreground process group.
func (t *terminal) foregroundGroup() int {
	if t == nil {
		return 0
	}
	fg, _ := unix.IoctlGetInt(t.fd, unix.TIOCGPGRP)
	return fg
}

// setForeground makes pgrp the terminal's foreground group and, when modes
// is not nil, sets the terminal's modes, from the background if need be.
func (t *terminal) setForeground(pgrp int, modes *unix.Termios) {
	withoutSIGTTOU(func() {
		if modes != nil {
			unix.IoctlSetTermios(t.fd, unix.TCSETSW, modes)
		}
		unix.IoctlSetPointerInt(t.fd, unix.TIOCSPGRP, pgrp)
	})
}

// suspendJob takes the terminal back from the job in its foreground, when
// procman handed it over, keeping the job's modes for resumeJob, and
// restores the modes procman found.
func (t *terminal) suspendJob() {
	if t == nil {
		return
	}
	if fg := t.foregroundGroup(); fg == t.given && fg > 0 {
		t.job, _ = unix.IoctlGetTermios(t.fd, unix.TCGETS)
		t.setForeground(t.pgrp, t.modes)
	}
}

// resumeJob gives the terminal, with the modes it left, back to the job
// whose group is pgrp.
func (t *terminal) resumeJob(pgrp int) {
	t.setForeground(pgrp, t.job)
	t.job = nil
	t.given = pgrp
}

// gave records that the terminal was handed to the process group pgrp.
func (t *terminal) gave(pgrp int) {
	if t != nil {
		t.given = pgrp
	}
}

// restore gives the terminal back to procman's group, in the modes procman
// found it, if procman holds it or had handed it over.
func (t *terminal) restore() {
	if t == nil {
		return
	}
	// Only procman's own terminal, or the one it gave its command: not
	// one the shell took back meanwhile.
	if fg := t.foregroundGroup(); fg == t.pgrp || fg == t.given && fg > 0 {
		t.setForeground(t.pgrp, t.modes)
	}
	t.given = 0
}

// withoutSIGTTOU runs f on a thread that blocks SIGTTOU, which the kernel
// would otherwise send procman for changing the terminal from the
// background.
func withoutSIGTTOU(f func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var block, old unix.Sigset_t
	block.Val[(unix.SIGTTOU-1)/64] |= 1 << ((uint(unix.SIGTTOU) - 1) % 64)
	if err := unix.PthreadSigmask(unix.SIG_BLOCK, &block, &old); err != nil {
		return
	}
	defer unix.PthreadSigmask(unix.SIG_SETMASK, &old, nil)
	f()
}

// isTerminal reports whether f is a terminal.
func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// processStopped reports whether the process pid is stopped (Ctrl-Z,
// SIGTTIN, SIGSTOP).
func processStopped(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(data, ')')
	return i >= 0 && i+2 < len(data) && data[i+2] == 'T'
}

// commandStdin is the command's stdin: procman's own.
func commandStdin() *os.File { return os.Stdin }

// jobControl says whether procman acts for its command as a shell does for
// a job: on Linux, yes.
const jobControl = true
