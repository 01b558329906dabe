//go:build linux

package cgroup

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func TestGroupNewNumbersCgroups(t *testing.T) {
	g := newTestGroup(t)
	for _, want := range []string{"1", "2", "3"} {
		c := newTestCgroup(t, g)
		if c.Path() != filepath.Join(g.Path(), want) {
			t.Errorf("New() made %s; want %s", c.Path(), filepath.Join(g.Path(), want))
		}
		var st unix.Statfs_t
		if err := unix.Statfs(c.Path(), &st); err != nil || st.Type != unix.CGROUP2_SUPER_MAGIC {
			t.Errorf("%s: statfs type %#x, %v; want a cgroup2 directory", c.Path(), st.Type, err)
		}
	}
}

func TestNewGroupRefusesExistingDirectory(t *testing.T) {
	g := newTestGroup(t)
	_, err := NewGroup(filepath.Dir(g.Path()), filepath.Base(g.Path()))
	if !errors.Is(err, fs.ErrExist) {
		t.Errorf("NewGroup of an existing group: %v; want fs.ErrExist", err)
	}
}

func TestNewGroupRefusesNameWithSlash(t *testing.T) {
	if _, err := NewGroup(os.TempDir(), "a/b"); err == nil {
		t.Error(`NewGroup with name "a/b" succeeded`)
	}
}

func TestGroupRemove(t *testing.T) {
	base, err := Detect(selfName(t) + "-probe")
	if err != nil {
		t.Skipf("cgroup v2 is not usable as uid %d here: %v", os.Geteuid(), err)
	}
	g, err := NewGroup(base, selfName(t)+"-test-remove")
	if err != nil {
		t.Fatal(err)
	}
	c, err := g.New()
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Remove(); !errors.Is(err, unix.EBUSY) {
		t.Errorf("Remove of a group with a cgroup: %v; want EBUSY", err)
	}
	if err := c.Remove(); err != nil {
		t.Fatal(err)
	}
	if err := g.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(g.Path()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after Remove, stat %s: %v; want not exist", g.Path(), err)
	}
}
