package reaper

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/procman-dev/procman/internal/proctest"
)

func TestHostDeathEmptiesAndRemovesAProtectedCgroup(t *testing.T) {
	base := testCgroup(t)
	marker := proctest.Marker(t)
	h := startHost(t, marker, hostOptions{})
	hp := identify(t, h.pid)
	hostDir := filepath.Join(base, hp.name())
	job := filepath.Join(hostDir, "job")
	mkdir(t, job)

	// A tree that ignores SIGTERM, with a grandchild in a session of its
	// own: only the cgroup holds it.
	h.do("spawn-cgroup", job, "tree", marker)
	members := proctest.WaitCount(t, marker, 4, 10*time.Second) // the host and the tree
	for _, pid := range members {
		if pid != hp.pid {
			h.expectGone(pid, "process of the protected cgroup")
		}
	}
	if procs := cgroupProcs(t, job); len(procs) != 3 {
		t.Fatalf("cgroup %s holds %v, want the tree's 3 processes", job, procs)
	}
	h.do("cgroup", job, "200")

	h.kill()
	if pids := proctest.WaitGone(marker, 10*time.Second); len(pids) > 0 {
		t.Fatalf("processes %v of the protected cgroup outlived their host", pids)
	}
	if !waitFor(10*time.Second, func() bool { return !exists(job) && !exists(hostDir) }) {
		t.Errorf("after the host's death: cgroup %s exists %v, the host's cgroup %s exists %v; want both removed",
			job, exists(job), hostDir, exists(hostDir))
	}
	if !exists(base) {
		t.Errorf("%s, not named like a host's cgroup, was removed", base)
	}
}

func TestSweepKillsTheCgroupsOfDeadHosts(t *testing.T) {
	base := testCgroup(t)
	marker := proctest.Marker(t)
	self := identify(t, os.Getpid())
	deadHost := filepath.Join(base, process{self.pid, self.start + 1}.name()) // its pid was recycled
	liveHost := filepath.Join(base, self.name())
	var inDead, inLive *exec.Cmd
	for _, c := range []struct {
		dir string
		cmd **exec.Cmd
	}{{deadHost, &inDead}, {liveHost, &inLive}} {
		job := filepath.Join(c.dir, "job")
		mkdir(t, job)
		*c.cmd = startOwnChildIn(t, marker, "ignore-term", inCgroup(t, job))
	}

	startReaper(t, Options{SweepCgroupDirs: []string{base}}) // it sweeps before it answers
	if status := exitOf(t, inDead); status.Signal() != syscall.SIGKILL {
		t.Errorf("the process in a dead host's cgroup ended with %v, want SIGKILL", status)
	}
	if exists(deadHost) {
		t.Errorf("%s, a dead host's cgroup, was not removed", deadHost)
	}
	if !identify(t, inLive.Process.Pid).alive() || !exists(filepath.Join(liveHost, "job")) {
		t.Errorf("the cgroup of a live host was swept")
	}
}

