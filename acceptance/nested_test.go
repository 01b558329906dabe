//go:build linux

package acceptance

import (
	"os"
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

// innerHosts returns the names ("<pid>-<start time>", as /proc shows them)
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
		names = append(names, hostName(t, pid))
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
