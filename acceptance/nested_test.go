//go:build linux

package acceptance

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/internal/proctest"
)

// TestNestedProcman runs procman inside procman, two side by side, for
// every pair of mechanisms: inside a pid-namespace tree each inner procman
// is pid 2 of its namespace while /proc is the machine's, so anything that
// mixes the two kinds of pid (names, start times, registrations) breaks
// here. A third procman starting meanwhile (its reaper sweeps) must leave
// the live nested trees alone; a stop of the outer ones must leave nothing,
// neither processes nor what the inner ones made.
func TestNestedProcman(t *testing.T) {
	eachMechanism(t, func(t *testing.T, outer host.Mechanism) {
		if outer == host.ProcessGroup {
			t.Skip("an inner procman's helpers leave a bare process group")
		}
		eachMechanism(t, func(t *testing.T, inner host.Mechanism) {
			marker := proctest.Marker(t)
			var outers []*running
			for range 2 {
				p := start(t, procman(t, "run", "--no-plugins", "--containment", outer.String(), "--",
					procmanBin, "run", "--no-plugins", "--containment", inner.String(), "--",
					testchildBin, "tree", "3", marker))
				outers = append(outers, p)
			}
			// Per outer: itself, the inner procman and its three-process
			// tree (both procmans carry the marker in their arguments).
			pids := proctest.WaitCount(t, marker, 2*5, 30*time.Second)
			inners := innerHosts(t, slices.DeleteFunc(slices.Clone(pids), func(pid int) bool {
				return pid == outers[0].cmd.Process.Pid || pid == outers[1].cmd.Process.Pid
			}))
			if len(inners) != 2 {
				t.Fatalf("inner procmans %v among %v, want 2", inners, pids)
			}
			r := run(t, procman(t, "version", "--verbose"))
			r.wantExit(t, 0)
			time.Sleep(100 * time.Millisecond)
			if now := proctest.Find(marker); len(now) != len(pids) {
				t.Fatalf("after another procman started, %d processes carry the marker, want %d", len(now), len(pids))
			}
			for _, p := range outers {
				p.signal(t, syscall.SIGTERM)
			}
			for _, p := range outers {
				if code := p.wait(t); code != 128+int(syscall.SIGTERM) {
					t.Errorf("outer procman exited %d, want %d; stderr:\n%s", code, 128+int(syscall.SIGTERM), p.stderr)
				}
			}
			if left := proctest.WaitGone(marker, 10*time.Second); len(left) > 0 {
				t.Errorf("%v outlived the outer procmans", left)
			}
			for _, name := range inners {
				if left := leftovers(t, name); len(left) > 0 {
					t.Errorf("inner procman %s left %v", name, left)
				}
			}
		})
	})
}

// innerHosts returns the names (proctest.HostName)
// of the procman processes among pids, found by their command line: a
// procman running programs is not dumpable, and only root may read its
// /proc/PID/exe.
func innerHosts(t *testing.T, pids []int) []string {
	t.Helper()
	var names []string
	for _, pid := range pids {
		cmdline, _ := os.ReadFile("/proc/" + itoa(pid) + "/cmdline")
		argv0, _, _ := strings.Cut(string(cmdline), "\x00")
		if filepath.Base(argv0) != "procman" {
			continue
		}
		names = append(names, proctest.HostName(t, pid))
	}
	return names
}

// leftovers lists what is left of the cgroups and directories a host named
// name made.
func leftovers(t *testing.T, name string) []string {
	t.Helper()
	patterns := []string{filepath.Join(os.TempDir(), "procman-"+name+"-*")}
	if c, err := host.DetectContainment(host.Automatic); err == nil && c.CgroupDir != "" {
		patterns = append(patterns, filepath.Join(c.CgroupDir, name), filepath.Join(c.CgroupDir, name+"-*"))
	}
	var left []string
	for _, p := range patterns {
		found, _ := filepath.Glob(p)
		left = append(left, found...)
	}
	return left
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestSweepsJudgeOnlyTheirOwnNamespace: a procman inside a pid-namespace
// tree has a /proc of its own but shares the machine's /tmp, so a pid in a
// name made outside means another process (or none) inside, and the other
// way round. Neither sweep may take a live host of the other namespace for
// dead and remove what it made; a dead host of the sweep's own namespace
// still loses its directory.
func TestSweepsJudgeOnlyTheirOwnNamespace(t *testing.T) {
	if !mechanismRuns(t, "pid-namespace") {
		t.Skip("pid-namespace is not available")
	}
	marker := proctest.Marker(t)
	tmp := proctest.ShortTempDir(t)
	withTmp := func(cmd *exec.Cmd) *exec.Cmd {
		cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
		return cmd
	}

	// A host outside, and one inside a pid-namespace tree, each with a
	// directory named after it as procman names its socket directories.
	outside := exec.Command(testchildBin, "sleep", marker)
	if err := outside.Start(); err != nil {
		t.Fatal(err)
	}
	defer outside.Wait()
	defer outside.Process.Kill()
	tree := start(t, procman(t, "run", "--no-plugins", "--containment", "pid-namespace", "--",
		testchildBin, "sleep", marker))
	defer stopIfRunning(tree)
	// The program inside, once it runs (until its exec, the init's process
	// shows procman's command line).
	inside := 0
	waitUntil(t, func() bool {
		for _, pid := range proctest.Find(marker) {
			if a := cmdlineOf(pid); pid != outside.Process.Pid && len(a) > 0 && a[0] == testchildBin {
				inside = pid
			}
		}
		return inside != 0
	})
	hostDir := func(pid int) string {
		dir := filepath.Join(tmp, "procman-"+proctest.HostName(t, pid)+"-1")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	outsideDir, insideDir := hostDir(outside.Process.Pid), hostDir(inside)
	if outsideDir == insideDir {
		t.Fatalf("the hosts inside and outside have one name: %s", outsideDir)
	}

	// Sweeps from inside a pid-namespace tree, then from outside.
	run(t, procman(t, "run", "--no-plugins", "--containment", "pid-namespace", "--env", "TMPDIR="+tmp, "--",
		procmanBin, "version", "--verbose")).wantExit(t, 0)
	run(t, withTmp(procman(t, "version", "--verbose"))).wantExit(t, 0)
	for _, dir := range []string{outsideDir, insideDir} {
		if _, err := os.Stat(dir); err != nil {
			t.Errorf("a sweep removed the directory of a live host: %v", err)
		}
	}

	// Once the host outside is dead, a sweep outside removes its directory.
	outside.Process.Kill()
	outside.Wait()
	run(t, withTmp(procman(t, "version", "--verbose"))).wantExit(t, 0)
	if _, err := os.Stat(outsideDir); !os.IsNotExist(err) {
		t.Errorf("the directory of a dead host is still there after a sweep (%v)", err)
	}
}
