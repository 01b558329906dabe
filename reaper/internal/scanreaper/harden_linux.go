package main

import "golang.org/x/sys/unix"

// harden keeps the processes of the reaper's user (the host's programs
// among them) from ptracing it or reading its memory or environment
// through /proc; only one with CAP_SYS_PTRACE still can.
func harden() {
	unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
}
