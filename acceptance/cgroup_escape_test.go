//go:build linux

package acceptance

import (
	"bufio"
	"errors"
	"fmt"
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

// delegatedUID is the user the cgroup escape test delegates a cgroup to:
// not 65534, the user of the unprivileged test run, so that nothing of that
// run shares the delegation.
const delegatedUID = 65533

// TestCgroupEscape: a non-root program whose cgroup was delegated to its
// user (as systemd delegates a user's session) starts a daemon that moves
// itself to the delegated root, out of the cgroup procman made for its
// tree, by writing to the root's cgroup.procs, which the user owns. Where
// cgroup2 is mounted with nsdelegate, a program under --containment
// pid-namespace is refused the move; elsewhere the kernel allows it, and
// under every containment (the default and each mechanism) the daemon
// must still not survive the tree's end: procman run stopped, the program
// exiting (alone, and with --exit-with-main), procman killed, and the
// program killing its init, which leaves the daemon held by nothing but
// what procman made of the init's death.
//
// It needs root, to make the delegation: a cgroup of its own, named after
// its marker, at the top of the cgroup2 mount, owned by delegatedUID, and
// removed at the end with anything left in it. It never changes the
// mount's options: they hold for the whole machine.
func TestCgroupEscape(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("delegating a cgroup to another user needs root")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skipf("setpriv (util-linux) is missing: %v", err)
	}
	mount, nsdelegate, err := cgroup2Mount()
	if err != nil {
		t.Skip(err)
	}
	d := delegate(t, mount)
	e := &escapeSetup{setpriv: setpriv, cgroup: d, home: delegatedHome(t)}

	t.Run("refused-with-nsdelegate", func(t *testing.T) {
		if !nsdelegate {
			t.Skipf("cgroup2 at %s is mounted without nsdelegate; never remount it in a test: the option is global", mount)
		}
		flags := containmentFlags("pid-namespace")
		marker := proctest.Marker(t)
		skipUnlessContains(t, e.procman(t, flags, testchildBin, "exit", "0", marker))
		p, outcome := e.startEscape(t, flags, "stay", marker)
		daemon := findDaemon(t, marker)
		if !strings.HasPrefix(outcome, "escape refused") {
			t.Errorf("the daemon says %q, want its move to %s refused", outcome, d)
		}
		if got := cgroupOf(daemon); got == d {
			t.Errorf("the daemon is in %s, the delegated root", got)
		}
		p.signal(t, syscall.SIGTERM)
		p.wantEnd(t, 128+int(syscall.SIGTERM), marker)
	})

	eachContainment(t, func(t *testing.T, flags []string) {
		marker := proctest.Marker(t)
		skipUnlessContains(t, e.procman(t, flags, testchildBin, "exit", "0", marker))

		t.Run("stop", func(t *testing.T) {
			marker := proctest.Marker(t)
			p, _ := e.startEscape(t, flags, "stay", marker)
			p.signal(t, syscall.SIGTERM)
			p.wantEnd(t, 128+int(syscall.SIGTERM), marker)
		})

		t.Run("program-exits", func(t *testing.T) {
			marker := proctest.Marker(t)
			p, _ := e.startEscape(t, flags, "7", marker)
			// procman run may wait for the daemon, which it still
			// holds; it must not end while the daemon lives.
			if code, ok := waitExitFor(p, 3*time.Second); ok {
				t.Logf("procman run ended by itself, with %d", code)
				if code != 7 {
					t.Errorf("procman run exited %d, want 7 (the program's); stderr:\n%s", code, p.stderr)
				}
			} else {
				p.signal(t, syscall.SIGTERM)
				code := p.wait(t)
				t.Logf("procman run waited for the daemon; stopped, it exited %d", code)
			}
			if pids := proctest.Find(marker); len(pids) > 0 {
				t.Errorf("%s outlived procman run", describePids(pids))
				killMarked(pids)
			}
		})

		t.Run("exit-with-main", func(t *testing.T) {
			marker := proctest.Marker(t)
			p, _ := e.startEscape(t, slices.Concat(flags, []string{"--exit-with-main"}), "7", marker)
			p.wantEnd(t, 7, marker)
		})

		t.Run("init-killed", func(t *testing.T) {
			marker := proctest.Marker(t)
			p, _ := e.startEscape(t, flags, "kill-init", marker)
			pids := proctest.WaitCount(t, marker, 3, 30*time.Second) // procman, the program, the daemon
			killInit(t, p, marker, processRunning(t, pids, "/bin/sh"), e.armed(marker))
		})

		t.Run("procman-killed", func(t *testing.T) {
			marker := proctest.Marker(t)
			p, _ := e.startEscape(t, flags, "stay", marker)
			p.signal(t, syscall.SIGKILL)
			p.cmd.Wait()
			wantGone(t, marker, survivalDeadline, "after procman was killed")
			// Let procman's reaper finish with what it was left, before
			// the next subtest or the removal of the delegated cgroup.
			proctest.WaitGone("host="+strconv.Itoa(p.cmd.Process.Pid), survivalDeadline)
		})
	})
}

