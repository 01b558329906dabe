package platform

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/procman-dev/procman/internal/proctree"
)

// Two kinds of pid meet in this package. The pids of this process's own
// PID namespace are what os.Getpid, kill, pidfd_open and the kernel's
// answers (a child's pid, SCM_CREDENTIALS, cgroup.procs) use. /proc names
// processes by the pids of the namespace it was mounted for. The two differ
// when procman runs inside a PID namespace that kept an ancestor's /proc —
// procman started inside a procman pid-namespace tree — and then every pid
// must be translated on its way into or out of /proc.
//
// procView is how /proc sees this process.
type procView struct {
	nested bool   // /proc belongs to an ancestor PID namespace
	self   int    // this process's pid in /proc
	start  uint64 // this process's start time
	level  int    // index of this namespace's pid in an NSpid line of /proc
	ns     uint64 // inode of /proc's PID namespace; 0 when unknown
	err    error
}

// view is procSelf's answer, kept once found.
var view struct {
	mu    sync.Mutex
	found *procView
}

// procSelf returns how /proc sees this process. A failure (out of
// descriptors, say) is not kept: the next call tries again.
func procSelf() procView {
	view.mu.Lock()
	defer view.mu.Unlock()
	if view.found != nil {
		return *view.found
	}
	v, err := readProcSelf()
	if err != nil {
		return procView{err: err}
	}
	view.found = &v
	return v
}

func readProcSelf() (procView, error) {
	var v procView
	data, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return v, err
	}
	st, err := proctree.ParseStat(data)
	if err != nil {
		return v, fmt.Errorf("/proc/self/stat: %w", err)
	}
	v.self, v.start = st.Pid, st.Start
	if v.self == os.Getpid() {
		v.ns = inode("/proc/self/ns/pid")
		return v, nil
	}
	v.nested = true
	ids, err := nsPids(v.self)
	if err != nil {
		return v, err
	}
	v.level = len(ids) - 1
	// /proc's pid 1 lives in /proc's namespace; another user's is not
	// readable, and then the namespace stays unknown.
	v.ns = inode("/proc/1/ns/pid")
	return v, nil
}

// inode returns the inode number of the file at path, or 0.
func inode(path string) uint64 {
	var st unix.Stat_t
	if unix.Stat(path, &st) != nil {
		return 0
	}
	return st.Ino
}

// HostName is how this process names what it leaves on the system (socket
// directories, cgroups): "<pid>-<start time>-<pidns>", the pid and start
// time as /proc shows them and the inode of /proc's PID namespace (0 when
// unknown), so that a reaper can tell leftovers of a dead host from those
// of a live one. A reaper judges only names made with a /proc of its own
// namespace: under a pid-namespace tree with a /proc of its own, which
// shares the machine's /tmp and cgroups, pid 5 is another process than
// outside.
func HostName() (string, error) {
	v := procSelf()
	if v.err != nil {
		return "", v.err
	}
	return strconv.Itoa(v.self) + "-" + strconv.FormatUint(v.start, 10) + "-" + strconv.FormatUint(v.ns, 10), nil
}

// StartTime returns when process pid (of this process's namespace)
// started, in clock ticks since boot (field 22 of /proc/PID/stat). A pid
// and its start time together name one process for good: a recycled pid
// comes with a later start time.
func StartTime(pid int) (uint64, error) {
	id, err := procPid(pid)
	if err != nil {
		return 0, err
	}
	data, err := os.ReadFile("/proc/" + strconv.Itoa(id) + "/stat")
	if err != nil {
		return 0, err
	}
	st, err := proctree.ParseStat(data)
	return st.Start, err
}

// procPid returns the pid by which /proc names process pid of this
// process's namespace: the "Pid:" line of a pidfd's fdinfo, which the
// kernel writes in /proc's namespace.
func procPid(pid int) (int, error) {
	v := procSelf()
	if v.err != nil || !v.nested {
		return pid, v.err
	}
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return 0, &os.SyscallError{Syscall: "pidfd_open", Err: err}
	}
	defer unix.Close(fd)
	data, err := os.ReadFile("/proc/self/fdinfo/" + strconv.Itoa(fd))
	if err != nil {
		return 0, err
	}
	for line := range bytes.Lines(data) {
		if rest, ok := bytes.CutPrefix(line, []byte("Pid:")); ok {
			id, err := strconv.Atoi(string(bytes.TrimSpace(rest)))
			if err != nil || id <= 0 {
				return 0, fmt.Errorf("pid %d: no pid in /proc (%q)", pid, bytes.TrimSpace(rest))
			}
			return id, nil
		}
	}
	return 0, fmt.Errorf("pid %d: no Pid line in its pidfd's fdinfo", pid)
}

// errOtherNamespace is nsPid's answer for a process outside this
// process's PID namespace.
var errOtherNamespace = errors.New("process outside this PID namespace")

// nsPid returns the pid in this process's namespace of the process /proc
// names id.
func nsPid(id int) (int, error) {
	v := procSelf()
	if v.err != nil || !v.nested {
		return id, v.err
	}
	ids, err := nsPids(id)
	if err != nil {
		return 0, err
	}
	if len(ids) <= v.level {
		return 0, errOtherNamespace
	}
	return ids[v.level], nil
}

// nsPids returns the NSpid line of /proc/ID/status: the process's pid in
// /proc's namespace, then in each namespace below, down to its own.
func nsPids(id int) ([]int, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(id) + "/status")
	if err != nil {
		return nil, err
	}
	for line := range bytes.Lines(data) {
		if rest, ok := bytes.CutPrefix(line, []byte("NSpid:")); ok {
			var ids []int
			for _, f := range bytes.Fields(rest) {
				n, err := strconv.Atoi(string(f))
				if err != nil {
					return nil, fmt.Errorf("/proc/%d/status: NSpid: %w", id, err)
				}
				ids = append(ids, n)
			}
			if len(ids) > 0 {
				return ids, nil
			}
		}
	}
	return nil, fmt.Errorf("/proc/%d/status: no NSpid line", id)
}
