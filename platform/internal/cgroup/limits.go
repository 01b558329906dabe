//go:build linux

package cgroup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// Resource limits: the memory, cpu and pids controllers. On a unified
// system they are in the cgroup v2 hierarchy, enabled for a cgroup by
// every ancestor's cgroup.subtree_control; on a hybrid one (systemd's
// "hybrid" layout: cgroup v2 with few or no controllers beside cgroup v1
// hierarchies) each is a v1 hierarchy of its own, where a process is in
// one cgroup per hierarchy, moved there by writing its pid to the
// cgroup's cgroup.procs.

// Offers reports whether the cgroup v2 hierarchy that dir is in has the
// controller (the cgroup.controllers of its root lists it). The answer is
// kept for the cgroups of the same parent: a tree's cgroup is new at each
// Start, its hierarchy is not.
func Offers(dir, controller string) (bool, error) {
	key := filepath.Dir(dir) + "\x00" + controller
	if offered, ok := offers.Load(key); ok {
		return offered.(bool), nil
	}
	root, err := hierarchyRoot(dir)
	if err != nil {
		return false, err
	}
	offered, err := listed(filepath.Join(root, "cgroup.controllers"), controller)
	if err == nil {
		offers.Store(key, offered)
	}
	return offered, err
}

// offers keeps Offers' answers, by the parent of the cgroup asked about
// and the controller.
var offers sync.Map

// enabled keeps the directories whose subtree_control was seen to have a
// controller, as "dir\x00controller", so that each is written once.
var enabled sync.Map

// Enable enables controller for dir's children: it writes "+controller"
// to the cgroup.subtree_control of dir and of each of its ancestors up to
// the root of the hierarchy that lack it, root first. It fails, saying
// where, when a cgroup on the way does not offer the controller, or may
// not enable it (a cgroup with processes of its own, not the root, may
// not: the "no internal processes" rule).
func Enable(dir, controller string) error {
	if _, ok := enabled.Load(dir + "\x00" + controller); ok {
		return nil
	}
	root, err := hierarchyRoot(dir)
	if err != nil {
		return err
	}
	rel, err := filepath.Rel(root, dir)
	if err != nil {
		return err
	}
	path := root
	for _, elem := range append([]string{"."}, strings.Split(rel, "/")...) {
		path = filepath.Join(path, elem)
		on, err := listed(filepath.Join(path, "cgroup.subtree_control"), controller)
		if err != nil {
			return err
		}
		if on {
			continue
		}
		if err := writeControl(filepath.Join(path, "cgroup.subtree_control"), "+"+controller); err != nil {
			if errors.Is(err, syscall.EBUSY) {
				return fmt.Errorf("enable the %s controller in %s: processes are in it, and cgroup v2 lets such a cgroup give its children no controller", controller, path)
			}
			return fmt.Errorf("enable the %s controller in %s: %w", controller, path, unwrapPath(err))
		}
	}
	enabled.Store(dir+"\x00"+controller, true)
	return nil
}

// hierarchyRoot returns the mount point of the cgroup2 mount that dir is
// under.
func hierarchyRoot(dir string) (string, error) {
	mounts, err := cgroup2Mounts()
	if err != nil {
		return "", err
	}
	best := ""
	for _, m := range mounts {
		if (dir == m.point || strings.HasPrefix(dir, m.point+"/")) && len(m.point) > len(best) {
			best = m.point
		}
	}
	if best == "" {
		return "", fmt.Errorf("%s is under no cgroup2 mount", dir)
	}
	return best, nil
}

// listed reports whether the space-separated list in file holds word.
func listed(file, word string) (bool, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return false, err
	}
	return slices.Contains(strings.Fields(string(data)), word), nil
}

// V1Dir returns the directory, in the cgroup v1 hierarchy of controller,
// of this process's own cgroup there, or an error wrapping
// fs.ErrNotExist when no v1 hierarchy has the controller.
func V1Dir(controller string) (string, error) {
	mountinfo, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return "", err
	}
	cgroups, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return "", err
	}
	return v1DirIn(string(mountinfo), string(cgroups), controller)
}

// v1DirIn is V1Dir from the texts of /proc/self/mountinfo and
// /proc/self/cgroup.
func v1DirIn(mountinfo, cgroups, controller string) (string, error) {
	point, root, err := v1Mount(mountinfo, controller)
	if err != nil {
		return "", err
	}
	own, err := ownV1Cgroup(cgroups, controller)
	if err != nil {
		return "", err
	}
	m := mount{point: point, root: root}
	dir, ok := m.dirOf(own)
	if !ok {
		return "", fmt.Errorf("this process's %s cgroup %s is outside the mount at %s", controller, own, point)
	}
	return dir, nil
}

// v1Mount returns where, by mountinfo (the text of /proc/self/mountinfo),
// the cgroup v1 hierarchy of controller is mounted, and the cgroup at the
// mount's root.
func v1Mount(mountinfo, controller string) (point, root string, err error) {
	for line := range strings.Lines(mountinfo) {
		before, after, ok := strings.Cut(strings.TrimSuffix(line, "\n"), " - ")
		fields, tail := strings.Fields(before), strings.Fields(after)
		if !ok || len(fields) < 5 || len(tail) < 3 || tail[0] != "cgroup" {
			continue
		}
		if slices.Contains(strings.Split(tail[2], ","), controller) {
			return unescapeMountField(fields[4]), unescapeMountField(fields[3]), nil
		}
	}
	return "", "", fmt.Errorf("no cgroup v1 hierarchy has the %s controller: %w", controller, fs.ErrNotExist)
}

// ownV1Cgroup returns this process's cgroup in the v1 hierarchy of
// controller, by cgroups, the text of /proc/self/cgroup.
func ownV1Cgroup(cgroups, controller string) (string, error) {
	for line := range strings.Lines(cgroups) {
		parts := strings.SplitN(strings.TrimSuffix(line, "\n"), ":", 3)
		if len(parts) == 3 && slices.Contains(strings.Split(parts[1], ","), controller) {
			return parts[2], nil
		}
	}
	return "", fmt.Errorf("no %s entry in /proc/self/cgroup", controller)
}

// Write writes value to the control file name of the cgroup at dir.
func Write(dir, name, value string) error {
	if err := writeControl(filepath.Join(dir, name), value); err != nil {
		return fmt.Errorf("write %s to %s: %w", value, filepath.Join(dir, name), unwrapPath(err))
	}
	return nil
}

// ReadKey returns the number after key in the control file name of the
// cgroup at dir, a file of "key value" lines (memory.events,
// memory.oom_control).
func ReadKey(dir, name, key string) (int64, error) {
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), key+" "); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return 0, fmt.Errorf("%s: no %q line", filepath.Join(dir, name), key)
}

// ReadInt returns the number that the control file name of the cgroup at
// dir holds (pids.current).
func ReadInt(dir, name string) (int64, error) {
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
}

func unwrapPath(err error) error {
	if pathErr, ok := errors.AsType[*fs.PathError](err); ok {
		return pathErr.Err
	}
	return err
}

// RemoveEmpty removes the cgroup at dir, which has no process and no
// cgroup below it, retrying while the kernel still counts a process that
// just exited; one that is gone already counts as removed.
func RemoveEmpty(dir string) error {
	if err := rmdir(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