// A cgroup registered for reclaiming gets no signal: what is left in it is
// killed once every registered stop is over and its wait has passed.
func TestReclaimedCgroupIsKilledWithoutASignalAfterTheStops(t *testing.T) {
	for _, c := range []struct {
		name  string
		grace time.Duration // of a process in the cgroup, registered itself; 0 for none
		wait  time.Duration
	}{
		{"after the registered process's stop", time.Second, 0},
		{"after its wait", 0, time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			base := testCgroup(t)
			marker := proctest.Marker(t)
			h := startHost(t, marker, hostOptions{})
			hp := identify(t, h.pid)
			hostDir := filepath.Join(base, hp.name())
			tree := filepath.Join(hostDir, "1")
			mkdir(t, tree)
			member := startOwnChildIn(t, marker, "trap", inCgroup(t, tree))
			var init *exec.Cmd // what stops the tree, as a procman-init would
			if c.grace > 0 {
				init = startOwnChildIn(t, marker, "ignore-term", inCgroup(t, tree))
				p := identify(t, init.Process.Pid)
				h.do("protect", strconv.Itoa(p.pid), strconv.FormatUint(p.start, 10), ms(c.grace))
				h.do("reclaim", hostDir, "0")
			}
			h.do("reclaim", tree, ms(c.wait))

			killed := time.Now()
			h.kill()
			status := exitOf(t, member)
			if status.Signal() != syscall.SIGKILL {
				t.Errorf("the process in a reclaimed cgroup ended with %v, want SIGKILL and no other signal", status)
			}
			if took, want := time.Since(killed), max(c.grace, c.wait); took < want {
				t.Errorf("the process in a reclaimed cgroup was killed %v after its host's death, before %v", took, want)
			}
			if init != nil {
				if status := exitOf(t, init); status.Signal() != syscall.SIGKILL {
					t.Errorf("the registered process ended with %v, want SIGKILL after its grace", status)
				}
			}
			if !waitFor(10*time.Second, func() bool { return !exists(tree) && !exists(hostDir) }) {
				t.Errorf("after the host's death: cgroup %s exists %v, the host's cgroup %s exists %v; want both removed",
					tree, exists(tree), hostDir, exists(hostDir))
			}
		})
	}
}

// A dead host's tree gets its whole grace from that host's reaper: the
// sweep of a reaper started meanwhile, as any other host's is, leaves it
// alone.
func TestSweepLeavesADeadHostsTreeToItsReaper(t *testing.T) {
	base := testCgroup(t)
	marker := proctest.Marker(t)
	h := startHost(t, marker, hostOptions{})
	hp := identify(t, h.pid)
	hostDir := filepath.Join(base, hp.name())
	tree := filepath.Join(hostDir, "1")
	mkdir(t, tree)
	tmp := t.TempDir()
	note, proceed := filepath.Join(tmp, "note"), filepath.Join(tmp, "proceed")
	child := startOwnChildIn(t, marker, "cleanup", inCgroup(t, tree), note, proceed)
	h.do("reclaim", hostDir, "0")
	h.do("cgroup", tree, "60000")

	h.kill()
	if !waitFor(10*time.Second, func() bool { return exists(note) }) {
		t.Fatal("the tree got no SIGTERM from its reaper")
	}
	startReaper(t, Options{SweepCgroupDirs: []string{base}}) // it sweeps before it answers
	writeFile(t, proceed)
	if status := exitOf(t, child); status.ExitStatus() != 0 {
		t.Errorf("a dead host's tree in its grace ended with %v, want exit 0 after its cleanup", status)
	}
	if data, err := os.ReadFile(note); string(data) != "term\ncleaned\n" {
		t.Errorf("the tree's note says %q (%v), want one SIGTERM and its cleanup done", data, err)
	}
	if !waitFor(10*time.Second, func() bool { return !exists(hostDir) }) {
		t.Errorf("%s was not removed by its reaper", hostDir)
	}
}

