//go:build linux

package main

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// descriptors lists the descriptors this process inherited, "N TARGET",
// in order: those open and not close-on-exec. The Go runtime opens its own
// (cgroup files read for GOMAXPROCS, its poller's) close-on-exec, and so
// does this function, the directory it reads.
func descriptors() ([]string, error) {
	dir, err := syscall.Open("/proc/self/fd", syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(dir)
	var names []string
	buf := make([]byte, 4096)
	for {
		n, err := syscall.ReadDirent(dir, buf)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			break
		}
		_, _, names = syscall.ParseDirent(buf[:n], -1, names)
	}
	var fds []int
	for _, name := range names {
		fd, err := strconv.Atoi(name)
		if err != nil || fd == dir {
			continue
		}
		if flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil && flags&unix.FD_CLOEXEC == 0 {
			fds = append(fds, fd)
		}
	}
	slices.Sort(fds)
	lines := make([]string, len(fds))
	for i, fd := range fds {
		target, _ := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd))
		lines[i] = strconv.Itoa(fd) + " " + target
	}
	return lines, nil
}

// probeHost is the probe-host mode (see the package's comment).
func probeHost(file string) error {
	dumpable, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
	if err != nil {
		return err
	}
	report := fmt.Sprintf("dumpable %d\n", dumpable)
	self, err := os.Readlink("/proc/self")
	if err != nil {
		return err
	}
	pid, _ := strconv.Atoi(self)
	inits := 0
	for {
		if pid = parentOf(pid); pid <= 0 && inits > 0 {
			break // in a /proc of its own: the host is not even visible
		}
		if pid <= 0 {
			return errors.New("no host among the ancestors")
		}
		if comm(pid) == "procman-init" {
			report += probe("init", pid)
			inits++
			continue
		}
		report += probe("host", pid)
		for _, child := range childrenOf(pid) {
			if comm(child) == "procman-reaper" {
				report += probe("reaper", child)
			}
		}
		break
	}
	if err := os.WriteFile(file+".tmp", []byte(report), 0o644); err != nil {
		return err
	}
	return os.Rename(file+".tmp", file)
}

// probe tries to ptrace the process /proc names pid, detaching at once
// should that succeed, and to read its environment.
func probe(role string, pid int) string {
	ptrace := "invisible"
	if own, ok := ownPid(pid); ok {
		ptrace = attach(own)
	}
	_, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	return fmt.Sprintf("%s %d ptrace=%s environ=%s\n", role, pid, ptrace, result(err))
}

func attach(pid int) string {
	// Every ptrace request comes from the thread that attached.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := syscall.PtraceAttach(pid); err != nil {
		return result(err)
	}
	var ws syscall.WaitStatus
	syscall.Wait4(pid, &ws, syscall.WALL, nil)
	syscall.PtraceDetach(pid)
	return "ok"
}

func result(err error) string {
	var errno syscall.Errno
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &errno):
		return unix.ErrnoName(errno)
	}
	return strings.ReplaceAll(err.Error(), " ", "_")
}

// ownPid translates a pid of /proc into this process's PID namespace: the
// process is visible there when its NSpid line is as deep as this one's.
func ownPid(pid int) (int, bool) {
	mine, theirs := nsPids("self"), nsPids(strconv.Itoa(pid))
	if len(mine) == 0 || len(theirs) != len(mine) {
		return 0, false
	}
	return theirs[len(theirs)-1], true
}

func nsPids(pid string) []int {
	data, _ := os.ReadFile("/proc/" + pid + "/status")
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "NSpid:"); ok {
			var ids []int
			for _, f := range strings.Fields(rest) {
				n, _ := strconv.Atoi(f)
				ids = append(ids, n)
			}
			return ids
		}
	}
	return nil
}

// parentOf returns the parent of the process /proc names pid, as /proc
// names it (field 4 of its stat line, counted from the last ')').
func parentOf(pid int) int {
	data, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(fields[1])
	return ppid
}

func comm(pid int) string {
	data, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	return strings.TrimSpace(string(data))
}

func childrenOf(pid int) []int {
	var pids []int
	dir := "/proc/" + strconv.Itoa(pid) + "/task/"
	tasks, _ := os.ReadDir(dir)
	for _, task := range tasks {
		data, _ := os.ReadFile(dir + task.Name() + "/children")
		for _, f := range strings.Fields(string(data)) {
			if child, err := strconv.Atoi(f); err == nil {
				pids = append(pids, child)
			}
		}
	}
	return pids
}
