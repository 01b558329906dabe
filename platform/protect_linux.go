package platform

import (
	"sync"

	"golang.org/x/sys/unix"
)

var protected struct {
	once sync.Once
	err  error
}

// ProtectHost makes this process non-dumpable (PR_SET_DUMPABLE 0), once for
// its life, so that the programs and plugins it starts, and every other
// process of its user, can neither ptrace it nor read its memory or its
// environment through /proc (/proc/PID/environ, and so any secret there);
// only a process with CAP_SYS_PTRACE still can (and, seen on Linux 6.18,
// one with CAP_SYS_ADMIN or CAP_PERFMON still reads the environment).
// Start and a Spawner's Start call it before they start a program (the
// reaper's start, through Start, among them); call it before starting any
// other child that must not reach this process, such as a plugin. Its
// children are non-dumpable too until they exec, when the kernel makes
// each dumpable again as usual.
//
// What else it changes for this process (seen on Linux 6.18, as root and
// as an unprivileged user):
//   - It writes no core dump when it crashes (GOTRACEBACK=crash included).
//   - A debugger of the same user can no longer attach to it; one that
//     started it, and so was attached already, stays attached.
//   - Not as root: the files of /proc/self become root's, so that this
//     process can no longer read its own /proc/self/environ (os.Environ is
//     not affected), nor give a child a user namespace through
//     syscall.SysProcAttr's UidMappings and GidMappings, which are written
//     to the child's /proc/PID/uid_map and gid_map before it execs (its
//     start fails with EACCES). It still reads its /proc/self/stat,
//     status, fd, fdinfo, cgroup and mountinfo, follows /proc/self/exe,
//     and a child still executes a file through /proc/self/fd/N.
func ProtectHost() error {
	protected.once.Do(func() {
		protected.err = unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
	})
	return protected.err
}