// escapeSetup runs procman as delegatedUID in the delegated cgroup.
type escapeSetup struct {
	setpriv string
	cgroup  string // the delegated cgroup's directory
	home    string // HOME and working directory of the user; TMPDIR is its "tmp"
}

// procman returns a command that runs "procman run --no-plugins --grace G
// FLAGS -- COMMAND" as delegatedUID, started in the delegated cgroup: a
// root shell moves itself there, then becomes the user with setpriv, then
// procman.
func (e *escapeSetup) procman(t *testing.T, flags []string, command ...string) *exec.Cmd {
	cmd := hostileRun(t, flags, command...)
	uid := strconv.Itoa(delegatedUID)
	cmd.Args = slices.Concat([]string{"/bin/sh", "-c", `echo $$ > "$0/cgroup.procs" && exec "$@"`, e.cgroup,
		e.setpriv, "--reuid=" + uid, "--regid=" + uid, "--clear-groups", procmanBin}, cmd.Args[1:])
	cmd.Path = "/bin/sh"
	cmd.Dir = e.home
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + e.home, "TMPDIR=" + filepath.Join(e.home, "tmp")}
	return cmd
}

// startEscape starts the hostile program under procman and waits until
// its daemon has tried to move to the delegated root. The program then
// waits forever (ending "stay"), waits for the file e.armed(marker) to
// exist, kills its init and waits forever ("kill-init"), or exits with
// ending as its code. It returns the running procman and what the daemon
// said of its move.
func (e *escapeSetup) startEscape(t *testing.T, flags []string, ending, marker string) (*running, string) {
	t.Helper()
	script := `"$0" daemon escape-cgroup "$2" "$1" || exit 1
case "$3" in
stay) exec "$0" sleep "$1" ;;
kill-init)
	while [ ! -e "$4" ]; do sleep 0.01; done
	kill -9 $PPID
	exec "$0" sleep "$1"
	;;
*) exit "$3" ;;
esac`
	procs := filepath.Join(e.cgroup, "cgroup.procs")
	p := start(t, e.procman(t, flags, "/bin/sh", "-c", script, testchildBin, marker, procs, ending, e.armed(marker)))
	t.Cleanup(func() { stopIfRunning(p) })
	outcome := p.waitLinePrefix(t, "escape ")
	t.Logf("the daemon says %q", outcome)
	return p, outcome
}

// armed is the file a "kill-init" program with marker waits for.
func (e *escapeSetup) armed(marker string) string {
	return filepath.Join(e.home, marker+"-armed")
}

