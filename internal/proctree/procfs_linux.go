package proctree

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// procfsTable is Linux's process table, read from /proc. It holds no
// state.
type procfsTable struct{}

// SystemTable returns the system's process table. On Linux, Procs reads
// /proc/PID/stat for each process and takes its Uid from the owner of
// /proc/PID, Environ reads /proc/PID/environ, Signal uses a pidfd, and a
// Proc's Start is its start time in clock ticks after boot (field 22 of
// /proc/PID/stat).
//
// The owner of /proc/PID is the process's effective uid, what the kernel
// checks before it lets a user read the environment, except for a process
// that is not dumpable (one running a set-id program, or that asked with
// prctl(PR_SET_DUMPABLE)): the kernel shows that one as root's, and only
// root may read its environment. A non-dumpable process of another user
// is then never read for a family's tag. The owner costs a stat(2); the
// Uid line of /proc/PID/status, which would tell the effective uid in
// every case, costs three times as much as the rest of the scan.
//
// SystemTable assumes that /proc is the caller's own PID namespace's, as
// it is but for a process in a PID namespace that kept an ancestor's
// /proc (procman started inside a procman pid-namespace tree): there, the
// pids /proc lists, with which Signal checks start times, are not those
// it opens pidfds for, and a signal could reach another process. It must
// not be used there.
func SystemTable() Table { return procfsTable{} }

// Procs lists every process in /proc, zombies included. A process that
// exits while the table is read is left out.
func (procfsTable) Procs() ([]Proc, error) {
	dir, err := unix.Open("/proc", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: "/proc", Err: err}
	}
	defer unix.Close(dir)
	r := procReader{dir: dir, buf: make([]byte, 4096)}
	dirents := make([]byte, 16<<10)
	var procs []Proc
	for {
		n, err := unix.Getdents(dir, dirents)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "getdents", Path: "/proc", Err: err}
		}
		if n == 0 {
			return procs, nil
		}
		for name := range direntNames(dirents[:n]) {
			pid, ok := parseDecimal(name)
			if !ok {
				continue // not a process: /proc/self, /proc/meminfo, ...
			}
			p, err := r.read(int(pid), string(name))
			if errors.Is(err, ErrGone) {
				continue
			}
			if err != nil {
				return nil, err
			}
			procs = append(procs, p)
		}
	}
}

// procReader reads processes in /proc, opened as dir, through one buffer.
type procReader struct {
	dir int
	buf []byte
}

// read returns process pid, whose directory in /proc is name, or ErrGone.
func (r *procReader) read(pid int, name string) (Proc, error) {
	var owner unix.Stat_t
	if err := unix.Fstatat(r.dir, name, &owner, 0); err != nil {
		return Proc{}, procErr("stat", "/proc/"+name, err)
	}
	path := name + "/stat"
	fd, err := unix.Openat(r.dir, path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return Proc{}, procErr("open", "/proc/"+path, err)
	}
	line, err := readAll(fd, r.buf)
	unix.Close(fd)
	r.buf = line[:cap(line)]
	if err != nil {
		return Proc{}, procErr("read", "/proc/"+path, err)
	}
	st, err := ParseStat(line)
	if errors.Is(err, ErrGone) {
		return Proc{}, ErrGone
	}
	if err != nil {
		return Proc{}, fmt.Errorf("/proc/%s: %w", path, err)
	}
	if st.Pid != pid {
		return Proc{}, fmt.Errorf("/proc/%s: the line is pid %d's", path, st.Pid)
	}
	return Proc{
		Pid:    st.Pid,
		PPid:   st.PPid,
		Pgid:   st.Pgid,
		Sid:    st.Sid,
		Uid:    owner.Uid,
		Start:  st.Start,
		Zombie: st.Zombie(),
	}, nil
}

