package platform

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

	"github.com/procman-dev/procman/internal/proctest"
)

// These tests look at the tree of a procman-init in a pidns mode from the
// inside: PID 1 gives it a /proc of its PID namespace, in a mount
// namespace of its own, and a cgroup namespace when it has a cgroup (see
// private_proc in internal/initimage/csrc/procman-init.c).

// eachPIDNamespaceMode runs f for each pidns mode of procman-init that
// this user can ask for.
func eachPIDNamespaceMode(t *testing.T, f func(t *testing.T, mode string)) {
	modes := []string{"pidns+user"}
	if os.Geteuid() == 0 {
		modes = []string{"pidns", "pidns+user"}
	}
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) { f(t, mode) })
	}
}

// TestInitGivesItsTreeItsOwnProc: in a PID namespace, $$, /proc/$$,
// ps -p $$ and /proc/self all describe the program itself, not the process
// of the host's /proc that has its pid; the mounts of the host (and of the
// init's outer process) do not change.
func TestInitGivesItsTreeItsOwnProc(t *testing.T) {
	script := `read x; echo $$; cat /proc/$$/comm; exec readlink /proc/self`
	_, err := exec.LookPath("ps")
	withPs := err == nil
	if withPs {
		script = `read x; echo $$; cat /proc/$$/comm; ps -p $$ -o comm=; exec readlink /proc/self`
	}
	eachPIDNamespaceMode(t, func(t *testing.T, mode string) {
		marker := proctest.Marker(t)
		mountsBefore := readMountinfo(t)
		ti := startTestInit(t, initConfig{mode: mode, grace: time.Second})
		out := outputFile(t)
		stdin, hold, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer stdin.Close()
		defer hold.Close()
		spec := shellSpec(t, marker, script)
		spec.Stdin, spec.Stdout = stdin, out
		pid := ti.start(t, spec)
		stdin.Close()
		ns, err := nsPids(pid)
		if err != nil || len(ns) < 2 {
			t.Fatalf("the program's NSpid %v (%v), want it in a PID namespace below this one", ns, err)
		}
		if added := newLines(mountsBefore, readMountinfo(t)); len(added) > 0 {
			t.Errorf("this process's mount namespace gained %q while the tree runs", added)
		}
		if os.Geteuid() == 0 { // the namespaces of a non-dumpable init are root's to see
			if outer := ti.cmd.Process.Pid; !sameNamespace(t, "mnt", outer, os.Getpid()) {
				t.Errorf("procman-init's outer process (%d) is not in this process's mount namespace", outer)
			}
			if sameNamespace(t, "mnt", ti.pid, os.Getpid()) {
				t.Errorf("procman-init's PID 1 (%d) is in this process's mount namespace, want one of its own", ti.pid)
			}
		}
		hold.Close()
		ti.expectExit(t, ExitStatus{})
		ti.expectEOF(t)

		self := strconv.Itoa(ns[len(ns)-1])
		want := []string{self, "sh"}
		if withPs {
			want = append(want, "sh")
		}
		want = append(want, self)
		if got := readLines(t, out.Name()); !slices.Equal(got, want) {
			t.Errorf("$$, /proc/$$/comm, ps -p $$ and /proc/self in the tree: %q, want %q", got, want)
		}
	})
}

// TestInitReportsThatItCannotMountAProc: where a mount over the host's
// /proc hides part of it, the kernel lets no user namespace mount a proc
// (which would show what is hidden): PID 1 of a pidns+user init reports
// 'M' and the errno, and the init exits. The hiding mount is made in a
// mount namespace of the test's own.
func TestInitReportsThatItCannotMountAProc(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounts over /proc: root only")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("unshare (util-linux) is missing")
	}
	ti := launchInit(t, initConfig{mode: "pidns+user", grace: time.Second, wrap: func(initMarker string, args ...string) *exec.Cmd {
		script := `mount -t tmpfs tmpfs /proc/sys && exec "$@"`
		return exec.Command("unshare", append([]string{"--mount", "--propagation", "private", "/bin/sh", "-c", script, initMarker}, args...)...)
	}})
	ti.expect(t, msgNoProc, int32(syscall.EPERM))
	ti.expectEOF(t)
	ti.mustExit(t)
}

// TestInitGivesItsTreeACgroupNamespace: an init in a pidns mode, born in
// the cgroup it is given, gives its tree a cgroup namespace whose root is
// that cgroup.
func TestInitGivesItsTreeACgroupNamespace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("makes a cgroup: root only")
	}
	mount := cgroup2Mount(t)
	eachPIDNamespaceMode(t, func(t *testing.T, mode string) {
		marker := proctest.Marker(t)
		_, cg := makeTestCgroup(t, mount, "init-cgroupns", marker)
		defer cg.Close()
		ti := startTestInit(t, initConfig{mode: mode, grace: time.Second, cgroup: cg, bornInCgroup: true})
		cg.Close()
		out := outputFile(t)
		spec := shellSpec(t, marker, `grep '^0::' /proc/self/cgroup`)
		spec.Stdout = out
		ti.start(t, spec)
		ti.expectExit(t, ExitStatus{})
		ti.expectEOF(t)
		if got := readLines(t, out.Name()); !slices.Equal(got, []string{"0::/"}) {
			t.Errorf("the tree's cgroup v2 line: %q, want the root of its namespace, \"0::/\"", got)
		}
	})
}

// outputFile creates a file the tree, whatever its user, may write to.
func outputFile(t *testing.T) *os.File {
	t.Helper()
	dir, err := proctest.WorldReadableTempDir()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	f, err := os.Create(filepath.Join(dir, "out"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

// readMountinfo returns the lines of this process's mountinfo.
func readMountinfo(t *testing.T) []string {
	t.Helper()
	return readLines(t, "/proc/self/mountinfo")
}

// newLines returns the lines of after that are not in before.
func newLines(before, after []string) []string {
	var added []string
	for _, l := range after {
		if !slices.Contains(before, l) {
			added = append(added, l)
		}
	}
	return added
}

// sameNamespace tells whether processes a and b are in the same namespace
// of kind (a name in /proc/PID/ns).
func sameNamespace(t *testing.T, kind string, a, b int) bool {
	t.Helper()
	var ids []string
	for _, pid := range []int{a, b} {
		id, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/" + kind)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids[0] == ids[1]
}
