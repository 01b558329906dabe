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
	hp := identify(t, h.cmd.Process.Pid)
	hostDir := filepath.Join(base, fmt.Sprintf("%d-%d", hp.pid, hp.start))
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
	deadHost := filepath.Join(base, fmt.Sprintf("%d-%d", self.pid, self.start+1)) // its pid was recycled
	liveHost := filepath.Join(base, fmt.Sprintf("%d-%d", self.pid, self.start))
	var inDead, inLive *exec.Cmd
	for _, c := range []struct {
		dir string
		cmd **exec.Cmd
	}{{deadHost, &inDead}, {liveHost, &inLive}} {
		job := filepath.Join(c.dir, "job")
		mkdir(t, job)
		dir, err := os.Open(job)
		if err != nil {
			t.Fatal(err)
		}
		*c.cmd = startOwnChildIn(t, marker, "ignore-term", &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(dir.Fd())})
		dir.Close()
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
	var dirs []string
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, path)
		}
		return nil
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := os.Remove(dirs[i]); err != nil {
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
