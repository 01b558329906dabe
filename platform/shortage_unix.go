//go:build linux || darwin

package platform

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// ExplainShortage returns err, a failure to start a process, with the limit
// it ran into and how much of it is in use when the process or the system
// ran out of descriptors or processes:
//
//	out of file descriptors: 20000 open, RLIMIT_NOFILE 20000 (ulimit -n): start procman-init: too many open files
//
// Any other error is returned as it is.
func ExplainShortage(err error) error {
	switch {
	case errors.Is(err, syscall.EMFILE):
		var lim unix.Rlimit
		if unix.Getrlimit(unix.RLIMIT_NOFILE, &lim) != nil {
			return err
		}
		return fmt.Errorf("out of file descriptors: %d open, RLIMIT_NOFILE %d (ulimit -n): %w", openDescriptors(int(min(lim.Cur, 1<<24))), lim.Cur, err)
	case errors.Is(err, syscall.ENFILE):
		if used, max, ok := systemFiles(); ok {
			return fmt.Errorf("the system is out of file descriptors: %d open, fs.file-max %d: %w", used, max, err)
		}
	case errors.Is(err, syscall.EAGAIN) && runtime.GOOS == "linux":
		var lim unix.Rlimit
		if unix.Getrlimit(unix.RLIMIT_NPROC, &lim) != nil {
			return err
		}
		tasks, pidMax, ok := systemTasks()
		if !ok {
			return err
		}
		nproc := "unlimited"
		if lim.Cur != unix.RLIM_INFINITY {
			nproc = strconv.FormatUint(lim.Cur, 10)
		}
		return fmt.Errorf("out of processes: %d processes and threads, kernel.pid_max %d, RLIMIT_NPROC %s (ulimit -u): %w", tasks, pidMax, nproc, err)
	}
	return err
}

// openDescriptors counts the open descriptors below limit. It needs no
// descriptor of its own, so it works when there is none left.
func openDescriptors(limit int) int {
	n := 0
	for fd := range limit {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil {
			n++
		}
	}
	return n
}

// systemFiles returns the file handles the system has allocated and its
// limit (Linux's /proc/sys/fs/file-nr).
func systemFiles() (used, max int64, ok bool) {
	f := strings.Fields(readSmall("/proc/sys/fs/file-nr"))
	if len(f) != 3 {
		return 0, 0, false
	}
	used, err1 := strconv.ParseInt(f[0], 10, 64)
	max, err2 := strconv.ParseInt(f[2], 10, 64)
	return used, max, err1 == nil && err2 == nil
}

// systemTasks returns the processes and threads of the system and the most
// pids it hands out (Linux: the fourth field of /proc/loadavg, and
// kernel.pid_max).
func systemTasks() (tasks, pidMax int64, ok bool) {
	f := strings.Fields(readSmall("/proc/loadavg"))
	if len(f) < 4 {
		return 0, 0, false
	}
	_, total, found := strings.Cut(f[3], "/")
	tasks, err1 := strconv.ParseInt(total, 10, 64)
	pidMax, err2 := strconv.ParseInt(strings.TrimSpace(readSmall("/proc/sys/kernel/pid_max")), 10, 64)
	return tasks, pidMax, found && err1 == nil && err2 == nil
}

func readSmall(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return string(data)
}
