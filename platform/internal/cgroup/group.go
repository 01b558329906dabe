//go:build linux

package cgroup

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// A Group is the directory of one host, holding one cgroup per process
// tree the host started. Its methods are safe for concurrent use.
type Group struct {
	path string
	last atomic.Uint64 // name of the newest cgroup
}

// NewGroup creates the directory <base>/<name> and returns it as a Group.
// The caller names it "<pid>-<starttime>-<pidns>" after its own process, so that
// the groups of hosts that died can be recognised and swept. It is an
// error, wrapping [io/fs.ErrExist], if the directory exists already.
func NewGroup(base, name string) (*Group, error) {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\n") {
		return nil, fmt.Errorf("cgroup group name %q: not a single path element", name)
	}
	path := filepath.Join(base, name)
	if err := os.Mkdir(path, 0o755); err != nil {
		return nil, err
	}
	return &Group{path: path}, nil
}

// Path returns the group's directory.
func (g *Group) Path() string { return g.path }

// New creates a cgroup in the group, named by a number one higher than the
// previous one's, and opens it for [Cgroup.FD]. The caller owns the Cgroup
// and must [Cgroup.Remove] it.
func (g *Group) New() (*Cgroup, error) {
	path := filepath.Join(g.path, strconv.FormatUint(g.last.Add(1), 10))
	if err := os.Mkdir(path, 0o755); err != nil {
		return nil, err
	}
	// Not O_PATH: a procman-init holds the descriptor locked (flock).
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		unix.Rmdir(path)
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return &Cgroup{path: path, fd: fd}, nil
}

// Remove removes the group's directory. It fails if a cgroup in it was not
// removed.
func (g *Group) Remove() error {
	if err := unix.Rmdir(g.path); err != nil {
		return &os.PathError{Op: "rmdir", Path: g.path, Err: err}
	}
	return nil
}
