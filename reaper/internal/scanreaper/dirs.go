//go:build linux || darwin

package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/procman-dev/procman/internal/proctree"
	"golang.org/x/sys/unix"
)

// hostOwner reads the host name that name begins with, "<pid>-<start>"
// followed by nothing or '-': the pid and start time of the process that
// made it.
func hostOwner(name string) (proctree.ID, bool) {
	pidField, rest, ok := strings.Cut(name, "-")
	if !ok {
		return proctree.ID{}, false
	}
	startField, _, _ := strings.Cut(rest, "-")
	pid, okPid := parseNumber(pidField)
	start, okStart := parseNumber(startField)
	if !okPid || !okStart || pid == 0 || pid > 1<<31-1 {
		return proctree.ID{}, false
	}
	return proctree.ID{Pid: int(pid), Start: start}, true
}

// hostNamed tells whether the last element of path holds a host name at
// its start or after a '-', as a host's socket directories
// ("procman-123-456-1234") do.
func hostNamed(path string) bool {
	name := filepath.Base(path)
	for {
		if _, ok := hostOwner(name); ok {
			return true
		}
		var found bool
		if _, name, found = strings.Cut(name, "-"); !found {
			return false
		}
	}
}

// lockDir opens the directory path, never through a symbolic link, and
// takes the flock op on it: the descriptor, which holds the lock until it
// is closed. The error is EWOULDBLOCK when another holds the lock.
func lockDir(path string, op int) (int, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	for {
		err = unix.Flock(fd, op)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// clearDir removes the files, sockets and symbolic links in the directory
// path (never what a link points to, never a subdirectory), then the
// directory itself if that left it empty.
func clearDir(path string) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	d := os.NewFile(uintptr(fd), path)
	defer d.Close()
	entries, _ := d.ReadDir(-1)
	for _, e := range entries {
		if !e.IsDir() {
			unix.Unlinkat(fd, e.Name(), 0)
		}
	}
	unix.Rmdir(path)
}

// sweep clears each directory DIR/BASE<host name>[-...] of prefix
// DIR/BASE that belongs to the reaper's user, whose owner process is gone
// and on which no reaper acts any more: the exclusive lock is to be had at
// once.
func (r *reaper) sweep(prefix string) {
	parent, base := filepath.Split(prefix)
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	var live map[int]proctree.Proc // read once, when a name first needs it
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), base)
		if !ok {
			continue
		}
		owner, ok := hostOwner(rest)
		path := filepath.Join(parent, e.Name())
		var st unix.Stat_t
		if !ok || unix.Lstat(path, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR || st.Uid != r.uid {
			continue
		}
		if live == nil {
			if live, err = r.live(); err != nil {
				return
			}
		}
		if p, alive := live[owner.Pid]; alive && p.Start == owner.Start {
			continue
		}
		fd, err := lockDir(path, unix.LOCK_EX|unix.LOCK_NB)
		if err != nil {
			continue
		}
		clearDir(path)
		unix.Close(fd)
	}
}

// live reads the table: its processes that are not zombies, by pid.
func (r *reaper) live() (map[int]proctree.Proc, error) {
	procs, err := r.table.Procs()
	if err != nil {
		return nil, err
	}
	live := make(map[int]proctree.Proc, len(procs))
	for _, p := range procs {
		if !p.Zombie {
			live[p.Pid] = p
		}
	}
	return live, nil
}