// readAll reads fd to its end into buf, which it grows when full, and
// returns what it read.
func readAll(fd int, buf []byte) ([]byte, error) {
	n := 0
	for {
		if n == len(buf) {
			buf = append(buf, 0)[:2*len(buf)]
		}
		m, err := unix.Read(fd, buf[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return buf[:0], err
		}
		if m == 0 {
			return buf[:n], nil
		}
		n += m
	}
}

// direntNames yields the names in b, what getdents64 filled in: records
// of d_ino (8 bytes), d_off (8), d_reclen (2), d_type (1) and d_name,
// NUL-terminated and padded to d_reclen.
func direntNames(b []byte) func(yield func([]byte) bool) {
	return func(yield func([]byte) bool) {
		const nameOff = 19
		for len(b) >= nameOff {
			reclen := int(binary.NativeEndian.Uint16(b[16:]))
			if reclen < nameOff || reclen > len(b) {
				return
			}
			name := b[nameOff:reclen]
			if end := bytes.IndexByte(name, 0); end >= 0 {
				name = name[:end]
			}
			if !yield(name) {
				return
			}
			b = b[reclen:]
		}
	}
}

// Environ reads p's environment from /proc/PID/environ, then /proc/PID/stat
// to check that p's pid still names a process with p's start time, so that
// the environment returned is p's: ErrGone otherwise, and for a zombie.
//
// The kernel shows an empty environment for a process in the middle of an
// exec, from the moment the new program's memory replaces the old one until
// its environment is laid out in it; a process whose environment is read
// empty is therefore an error, which a later read may answer (a kernel
// thread, which has none, is not).
func (procfsTable) Environ(p Proc) ([]string, error) {
	path := "/proc/" + strconv.Itoa(p.Pid) + "/environ"
	data, readErr := os.ReadFile(path)
	st, err := readStat(p.Pid)
	if err != nil {
		return nil, err
	}
	if st.Start != p.Start || st.Zombie() {
		return nil, ErrGone
	}
	if st.KernelThread {
		return nil, nil // none: Linux 6.18 answers ESRCH to the read
	}
	if readErr != nil {
		if errors.Is(readErr, unix.ENOENT) || errors.Is(readErr, unix.ESRCH) {
			return nil, ErrGone
		}
		return nil, readErr
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("%s: %w", path, errNoEnvironment)
	}
	var env []string
	for entry := range bytes.SplitSeq(data, []byte{0}) {
		if len(entry) > 0 {
			env = append(env, string(entry))
		}
	}
	return env, nil
}

// errNoEnvironment is Environ's error for a process whose environment is
// empty: it has none, or it is in the middle of an exec.
var errNoEnvironment = errors.New("empty environment: none, or an exec under way")

// Signal opens a pidfd for p's pid, checks that the pid still names a
// process with p's start time, and sends sig through the pidfd: the pidfd
// keeps naming the process checked even if it exits and its pid is reused
// meanwhile. A process gone, or a pid that names another process, is
// ErrGone.
func (procfsTable) Signal(p Proc, sig syscall.Signal) error {
	fd, err := unix.PidfdOpen(p.Pid, 0)
	if err == unix.ESRCH {
		return ErrGone
	}
	if err != nil {
		return fmt.Errorf("pid %d: %w", p.Pid, os.NewSyscallError("pidfd_open", err))
	}
	defer unix.Close(fd)
	st, err := readStat(p.Pid)
	if err != nil {
		return err
	}
	if st.Start != p.Start {
		return ErrGone
	}
	err = unix.PidfdSendSignal(fd, sig, nil, 0)
	if err == unix.ESRCH {
		return ErrGone
	}
	if err != nil {
		return fmt.Errorf("pid %d: %w", p.Pid, os.NewSyscallError("pidfd_send_signal", err))
	}
	return nil
}

// readStat reads and parses /proc/PID/stat; a process gone is ErrGone.
func readStat(pid int) (Stat, error) {
	path := "/proc/" + strconv.Itoa(pid) + "/stat"
	data, err := os.ReadFile(path)
	if err != nil {
		return Stat{}, procErr("read", path, err)
	}
	st, err := ParseStat(data)
	if err != nil {
		return Stat{}, fmt.Errorf("%s: %w", path, err)
	}
	return st, nil
}

// procErr is ErrGone for err, an error of op on path in /proc, if it says
// that the process is gone, and err as an *os.PathError otherwise.
func procErr(op, path string, err error) error {
	if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ESRCH) {
		return ErrGone
	}
	var pathErr *os.PathError
	if errors.As(err, &pathErr) {
		return err
	}
	return &os.PathError{Op: op, Path: path, Err: err}
}

// Stat is what Procs and the start time checks take from a
// /proc/PID/stat line.
type Stat struct {
	Pid   int
	State byte // field 3: 'R', 'S', 'D', 'T', 'Z', ...
	PPid  int  // field 4
	Pgid  int  // field 5
	Sid   int  // field 6
	// KernelThread is the PF_KTHREAD bit of field 9.
	KernelThread bool
	// Start is field 22: when the process started, in clock ticks after
	// boot.
	Start uint64
}

// Zombie reports whether the process has exited: a zombie ('Z') or one
// being reaped ('X').
func (s Stat) Zombie() bool { return s.State == 'Z' || s.State == 'X' }

// pfKthread is the PF_KTHREAD bit of a task's flags (include/linux/sched.h).
const pfKthread = 0x00200000

// ParseStat parses a /proc/PID/stat line. Field 2, the command name in
// parentheses, may itself hold spaces and parentheses: the fields that
// follow it are counted from the line's last ')'. A process being reaped
// (state 'X', whose line has -1 for its group and session) is ErrGone.
func ParseStat(line []byte) (Stat, error) {
	open := bytes.IndexByte(line, '(')
	end := bytes.LastIndexByte(line, ')')
	if open < 0 || end < open {
		return Stat{}, fmt.Errorf("malformed stat line %q: no command name in parentheses", line)
	}
	pid, ok := parseDecimal(bytes.TrimSpace(line[:open]))
	if !ok {
		return Stat{}, fmt.Errorf("malformed stat line %q: field 1 is no pid", line)
	}
	var fields [22 - 2][]byte // fields 3 to 22
	rest := line[end+1:]
	for i := range fields {
		rest = bytes.TrimLeft(rest, " ")
		fields[i], rest, _ = bytes.Cut(rest, []byte{' '})
		fields[i] = bytes.TrimSuffix(fields[i], []byte{'\n'})
		if len(fields[i]) == 0 {
			return Stat{}, fmt.Errorf("malformed stat line %q: %d fields, not at least 22", line, i+2)
		}
	}
	field := func(n int) []byte { return fields[n-3] }
	if len(field(3)) != 1 {
		return Stat{}, fmt.Errorf("malformed stat line %q: state %q", line, field(3))
	}
	if field(3)[0] == 'X' {
		// Being reaped: the kernel shows -1 for its group and session.
		return Stat{Pid: int(pid), State: 'X'}, ErrGone
	}
	var numbers [5]uint64
	for i, n := range [...]int{4, 5, 6, 9, 22} {
		if numbers[i], ok = parseDecimal(field(n)); !ok {
			return Stat{}, fmt.Errorf("malformed stat line %q: field %d is %q", line, n, field(n))
		}
	}
	return Stat{
		Pid:          int(pid),
		State:        field(3)[0],
		PPid:         int(numbers[0]),
		Pgid:         int(numbers[1]),
		Sid:          int(numbers[2]),
		KernelThread: numbers[3]&pfKthread != 0,
		Start:        numbers[4],
	}, nil
}

// parseDecimal parses b, digits only, without allocating.
func parseDecimal(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}
