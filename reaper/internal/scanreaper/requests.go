//go:build linux || darwin

package main

import (
	"bytes"
	"errors"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/procman-dev/procman/internal/proctree"
	"golang.org/x/sys/unix"
)

// maxGraceMS is the longest grace period, 48 hours: the host caps its own
// at 24.
const maxGraceMS = 172_800_000

// reaper holds the registrations. Only serve's goroutine uses it until the
// host dies; then act.
type reaper struct {
	table proctree.Table
	self  int
	uid   uint32 // whose processes may carry a tree's tag
	regs  map[uint64]registration
}

// A registration is what one ID names. Its release is called when it is
// forgotten or replaced.
type registration interface{ release() }

// process is a P registration. done is set for one that was gone when
// registered, which is never signalled.
type process struct {
	proc  proctree.Proc
	grace time.Duration
	done  bool
}

// tree is a T registration.
type tree struct {
	family *proctree.Family
	grace  time.Duration
}

// dir is a D registration; lock is the descriptor holding its shared
// flock, or -1.
type dir struct {
	path string
	lock int
}

func (process) release() {}
func (tree) release()    {}
func (d dir) release() {
	if d.lock >= 0 {
		unix.Close(d.lock)
	}
}

func newReaper(t proctree.Table) *reaper {
	return &reaper{table: t, self: os.Getpid(), uid: uint32(os.Geteuid()), regs: make(map[uint64]registration)}
}

// handle answers one message (without its '\n'); tooLong says the message
// was cut at maxMessage.
func (r *reaper) handle(msg []byte, tooLong bool) {
	id, reason := r.request(msg, tooLong)
	answer := "ok " + strconv.FormatUint(id, 10)
	if reason != "" {
		answer = "err " + strconv.FormatUint(id, 10) + " " + reason
	}
	send(answer)
}

// request carries out one message and returns its id and, when it is
// refused, why.
func (r *reaper) request(msg []byte, tooLong bool) (id uint64, refusal string) {
	if tooLong {
		id = leadingNumber(msg[min(2, len(msg)):])
		return id, "message too long"
	}
	if len(msg) == 0 {
		return 0, "empty message"
	}
	if len(msg) < 3 || msg[1] != ' ' {
		return 0, "malformed message"
	}
	s := string(msg)
	idField, args, hasArgs := strings.Cut(s[2:], " ")
	id, ok := parseNumber(idField)
	if !ok {
		return 0, "malformed id"
	}
	if bytes.IndexByte(msg, 0) >= 0 {
		return id, "message holds a NUL byte"
	}
	var reg registration
	switch s[0] {
	case 'P':
		reg, refusal = r.process(args, hasArgs)
	case 'T':
		reg, refusal = r.tree(args, hasArgs)
	case 'D':
		reg, refusal = r.dir(args, hasArgs)
	case 'U':
		if hasArgs {
			return id, "malformed message"
		}
		r.forget(id)
		return id, ""
	case 'C', 'K':
		return id, "cgroups not supported: this reaper holds trees by scanning the process table"
	default:
		return id, "unknown message"
	}
	if refusal == "" {
		r.forget(id)
		r.regs[id] = reg
	}
	return id, refusal
}

func (r *reaper) forget(id uint64) {
	if reg, ok := r.regs[id]; ok {
		reg.release()
		delete(r.regs, id)
	}
}

// process registers "PID START GRACE_MS".
func (r *reaper) process(args string, hasArgs bool) (registration, string) {
	v, ok := numbers(strings.Split(args, " "))
	if !hasArgs || !ok || len(v) != 3 {
		return nil, "malformed process message"
	}
	p := process{proc: proctree.Proc{Pid: int(v[0]), Start: v[1]}, grace: time.Duration(v[2]) * time.Millisecond}
	if v[0] <= 1 || v[0] > math.MaxInt32 || p.proc.Pid == r.self {
		return nil, "invalid pid"
	}
	if v[2] > maxGraceMS {
		return nil, "grace period too long"
	}
	switch err := r.table.Signal(p.proc, 0); {
	case errors.Is(err, proctree.ErrGone):
		p.done = true
	case err != nil:
		return nil, reason(err)
	}
	return p, ""
}

