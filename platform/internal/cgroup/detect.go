//go:build linux

package cgroup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/procman-dev/procman/platform/internal/errlist"
	"golang.org/x/sys/unix"
)

// ErrUnavailable is wrapped by the error [Detect] returns when no cgroup v2
// directory can be used by this process.
var ErrUnavailable = errors.New("no usable cgroup v2 directory")

// probeProgram is what Detect starts into a probe cgroup unless told
// otherwise: it does nothing, quickly, and exists on every Linux system
// procman supports.
const probeProgram = "/bin/true"

// Detect finds a cgroup v2 directory under which this process may create
// child cgroups and start processes into them, and returns its path: the
// base to pass to [NewGroup].
//
// Detect really tries each candidate: it creates a probe cgroup named
// probeName followed by "-" and a number, starts /bin/true into it with
// clone3(CLONE_INTO_CGROUP), waits for it and removes the probe. The caller
// names its probes after itself ("<pid>-<starttime>-<pidns>-probe"), so that a
// probe left by a process killed meanwhile is recognised and swept. The candidates are, for root, "<mount>/procman" for
// each cgroup2 mount in /proc/self/mountinfo (created if missing, and
// removed again if it does not work), and, for any user, the cgroup this
// process is in (from /proc/self/cgroup), which works when it was
// delegated to the user (systemd's user@.service, Delegate=yes).
//
// When no candidate works the error wraps [ErrUnavailable] and says, for
// each candidate, what failed and why.
func Detect(probeName string) (string, error) {
	return DetectWith(probeName, probeProgram)
}

// DetectWith is Detect with program, run with no argument, as the probe's
// process: one that exits at once, whatever its status (a static one is
// faster to start than /bin/true, which the dynamic loader must link).
func DetectWith(probeName, program string) (string, error) {
	mounts, err := cgroup2Mounts()
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if len(mounts) == 0 {
		return "", fmt.Errorf("%w: no cgroup2 mount in /proc/self/mountinfo", ErrUnavailable)
	}
	candidates, err := detectCandidates(mounts, os.Geteuid() == 0)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	var failures errlist.List
	for _, c := range candidates {
		err := c.try(probeName, program)
		if err == nil {
			return c.dir, nil
		}
		failures = append(failures, err)
	}
	if len(failures) == 0 {
		return "", fmt.Errorf("%w: this process's cgroup is outside every cgroup2 mount", ErrUnavailable)
	}
	return "", fmt.Errorf("%w: %w", ErrUnavailable, failures)
}

// candidate is a directory Detect tries.
type candidate struct {
	dir    string
	create bool   // create dir if missing (procman's own directory)
	what   string // how the error names it
}

// Candidates returns the directories Detect would try, in order, without
// trying any: where this process's cgroups may be, for a sweep of those
// that dead processes left.
func Candidates() ([]string, error) {
	mounts, err := cgroup2Mounts()
	if err != nil {
		return nil, err
	}
	cs, err := detectCandidates(mounts, os.Geteuid() == 0)
	if err != nil {
		return nil, err
	}
	dirs := make([]string, len(cs))
	for i, c := range cs {
		dirs[i] = c.dir
	}
	return dirs, nil
}

// FirstCandidate returns the directory Detect tries first, created if it
// is procman's own and missing, without trying it: for a caller that tries
// it by using it (a group in it, a process started into a cgroup of that),
// and calls Detect should that fail.
func FirstCandidate() (string, error) {
	mountinfo, cgroups, err := readRecent()
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	cs, err := candidatesIn(mountinfo, cgroups)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if len(cs) == 0 {
		return "", fmt.Errorf("%w: no candidate directory", ErrUnavailable)
	}
	if c := cs[0]; c.create {
		if err := unix.Mkdir(c.dir, 0o755); err != nil && err != unix.EEXIST {
			return "", fmt.Errorf("%s (%s): create: %w", c.dir, c.what, err)
		}
	}
	return cs[0].dir, nil
}

// SweepDirs returns the directories of Candidates, then, for each of
// v1Controllers that has a cgroup v1 hierarchy, the directory "procman"
// in this process's cgroup there (see V1Dir), reading /proc/self/mountinfo
// and /proc/self/cgroup once for all: what a reaper sweeps for the
// cgroups of dead hosts. A directory that cannot be told is left out.
func SweepDirs(v1Controllers ...string) []string {
	mountinfo, cgroups, err := readRecent()
	if err != nil {
		return nil
	}
	var dirs []string
	cs, _ := candidatesIn(mountinfo, cgroups)
	for _, c := range cs {
		dirs = append(dirs, c.dir)
	}
	for _, c := range v1Controllers {
		if dir, err := v1DirIn(mountinfo, cgroups, c); err == nil {
			dirs = append(dirs, filepath.Join(dir, "procman"))
		}
	}
	return dirs
}

// candidatesIn returns this process's candidates from mountinfo and
// cgroups, the text of /proc/self/mountinfo and /proc/self/cgroup.
func candidatesIn(mountinfo, cgroups string) ([]candidate, error) {
	own, err := ownCgroupIn(cgroups)
	if err != nil {
		return nil, err
	}
	return candidatesOf(cgroup2MountsIn(mountinfo), own, os.Geteuid() == 0), nil
}

// recent is the last read of /proc/self/mountinfo and /proc/self/cgroup
// by readRecent.
var recent struct {
	sync.Mutex
	mountinfo, cgroups string
	at                 time.Time
}

// recentFor is how long a read of /proc/self/mountinfo and
// /proc/self/cgroup serves FirstCandidate and SweepDirs, which a host
// calls at once as it starts (for its first tree and for its reaper): the
// kernel's making of mountinfo is most of their cost.
const recentFor = 100 * time.Millisecond

