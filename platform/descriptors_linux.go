package platform

import (
	"math"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// CloseOnExecAbove2 marks every descriptor of this process above 2
// close-on-exec. Go opens its own descriptors that way, but descriptors
// inherited from the parent, or opened by C code or raw system calls, are
// not: without this they would leak into every child. It cannot stop one
// opened after it returns and before the fork: PrepareCommand, for an
// os/exec command, and Start, which need none of this, close them in the
// child instead. Start calls it only where procman-init cannot run.
func CloseOnExecAbove2() error {
	err := unix.CloseRange(3, math.MaxUint32, unix.CLOSE_RANGE_CLOEXEC)
	if err == nil {
		return nil
	}
	// Before Linux 5.11: one fcntl per open descriptor.
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return err
	}
	for _, e := range entries {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			unix.CloseOnExec(fd)
		}
	}
	return nil
}
