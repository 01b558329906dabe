package main

import "golang.org/x/sys/unix"

// harden keeps debuggers, which processes of the reaper's user (the host's
// programs among them) could start, from attaching to it.
func harden() {
	unix.PtraceDenyAttach()
}