// readRecent returns the text of /proc/self/mountinfo and /proc/self/cgroup,
// read at most recentFor ago. A caller that comes while another reads
// waits for that read.
func readRecent() (mountinfo, cgroups string, err error) {
	recent.Lock()
	defer recent.Unlock()
	if !recent.at.IsZero() && time.Since(recent.at) < recentFor {
		return recent.mountinfo, recent.cgroups, nil
	}
	m, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return "", "", err
	}
	c, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return "", "", err
	}
	recent.mountinfo, recent.cgroups, recent.at = string(m), string(c), time.Now()
	return recent.mountinfo, recent.cgroups, nil
}

func detectCandidates(mounts []mount, root bool) ([]candidate, error) {
	own, err := ownCgroup()
	if err != nil {
		return nil, err
	}
	return candidatesOf(mounts, own, root), nil
}

// candidatesOf returns the candidates of a process in the cgroup own, of
// mounts, as root or not.
func candidatesOf(mounts []mount, own string, root bool) []candidate {
	var cs []candidate
	if root {
		for _, m := range mounts {
			cs = append(cs, candidate{dir: filepath.Join(m.point, "procman"), create: true, what: "procman's directory"})
		}
	}
	for _, m := range mounts {
		dir, ok := m.dirOf(own)
		// Root does not fill the top of the hierarchy with groups: that
		// is what <mount>/procman is for.
		if !ok || (root && dir == m.point) {
			continue
		}
		cs = append(cs, candidate{dir: dir, what: "this process's cgroup"})
	}
	return cs
}

func (c candidate) try(probeName, program string) error {
	created := false
	if c.create {
		switch err := unix.Mkdir(c.dir, 0o755); err {
		case nil:
			created = true
		case unix.EEXIST:
		default:
			return fmt.Errorf("%s (%s): create: %w", c.dir, c.what, err)
		}
	}
	err := probe(c.dir, probeName, program)
	if err != nil {
		if created {
			unix.Rmdir(c.dir)
		}
		return fmt.Errorf("%s (%s): %w", c.dir, c.what, err)
	}
	return nil
}

// probeSeq keeps the probes of concurrent Detect calls apart.
var probeSeq atomic.Uint64

// probe creates a child cgroup of dir, starts program into it, waits for
// it and removes the child.
func probe(dir, name, program string) (err error) {
	path := filepath.Join(dir, fmt.Sprintf("%s-%d", name, probeSeq.Add(1)))
	if err := unix.Mkdir(path, 0o755); err != nil {
		return fmt.Errorf("create a child cgroup: %w", err)
	}
	defer func() {
		if rmErr := rmdir(path); rmErr != nil && err == nil {
			err = fmt.Errorf("remove the probe cgroup: %w", rmErr)
		}
	}()
	fd, err := unix.Open(path, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open the probe cgroup: %w", err)
	}
	defer unix.Close(fd)
	pid, err := syscall.ForkExec(program, []string{filepath.Base(program)}, &syscall.ProcAttr{
		Sys: &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd},
	})
	if err != nil {
		return fmt.Errorf("start %s in a child cgroup: %w", program, err)
	}
	var status unix.WaitStatus
	for {
		_, err := unix.Wait4(pid, &status, 0, nil)
		// ECHILD: a wait4(-1) elsewhere in this process took the exit.
		if err == nil || err == unix.ECHILD {
			return nil
		}
		if err != unix.EINTR {
			return fmt.Errorf("wait for %s: %w", program, err)
		}
	}
}

// mount is a cgroup2 mount: the cgroup at root is seen at point.
type mount struct {
	point string
	root  string
}

// dirOf returns the directory of cgroup path p (as /proc/PID/cgroup names
// it) under m, if m shows it.
func (m mount) dirOf(p string) (string, bool) {
	if m.root == "/" {
		return filepath.Join(m.point, p), true
	}
	if p == m.root {
		return m.point, true
	}
	rest, ok := strings.CutPrefix(p, m.root+"/")
	if !ok {
		return "", false
	}
	return filepath.Join(m.point, rest), true
}

func cgroup2Mounts() ([]mount, error) {
	mountinfo, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	return cgroup2MountsIn(string(mountinfo)), nil
}

// cgroup2MountsIn returns the cgroup2 mounts of mountinfo, the text of
// /proc/self/mountinfo.
func cgroup2MountsIn(mountinfo string) []mount {
	var mounts []mount
	for line := range strings.Lines(mountinfo) {
		// ID PARENT MAJ:MIN ROOT POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
		before, after, ok := strings.Cut(strings.TrimSuffix(line, "\n"), " - ")
		fields := strings.Fields(before)
		if !ok || len(fields) < 5 || !strings.HasPrefix(after, "cgroup2 ") {
			continue
		}
		mounts = append(mounts, mount{point: unescapeMountField(fields[4]), root: unescapeMountField(fields[3])})
	}
	return mounts
}

// unescapeMountField undoes the kernel's octal escapes (\040 for a space)
// in a mountinfo path.
func unescapeMountField(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ownCgroup returns this process's cgroup v2 path, as /proc/self/cgroup
// names it ("0::/path").
func ownCgroup() (string, error) {
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return "", err
	}
	return ownCgroupIn(string(data))
}

// ownCgroupIn is ownCgroup from cgroups, the text of /proc/self/cgroup.
func ownCgroupIn(cgroups string) (string, error) {
	for line := range strings.Lines(cgroups) {
		if p, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "0::"); ok {
			return p, nil
		}
	}
	return "", errors.New(`no cgroup v2 entry ("0::") in /proc/self/cgroup`)
}