// tree registers "PID START GRACE_MS TAG". Its root, when there is one,
// must be a process the reaper may signal, or gone.
func (r *reaper) tree(args string, hasArgs bool) (registration, string) {
	fields := strings.SplitN(args, " ", 4)
	if !hasArgs || len(fields) != 4 {
		return nil, "malformed tree message"
	}
	v, ok := numbers(fields[:3])
	if !ok {
		return nil, "malformed tree message"
	}
	root, grace, tag := proctree.ID{Pid: int(v[0]), Start: v[1]}, v[2], fields[3]
	if v[0] == 1 || v[0] > math.MaxInt32 || root.Pid == r.self || (v[0] == 0 && v[1] != 0) {
		return nil, "invalid pid"
	}
	if grace > maxGraceMS {
		return nil, "grace period too long"
	}
	if !validTag(tag) {
		return nil, "invalid tag"
	}
	procs, err := r.table.Procs()
	if err != nil {
		return nil, reason(err)
	}
	if root.Pid != 0 {
		i := slices.IndexFunc(procs, func(p proctree.Proc) bool { return p.Pid == root.Pid })
		switch {
		case i >= 0 && procs[i].Start != root.Start:
			// Gone, and its pid another process's: were its groups the
			// tree's, that process's would be taken for them.
			root = proctree.ID{}
		case i >= 0 && !procs[i].Zombie:
			if err := r.table.Signal(procs[i], 0); err != nil && !errors.Is(err, proctree.ErrGone) {
				return nil, reason(err)
			}
		}
	}
	t := tree{family: proctree.New(root, r.uid, tag), grace: time.Duration(grace) * time.Millisecond}
	// Scanned at once: what the root started so far is known from now on,
	// even should it leave the root's groups and lose its parent link
	// before the next rescan.
	t.family.Scan(snapshot{r.table, procs})
	return t, ""
}

// validTag tells whether tag is an environment entry "NAME=value" whose
// name begins with proctree.TagVar: no other variable may make the
// reaper's user's processes a tree's members.
func validTag(tag string) bool {
	name, _, ok := strings.Cut(tag, "=")
	return ok && strings.HasPrefix(name, proctree.TagVar) && !strings.ContainsAny(tag, " \n")
}

// dir registers "PATH", locked when named after a host.
func (r *reaper) dir(path string, hasArgs bool) (registration, string) {
	if !hasArgs || path == "" {
		return nil, "malformed message"
	}
	if path[0] != '/' {
		return nil, "path is not absolute"
	}
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		return nil, reason(err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return nil, "not a directory"
	}
	d := dir{path: path, lock: -1}
	if hostNamed(path) {
		fd, err := lockDir(path, unix.LOCK_SH|unix.LOCK_NB)
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, "directory locked by a sweep"
		}
		if err != nil {
			return nil, reason(err)
		}
		d.lock = fd
	}
	return d, ""
}

// numbers parses each field as a decimal number.
func numbers(fields []string) ([]uint64, bool) {
	v := make([]uint64, len(fields))
	for i, f := range fields {
		var ok bool
		if v[i], ok = parseNumber(f); !ok {
			return nil, false
		}
	}
	return v, true
}

// parseNumber parses a decimal uint64: digits only, no sign, no overflow.
func parseNumber(s string) (uint64, bool) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil
}

// leadingNumber parses the decimal number s begins with, 0 if none.
func leadingNumber(s []byte) uint64 {
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, _ := parseNumber(string(s[:end]))
	return n
}

// reason is err as an answer tells it: the system's message for an error
// number, on one line.
func reason(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno.Error()
	}
	return strings.ReplaceAll(err.Error(), "\n", " ")
}
