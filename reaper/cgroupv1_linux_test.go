package reaper

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/procman-dev/procman/internal/proctest"
)

// testV1Cgroup makes a directory in this process's cgroup of the memory
// cgroup v1 hierarchy, for the test, removed at its end, or skips the
// test where there is none or it may not.
func testV1Cgroup(t *testing.T) string {
	t.Helper()
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	point := ""
	for line := range strings.Lines(string(mounts)) {
		before, after, _ := strings.Cut(line, " - ")
		f, tail := strings.Fields(before), strings.Fields(after)
		if len(tail) >= 3 && tail[0] == "cgroup" && slices.Contains(strings.Split(tail[2], ","), "memory") && f[3] == "/" {
			point = f[4]
		}
	}
	own := ""
	cgroups, _ := os.ReadFile("/proc/self/cgroup")
	for line := range strings.Lines(string(cgroups)) {
		parts := strings.SplitN(strings.TrimSpace(line), ":", 3)
		if len(parts) == 3 && slices.Contains(strings.Split(parts[1], ","), "memory") {
			own = parts[2]
		}
	}
	if point == "" || own == "" {
		t.Skip("the memory controller is not a cgroup v1 hierarchy here")
	}
	b := make([]byte, 6)
	rand.Read(b)
	dir := filepath.Join(point, own, "procman-reaper-test-"+hex.EncodeToString(b))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Skipf("cgroup v1 is not writable here (uid %d): %v", os.Getuid(), err)
	}
	t.Cleanup(func() { removeDirs(t, dir) })
	return dir
}

// A cgroup v1 directory (the memory limit of a tree, say) registered for
// reclaiming is removed, with the host's directory of them, once what
// stops its processes has: the reaper does not signal them itself.
func TestReclaimedCgroupV1IsRemovedOnceEmpty(t *testing.T) {
	base := testV1Cgroup(t)
	marker := proctest.Marker(t)
	h := startHost(t, marker, hostOptions{})
	hostDir := filepath.Join(base, identify(t, h.pid).name())
	tree := filepath.Join(hostDir, "1")
	mkdir(t, tree)
	// What a procman-init is to its tree: stopped by the reaper.
	init := startOwnChild(t, marker, "ignore-term")
	if err := os.WriteFile(filepath.Join(tree, "cgroup.procs"), []byte(strconv.Itoa(init.Process.Pid)), 0); err != nil {
		t.Fatal(err)
	}
	p := identify(t, init.Process.Pid)
	h.do("protect", strconv.Itoa(p.pid), strconv.FormatUint(p.start, 10), ms(500*time.Millisecond))
	h.do("reclaim", hostDir, "0")
	h.kill()
	if status := exitOf(t, init); status.Signal() != syscall.SIGKILL {
		t.Errorf("the process in the cgroup ended with %v, want the SIGKILL of its protection", status)
	}
	if !waitFor(10*time.Second, func() bool { return !exists(hostDir) }) {
		t.Errorf("cgroup v1 %s of the dead host is left (tree %s exists %v)", hostDir, tree, exists(tree))
	}
}

// The sweep removes the cgroup v1 directories of dead hosts.
func TestSweepRemovesTheCgroupV1OfDeadHosts(t *testing.T) {
	base := testV1Cgroup(t)
	self := identify(t, os.Getpid())
	deadHost := filepath.Join(base, process{self.pid, self.start + 1}.name()) // its pid was recycled
	liveHost := filepath.Join(base, self.name())
	for _, dir := range []string{deadHost, liveHost} {
		mkdir(t, filepath.Join(dir, "1"))
	}
	startReaper(t, Options{SweepCgroupDirs: []string{base}})
	if exists(deadHost) {
		t.Errorf("%s, a dead host's cgroup v1, was not removed", deadHost)
	}
	if !exists(filepath.Join(liveHost, "1")) {
		t.Errorf("the cgroup v1 of a live host was swept")
	}
}