// A sweep kills and removes the cgroups of dead hosts, probes included,
// but leaves alone what another process holds locked: a cgroup a reaper
// still acts on, and in a host's directory, a tree its procman-init still
// stops. Once unlocked, they are swept.
func TestSweepSkipsLockedCgroups(t *testing.T) {
	base := testCgroup(t)
	marker := proctest.Marker(t)
	dead := deadProcess(t)
	name := func(suffix string) string {
		return filepath.Join(base, dead.name()+suffix)
	}
	hostDir, probe, acted := name(""), name("-probe-1"), name("-acted")
	stopping, leftover := filepath.Join(hostDir, "1"), filepath.Join(hostDir, "2")
	procs := map[string]*exec.Cmd{}
	for _, dir := range []string{stopping, leftover, probe, acted} {
		mkdir(t, dir)
		procs[dir] = startOwnChildIn(t, marker, "ignore-term", inCgroup(t, dir))
	}
	unlock := []func(){lockDir(t, stopping), lockDir(t, acted)}

	startReaper(t, Options{SweepCgroupDirs: []string{base}})
	for _, dir := range []string{leftover, probe} {
		if status := exitOf(t, procs[dir]); status.Signal() != syscall.SIGKILL {
			t.Errorf("the process in %s, a dead host's unlocked cgroup, ended with %v, want SIGKILL", dir, status)
		}
		if exists(dir) {
			t.Errorf("%s, a dead host's unlocked cgroup, was not removed", dir)
		}
	}
	for _, dir := range []string{stopping, acted} {
		if !identify(t, procs[dir].Process.Pid).alive() || !exists(dir) {
			t.Errorf("%s, held locked, was swept", dir)
		}
	}

	for _, f := range unlock {
		f()
	}
	startReaper(t, Options{SweepCgroupDirs: []string{base}})
	for _, dir := range []string{stopping, acted} {
		if status := exitOf(t, procs[dir]); status.Signal() != syscall.SIGKILL {
			t.Errorf("the process in %s, unlocked, ended with %v, want SIGKILL", dir, status)
		}
	}
	for _, dir := range []string{hostDir, acted} {
		if exists(dir) {
			t.Errorf("%s, a dead host's cgroup no longer locked, was not removed", dir)
		}
	}
}

// inCgroup is how a child is started into the cgroup at dir.
func inCgroup(t *testing.T, dir string) *syscall.SysProcAttr {
	t.Helper()
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(f.Fd())}
}

// testCgroup makes a cgroup v2 directory for the test, killed and removed
// at its end, or skips the test where it cannot.
func testCgroup(t *testing.T) string {
	t.Helper()
	root, err := cgroup2Mount()
	if err != nil {
		t.Skipf("no cgroup v2 here: %v", err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	dir := filepath.Join(root, "procman-reaper-test-"+hex.EncodeToString(b))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Skipf("cgroup v2 is not writable here (uid %d): %v", os.Getuid(), err)
	}
	t.Cleanup(func() { removeCgroup(t, dir) })
	return dir
}

func cgroup2Mount() (string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", err
	}
	defer f.Close()
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		fields := strings.Fields(lines.Text())
		for i, field := range fields {
			if field == "-" && i+1 < len(fields) && fields[i+1] == "cgroup2" {
				return fields[4], nil
			}
		}
	}
	return "", fmt.Errorf("no cgroup2 file system in /proc/self/mountinfo")
}

// removeCgroup kills what is left in the cgroup tree at dir and removes it.
func removeCgroup(t *testing.T, dir string) {
	if !exists(dir) {
		return
	}
	if procs := cgroupProcs(t, dir); len(procs) > 0 {
		t.Errorf("processes %v were left in cgroup %s", procs, dir)
	}
	os.WriteFile(filepath.Join(dir, "cgroup.kill"), []byte("1"), 0)
	waitFor(5*time.Second, func() bool {
		events, _ := os.ReadFile(filepath.Join(dir, "cgroup.events"))
		return strings.Contains(string(events), "populated 0")
	})
	removeDirs(t, dir)
}

// removeDirs removes the directory tree at dir, which holds directories
// only (a tree of cgroups), deepest first.
func removeDirs(t *testing.T, dir string) {
	var dirs []string
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, path)
		}
		return nil
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := os.Remove(dirs[i]); err != nil && !os.IsNotExist(err) {
			t.Errorf("remove test cgroup: %v", err)
		}
	}
}

// cgroupProcs lists the processes in the cgroup tree at dir.
func cgroupProcs(t *testing.T, dir string) []int {
	t.Helper()
	var pids []int
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		data, _ := os.ReadFile(filepath.Join(path, "cgroup.procs"))
		for _, f := range strings.Fields(string(data)) {
			if pid, err := strconv.Atoi(f); err == nil {
				pids = append(pids, pid)
			}
		}
		return nil
	})
	return pids
}