// findDaemon returns the pid of the escape-cgroup daemon with marker.
func findDaemon(t *testing.T, marker string) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		pids := proctest.Find(marker)
		for _, pid := range pids {
			if args := cmdlineOf(pid); len(args) > 1 && args[1] == "escape-cgroup" {
				t.Logf("the daemon %d is in %s", pid, cgroupOf(pid))
				return pid
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no escape-cgroup daemon among %s", describePids(pids))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitExitFor waits up to timeout for procman to exit and returns its exit
// code; ok is false if it still runs.
func waitExitFor(p *running, timeout time.Duration) (code int, ok bool) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if s := proctest.State(p.cmd.Process.Pid); s == 'Z' || s == 0 {
			p.cmd.Wait()
			return p.cmd.ProcessState.ExitCode(), true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return 0, false
}

// cgroup2Mount returns the first cgroup2 mount of /proc/self/mountinfo
// that shows the whole hierarchy, and whether it is mounted with
// nsdelegate (a super option, so one for the whole machine).
func cgroup2Mount() (point string, nsdelegate bool, err error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", false, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		// ID PARENT MAJ:MIN ROOT POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
		before, after, ok := strings.Cut(s.Text(), " - ")
		fields, fsFields := strings.Fields(before), strings.Fields(after)
		if !ok || len(fields) < 5 || len(fsFields) < 3 || fsFields[0] != "cgroup2" || fields[3] != "/" {
			continue
		}
		point = strings.ReplaceAll(fields[4], `\040`, " ")
		return point, slices.Contains(strings.Split(fsFields[2], ","), "nsdelegate"), nil
	}
	if err := s.Err(); err != nil {
		return "", false, err
	}
	return "", false, errors.New("no cgroup2 mount of the whole hierarchy in /proc/self/mountinfo")
}

// delegate makes a cgroup of the test's own at the top of mount, delegated
// to delegatedUID as systemd delegates one (the directory and its
// cgroup.procs, cgroup.threads and cgroup.subtree_control are the user's),
// and removes it, and whatever is left in it, at the end of the test.
func delegate(t *testing.T, mount string) string {
	t.Helper()
	dir := filepath.Join(mount, proctest.Marker(t))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Skipf("cannot make a cgroup to delegate: %v", err)
	}
	t.Cleanup(func() {
		if err := removeCgroupTree(dir); err != nil {
			t.Errorf("remove the delegated cgroup: %v", err)
		}
	})
	for _, name := range []string{"", "cgroup.procs", "cgroup.threads", "cgroup.subtree_control"} {
		if err := os.Chown(filepath.Join(dir, name), delegatedUID, delegatedUID); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// delegatedHome makes a directory that delegatedUID may enter but not
// change, holding "tmp", which is the user's own, for its TMPDIR.
func delegatedHome(t *testing.T) string {
	t.Helper()
	home := proctest.ShortTempDir(t)
	if err := os.Chmod(home, 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(home, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(tmp, delegatedUID, delegatedUID); err != nil {
		t.Fatal(err)
	}
	return home
}

// removeCgroupTree kills every process in the cgroup at dir and its
// descendants, and removes them all, deepest first.
func removeCgroupTree(dir string) error {
	var dirs []string
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, path)
		}
		return nil
	})
	var errs []error
	for _, d := range slices.Backward(dirs) {
		if err := removeCgroup(d); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// removeCgroup empties the cgroup at dir with cgroup.kill and removes it.
func removeCgroup(dir string) error {
	if populated(dir) {
		if err := os.WriteFile(filepath.Join(dir, "cgroup.kill"), []byte("1"), 0); err != nil {
			return fmt.Errorf("kill %s: %w", dir, err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for populated(dir) {
		if time.Now().After(deadline) {
			return fmt.Errorf("%s still populated 10s after cgroup.kill", dir)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for {
		err := syscall.Rmdir(dir)
		// EBUSY: a process killed a moment ago may still be leaving.
		if err != syscall.EBUSY || time.Now().After(deadline) {
			if err != nil {
				return fmt.Errorf("remove %s: %w", dir, err)
			}
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// populated reports whether the cgroup at dir or any descendant holds a
// process (its cgroup.events says "populated 1").
func populated(dir string) bool {
	events, err := os.ReadFile(filepath.Join(dir, "cgroup.events"))
	return err == nil && strings.Contains(string(events), "populated 1")
}

// cgroupOf returns the directory of the cgroup v2 that process pid is in,
// under the mount cgroup2Mount finds; "" when it is gone.
func cgroupOf(pid int) string {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		return ""
	}
	mount, _, _ := cgroup2Mount()
	for _, line := range strings.Split(string(data), "\n") {
		if path, ok := strings.CutPrefix(line, "0::"); ok {
			return filepath.Join(mount, path)
		}
	}
	return ""
}
