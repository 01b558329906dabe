package pluginhost

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// execPath returns the path by which a child executes exe, the checked
// plugin file: /proc/self/fd/N, which names the file exe was opened on,
// whatever its path names by then. exe stays close-on-exec: the kernel
// resolves the path before it closes the descriptor.
//
// A child started with files descriptors (0, 1, 2 and its ExtraFiles) has
// them placed at 0 to files-1 before the exec, which would replace a
// descriptor of exe's among them: exe is then moved above them, and the
// file returned is the one to keep open until the child has started.
func execPath(exe *os.File, files int) (*os.File, string, error) {
	if fd := int(exe.Fd()); fd >= files {
		return exe, "/proc/self/fd/" + strconv.Itoa(fd), nil
	}
	fd, err := unix.FcntlInt(exe.Fd(), unix.F_DUPFD_CLOEXEC, files)
	exe.Close()
	if err != nil {
		return nil, "", os.NewSyscallError("fcntl", err)
	}
	return os.NewFile(uintptr(fd), exe.Name()), "/proc/self/fd/" + strconv.Itoa(fd), nil
}
