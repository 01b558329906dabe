//go:build linux

package host_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/internal/proctest"
)

// TestProgramsCannotReachTheHost: a program tries what a hostile one would
// against every process that runs it — its procman-inits, the host, whose
// environment holds a secret, and the host's reaper: ptrace them, and read
// their environment. Every attempt must be refused, and the program itself
// must be dumpable as usual.
//
// As root, a program with CAP_SYS_PTRACE may do all of this, one with
// CAP_SYS_ADMIN or CAP_PERFMON may read any process's environment, and one
// with fewer capabilities than its target is refused for that alone (seen
// on Linux 6.18). So the embedder runs without those three, and its
// programs with exactly its capabilities, which leaves only the host and
// helpers being non-dumpable in the way; a PID namespace cannot be made
// without CAP_SYS_ADMIN, and is tested by the unprivileged run only.
func TestProgramsCannotReachTheHost(t *testing.T) {
	eachMechanism(t, func(t *testing.T, mech host.Mechanism) {
		args := []string{testembed, "1s", testchild}
		if os.Geteuid() == 0 {
			if mech == host.PIDNamespace {
				t.Skip("as root, a PID namespace needs CAP_SYS_ADMIN, with which a program reads any environment")
			}
			args = append([]string{"setpriv", "--bounding-set=-sys_ptrace,-sys_admin,-perfmon"}, args...)
		}
		marker := proctest.Marker(t)
		report := filepath.Join(t.TempDir(), "probe")
		args = append(args, "probe-host "+report)
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = append(os.Environ(), "PROCMAN_MARKER="+marker, "PROCMAN_TEST_CONTAINMENT="+mech.String(), "SECRET_TOKEN="+marker)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		if line, _ := bufio.NewReader(out).ReadString('\n'); line != "ready "+mech.String()+"\n" {
			t.Fatalf("embedder said %q, want ready %v", line, mech)
		}
		var data []byte
		waitFor(t, func() bool {
			data, err = os.ReadFile(report)
			return err == nil
		})

		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if lines[0] != "dumpable 1" {
			t.Errorf("the program says %q, want dumpable 1: it must be dumpable once it has exec'd", lines[0])
		}
		var roles []string
		for _, line := range lines[1:] {
			f := strings.Fields(line)
			if len(f) != 4 {
				t.Fatalf("probe line %q", line)
			}
			roles = append(roles, f[0])
			if f[2] != "ptrace=EPERM" && f[2] != "ptrace=invisible" {
				t.Errorf("the program tried to ptrace its %s (pid %s): %s, want EPERM", f[0], f[1], f[2])
			}
			if f[3] != "environ=EACCES" {
				t.Errorf("the program tried to read the environment of its %s (pid %s): %s, want EACCES", f[0], f[1], f[3])
			}
		}
		want := map[host.Mechanism][]string{
			host.PIDNamespace: {"init"},                           // PID 1: in a /proc of its own, nothing above it is visible
			host.Cgroup:       {"init", "host", "reaper"},         // the init, with no keeper: the cgroup holds the tree
			host.Subreaper:    {"init", "init", "host", "reaper"}, // the init and its keeper
			host.ProcessGroup: {"host"},
		}[mech]
		if mech == host.ProcessGroup {
			roles = slices.DeleteFunc(roles, func(role string) bool { return role == "reaper" })
		}
		if !slices.Equal(roles, want) {
			t.Errorf("the program probed %v, want %v:\n%s", roles, want, data)
		}
	})
}
