//go:build linux

package cgroup

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The cgroup v2 hierarchy here may offer none of memory, cpu and pids
// (they are cgroup v1 hierarchies on a hybrid system): Enable is tested
// with whatever controller it does offer.
func offeredController(t *testing.T, dir string) string {
	t.Helper()
	root, err := hierarchyRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, "cgroup.controllers"))
	if err != nil {
		t.Fatal(err)
	}
	controllers := strings.Fields(string(data))
	if len(controllers) == 0 {
		t.Skipf("the cgroup v2 hierarchy at %s offers no controller", root)
	}
	return controllers[0]
}

func TestEnableGivesTheControllerToChildren(t *testing.T) {
	g := newTestGroup(t)
	c := newTestCgroup(t, g)
	controller := offeredController(t, c.Path())
	if offered, err := Offers(c.Path(), controller); err != nil || !offered {
		t.Fatalf("Offers(%s, %s) = %v, %v; want true", c.Path(), controller, offered, err)
	}
	if offered, err := Offers(c.Path(), "no-such-controller"); err != nil || offered {
		t.Errorf("Offers of an unknown controller = %v, %v; want false", offered, err)
	}
	if err := Enable(g.Path(), controller); err != nil {
		if os.Geteuid() != 0 {
			t.Skipf("uid %d may not enable controllers above its cgroup: %v", os.Geteuid(), err)
		}
		t.Fatal(err)
	}
	// Every cgroup from the root down to the group gives it to its
	// children, so the tree's cgroup has its interface files.
	root, _ := hierarchyRoot(g.Path())
	for dir := g.Path(); ; dir = filepath.Dir(dir) {
		if on, err := listed(filepath.Join(dir, "cgroup.subtree_control"), controller); err != nil || !on {
			t.Errorf("%s/cgroup.subtree_control lacks %s (%v)", dir, controller, err)
		}
		if dir == root {
			break
		}
	}
	if on, err := listed(filepath.Join(c.Path(), "cgroup.controllers"), controller); err != nil || !on {
		t.Errorf("%s/cgroup.controllers lacks %s (%v)", c.Path(), controller, err)
	}
}

func TestEnableSaysWhyACgroupWithProcessesCannot(t *testing.T) {
	g := newTestGroup(t)
	c := newTestCgroup(t, g)
	controller := offeredController(t, c.Path())
	if err := Enable(g.Path(), controller); err != nil {
		t.Skipf("uid %d may not enable controllers here: %v", os.Geteuid(), err)
	}
	tr := startTree(t, c.FD(), "exec sleep 600")
	awaitProcs(t, c, 1, "sleep")
	err := Enable(c.Path(), controller)
	if err == nil || !strings.Contains(err.Error(), "processes are in it") {
		t.Errorf("Enable in a cgroup with a process = %v, want the reason", err)
	}
	c.Kill()
	tr.cmd.Wait()
}

func TestV1Dir(t *testing.T) {
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	for _, controller := range []string{"memory", "cpu", "pids"} {
		dir, err := V1Dir(controller)
		v1 := slices.ContainsFunc(strings.Split(string(data), "\n"), func(line string) bool {
			parts := strings.SplitN(line, ":", 3)
			return len(parts) == 3 && slices.Contains(strings.Split(parts[1], ","), controller)
		})
		if !v1 {
			if err == nil {
				t.Errorf("V1Dir(%s) = %s, but no cgroup v1 hierarchy has it", controller, dir)
			}
			continue
		}
		if err != nil {
			t.Errorf("V1Dir(%s): %v", controller, err)
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "cgroup.procs")); err != nil {
			t.Errorf("V1Dir(%s) = %s, not a cgroup: %v", controller, dir, err)
		}
		if procs, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs")); !slices.Contains(strings.Fields(string(procs)), strconv.Itoa(os.Getpid())) {
			t.Errorf("V1Dir(%s) = %s, which does not hold this process", controller, dir)
		}
	}
}
