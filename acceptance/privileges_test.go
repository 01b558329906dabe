//go:build linux

package acceptance

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/procman-dev/procman/internal/proctest"
)

// treeMechanisms are the containment mechanisms that hold a tree under a
// procman-init, which is what sets credentials and limits.
var treeMechanisms = []string{"cgroup", "subreaper", "pid-namespace"}

// mechanismOrSkip skips t when procman cannot use mechanism here.
func mechanismOrSkip(t *testing.T, mechanism string) {
	t.Helper()
	r := run(t, procman(t, "run", "--containment", mechanism, "--", "/bin/true"))
	if r.code == 125 {
		t.Skipf("containment %s is unavailable: %s", mechanism, strings.TrimSpace(r.stderr))
	}
}

// asUnprivileged returns cmd run as uid and gid 65534 when the test runs
// as root, and as it is otherwise.
func asUnprivileged(t *testing.T, cmd *exec.Cmd) *exec.Cmd {
	if os.Geteuid() != 0 {
		return cmd
	}
	args := append([]string{"--reuid=65534", "--regid=65534", "--clear-groups", cmd.Path}, cmd.Args[1:]...)
	c := procman(t)
	c.Path, c.Args = "/usr/bin/setpriv", append([]string{"setpriv"}, args...)
	c.Env = []string{"PATH=/usr/bin:/bin"}
	return c
}

// reaperOf returns the pid of the procman-reaper of procman pid, waiting
// for it to be started.
func reaperOf(t *testing.T, pid int) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			child, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			cmdline, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
			args := strings.Split(string(cmdline), "\x00")
			if len(args) > 1 && args[0] == "procman-reaper" && args[1] == "host="+strconv.Itoa(pid) {
				return child
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no procman-reaper of procman %d after 10s", pid)
	return 0
}

// waitTree waits until n processes carry marker beside procman p, which
// carries it too, and returns them.
func waitTree(t *testing.T, p *running, marker string, n int) []int {
	t.Helper()
	procman := p.cmd.Process.Pid
	deadline := time.Now().Add(30 * time.Second)
	for {
		// Not procman, nor a child it is forking, which carries procman's
		// arguments until it execs procman-init (an init, the reaper, a
		// detection probe, the trampoline of a program): told by their
		// names, read after the arguments, and by a second look, which a
		// probe that exited at once misses.
		pids := slices.DeleteFunc(proctest.Find(marker), func(pid int) bool {
			comm := proctest.Comm(pid)
			return pid == procman || comm == "" || comm == proctest.Comm(procman) || comm == "procman-init" || comm == "procman-reaper"
		})
		still := proctest.Find(marker)
		pids = slices.DeleteFunc(pids, func(pid int) bool { return !slices.Contains(still, pid) })
		if len(pids) == n {
			return pids
		}
		if time.Now().After(deadline) {
			t.Fatalf("want %d processes of procman's tree with marker %s, have %v", n, marker, pids)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRunAsAnotherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root may run a process as another user; TestAnotherUserIsRefusedUnprivileged covers the refusal")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody:", err)
	}
	groups, err := nobody.GroupIds()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(groups, nobody.Gid) {
		groups = append(groups, nobody.Gid)
	}
	slices.Sort(groups)
	// The program says which of the pids it reads (its init, its parent;
	// procman's reaper) it may signal, then who it is.
	const script = `read pids; for p in $PPID $pids; do if kill -0 $p 2>/dev/null; then echo "signalled $p"; else echo "refused $p"; fi; done
echo "HOME=$HOME USER=$USER LOGNAME=$LOGNAME"; echo done; read wait || true`
	for _, mechanism := range treeMechanisms {
		t.Run(mechanism, func(t *testing.T) {
			mechanismOrSkip(t, mechanism)
			marker := proctest.Marker(t)
			cmd := procman(t, "run", "--containment", mechanism, "--user", "nobody", "--no-new-privileges", "--", "/bin/sh", "-c", script, marker)
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			p := start(t, cmd)
			pid := waitTree(t, p, marker, 1)[0]
			reaper := reaperOf(t, cmd.Process.Pid)
			ppid := parentOf(t, pid)
			for _, helper := range []int{reaper, ppid} {
				if uid := proctest.StatusField(t, helper, "Uid"); uid != "0 0 0 0" {
					t.Errorf("procman's helper %d runs as uids %s, want root's, procman's own", helper, uid)
				}
			}
			if mechanism == "pid-namespace" {
				// The reaper is outside the program's PID namespace: it
				// has no pid there to try.
				fmt.Fprintln(stdin)
			} else {
				fmt.Fprintln(stdin, reaper)
			}

			id := nobody.Uid + " " + nobody.Uid + " " + nobody.Uid + " " + nobody.Uid
			if got := proctest.StatusField(t, pid, "Uid"); got != id {
				t.Errorf("Uid: %s, want %s", got, id)
			}
			gid := nobody.Gid + " " + nobody.Gid + " " + nobody.Gid + " " + nobody.Gid
			if got := proctest.StatusField(t, pid, "Gid"); got != gid {
				t.Errorf("Gid: %s, want %s", got, gid)
			}
			if got, want := proctest.StatusField(t, pid, "Groups"), strings.Join(groups, " "); got != want {
				t.Errorf("Groups: %s, want %s", got, want)
			}
			if got := proctest.StatusField(t, pid, "NoNewPrivs"); got != "1" {
				t.Errorf("NoNewPrivs: %s, want 1", got)
			}
			var said []string
			for {
				line := p.waitLineThat(t, "", func(string) bool { return true })
				if line == "done" {
					break
				}
				said = append(said, line)
			}
			stdin.Close()
			p.wantEnd(t, 0, marker)
			tried := 2 // the init and the reaper
			if mechanism == "pid-namespace" {
				tried = 1
			}
			if len(said) != tried+1 {
				t.Fatalf("the program said %q, want a line for each of %d helpers, then its environment", said, tried)
			}
			for _, line := range said[:len(said)-1] {
				if !strings.HasPrefix(line, "refused ") {
					t.Errorf("the program, as nobody, could signal procman's helper: %s", line)
				}
			}
			if want := "HOME=" + nobody.HomeDir + " USER=nobody LOGNAME=nobody"; said[len(said)-1] != want {
				t.Errorf("environment: %s, want %s", said[len(said)-1], want)
			}
		})
	}
}

// parentOf returns the parent pid of pid.
func parentOf(t *testing.T, pid int) int {
	t.Helper()
	ppid, err := strconv.Atoi(proctest.StatusField(t, pid, "PPid"))
	if err != nil {
		t.Fatal(err)
	}
	return ppid
}

func TestExplicitEnvWinsOverTheUsersOwn(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root may run a process as another user")
	}
	r := run(t, procman(t, "run", "--user", "nobody", "--env", "HOME=/elsewhere", "--", "/bin/sh", "-c", `echo "$HOME $USER"`))
	r.wantExit(t, 0)
	if r.stdout != "/elsewhere nobody\n" {
		t.Errorf("stdout %q, want the explicit HOME and nobody's USER", r.stdout)
	}
}

func TestAnotherUserIsRefusedUnprivileged(t *testing.T) {
	marker := proctest.Marker(t)
	for _, flags := range [][]string{{"--user", "root"}, {"--user", "0"}, {"--group", "root"}} {
		r := run(t, asUnprivileged(t, procman(t, append(append([]string{"run"}, flags...), "--", testchildBin, "sleep", marker)...)))
		r.wantExit(t, 2)
		r.wantOneLine(t, "only root may run a process")
		if pids := proctest.Find(marker); len(pids) > 0 {
			t.Errorf("%v: started %v although refused", flags, pids)
		}
	}
}

func TestBadPrivilegeFlags(t *testing.T) {
	tests := []struct {
		flags []string
		want  string
	}{
		{[]string{"--memory", "12X"}, "want a size"},
		{[]string{"--memory", "0"}, "must be positive"},
		{[]string{"--cpus", "0"}, "must be at least 0.01"},
		{[]string{"--cpus", "lots"}, "want a number of CPUs"},
		{[]string{"--tasks", "-1"}, "want a positive number"},
		{[]string{"--nice", "30"}, "from -20 to 19"},
		{[]string{"--rlimit", "FILES=10"}, `unknown resource "FILES"`},
		{[]string{"--rlimit", "NOFILE"}, "want NAME=SOFT"},
		{[]string{"--rlimit", "NOFILE=10:5"}, "above the hard limit"},
		{[]string{"--rlimit", "NOFILE=many"}, "not a limit"},
		{[]string{"--rlimit", "NOFILE=10", "--rlimit", "nofile=20"}, "given twice"},
		{[]string{"--user", "no-such-user-procman"}, `User: no user "no-such-user-procman"`},
		{[]string{"--group", "no-such-group-procman"}, `Group: no group "no-such-group-procman"`},
	}
	for _, tt := range tests {
		marker := proctest.Marker(t)
		r := run(t, procman(t, append(append([]string{"run"}, tt.flags...), "--", testchildBin, "sleep", marker)...))
		r.wantExit(t, 2)
		r.wantOneLine(t, tt.want)
		if pids := proctest.Find(marker); len(pids) > 0 {
			t.Errorf("%v: started %v", tt.flags, pids)
		}
	}
}

func TestRlimitAndNice(t *testing.T) {
	const script = `grep "Max open files" /proc/$$/limits; grep "Max core file size" /proc/$$/limits; cut -d" " -f19 /proc/$$/stat`
	for _, mechanism := range append(treeMechanisms, "process-group") {
		t.Run(mechanism, func(t *testing.T) {
			mechanismOrSkip(t, mechanism)
			r := run(t, procman(t, "run", "--containment", mechanism, "--rlimit", "NOFILE=64:128", "--rlimit", "core=0", "--nice", "10", "--", "/bin/sh", "-c", script))
			r.wantExit(t, 0)
			lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
			if len(lines) != 3 {
				t.Fatalf("stdout:\n%s", r.stdout)
			}
			if f := strings.Fields(lines[0]); len(f) < 5 || f[3] != "64" || f[4] != "128" {
				t.Errorf("/proc/PID/limits: %q, want soft 64, hard 128", lines[0])
			}
			if f := strings.Fields(lines[1]); len(f) < 6 || f[4] != "0" || f[5] != "0" {
				t.Errorf("/proc/PID/limits: %q, want 0 and 0", lines[1])
			}
			if lines[2] != "10" {
				t.Errorf("nice %q, want 10", lines[2])
			}
		})
	}
}

func TestRlimitTheSystemRefuses(t *testing.T) {
	// Above fs.nr_open, not even root may raise the limit of open files.
	nrOpen, err := os.ReadFile("/proc/sys/fs/nr_open")
	if err != nil {
		t.Skip(err)
	}
	n, _ := strconv.ParseUint(strings.TrimSpace(string(nrOpen)), 10, 64)
	marker := proctest.Marker(t)
	r := run(t, procman(t, "run", "--rlimit", "NOFILE=64:"+strconv.FormatUint(n+1, 10), "--", testchildBin, "sleep", marker))
	r.wantExit(t, 2)
	r.wantOneLine(t, "setrlimit NOFILE: operation not permitted")
}

// limitsOrSkip skips the test unless procman can give a tree limits here,
// as root; as anyone else, it checks that a limit is refused in one line,
// exit status 125, with nothing started, and skips the rest.
func limitsOrSkip(t *testing.T, mechanism string) {
	t.Helper()
	mechanismOrSkip(t, mechanism)
	if os.Geteuid() == 0 {
		return
	}
	marker := proctest.Marker(t)
	r := run(t, procman(t, "run", "--containment", mechanism, "--memory", "64M", "--", testchildBin, "sleep", marker))
	r.wantExit(t, 125)
	r.wantOneLine(t, "limits: no cgroup can hold the memory limit")
	if pids := proctest.Find(marker); len(pids) > 0 {
		t.Errorf("started %v although no limit could be set", pids)
	}
	t.Skip("limits need a cgroup, which uid", os.Geteuid(), "may not make here: refused as it should be")
}

func TestMemoryLimitOOMKills(t *testing.T) {
	// The program starts a child, which sleeps, then allocates 200 MB;
	// --exit-with-main then stops the child.
	const code = `import os, sys, time
if os.fork() == 0:
    time.sleep(100)
    os._exit(0)
print("forked", flush=True)
x = b"x" * (200 << 20)
print("survived", flush=True)
`
	for _, mechanism := range treeMechanisms {
		t.Run(mechanism, func(t *testing.T) {
			limitsOrSkip(t, mechanism)
			marker := proctest.Marker(t)
			r := run(t, procman(t, "run", "--containment", mechanism, "--memory", "64M", "--exit-with-main", "--", "python3", "-c", code, marker))
			r.wantExit(t, 128+9)
			r.wantOneLine(t, "procman: OOM killed (memory limit 64M)")
			if r.stdout != "forked\n" {
				t.Errorf("stdout %q, want the program killed before it survived its allocation", r.stdout)
			}
			if pids := proctest.Find(marker); len(pids) > 0 {
				t.Errorf("the rest of the tree survived: %v", pids)
			}
		})
	}
}

func TestMemoryLimitLetsSmallerUseBe(t *testing.T) {
	limitsOrSkip(t, "cgroup")
	r := run(t, procman(t, "run", "--memory", "256M", "--", "python3", "-c", `x = b"x" * (64 << 20); print("ok")`))
	r.wantExit(t, 0)
	if r.stdout != "ok\n" || r.stderr != "" {
		t.Errorf("stdout %q, stderr %q", r.stdout, r.stderr)
	}
}

func TestTasksLimit(t *testing.T) {
	// The program forks 40 sleeping children, or as many as it may.
	const code = `import os, time
n = 0
try:
    for _ in range(40):
        if os.fork() == 0:
            time.sleep(100)
            os._exit(0)
        n += 1
except OSError as e:
    print("fork failed:", e.strerror, flush=True)
print("children", n, flush=True)
time.sleep(100)
`
	for _, mechanism := range treeMechanisms {
		t.Run(mechanism, func(t *testing.T) {
			limitsOrSkip(t, mechanism)
			marker := proctest.Marker(t)
			p := start(t, procman(t, "run", "--containment", mechanism, "--tasks", "20", "--grace", "5s", "--", "python3", "-c", code, marker))
			p.waitLine(t, "fork failed: Resource temporarily unavailable")
			p.waitLine(t, "children 19")
			if n := len(proctest.Find(marker)) - 1; n != 20 { // procman aside
				t.Errorf("%d processes in the tree, want the 20 of the limit", n)
			}
			p.signal(t, syscall.SIGTERM)
			p.wantEnd(t, 128+15, marker)
		})
	}
}

func TestCPULimit(t *testing.T) {
	// Two busy children for 2 s each: 4 s of CPU on two free CPUs, 1 s
	// under --cpus 0.5.
	for _, mechanism := range treeMechanisms {
		t.Run(mechanism, func(t *testing.T) {
			limitsOrSkip(t, mechanism)
			r := run(t, procman(t, "run", "--containment", mechanism, "--cpus", "0.5", "--", "python3", "-c", proctest.BusyPython))
			r.wantExit(t, 0)
			used, err := strconv.ParseFloat(strings.TrimSpace(r.stdout), 64)
			if err != nil {
				t.Fatalf("stdout %q: %v", r.stdout, err)
			}
			t.Logf("2 busy processes for 2 s under --cpus 0.5 used %.2f s of CPU (a benchmark reports the share exactly)", used)
			if used < 0.2 || used > 2 {
				t.Errorf("used %.2f s of CPU, want about 1 (0.2 to 2)", used)
			}
		})
	}
}

// memoryCgroup returns the directory of the memory cgroup v1 pid is in,
// "" when the memory controller is not a v1 hierarchy.
func memoryCgroup(t *testing.T, pid int) string {
	t.Helper()
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mount := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		before, after, _ := strings.Cut(sc.Text(), " - ")
		fields, tail := strings.Fields(before), strings.Fields(after)
		if len(tail) >= 3 && tail[0] == "cgroup" && slices.Contains(strings.Split(tail[2], ","), "memory") && fields[3] == "/" {
			mount = fields[4]
		}
	}
	if mount == "" {
		return ""
	}
	for line := range strings.Lines(string(proctest.ReadProc(t, pid, "cgroup"))) {
		parts := strings.SplitN(strings.TrimSpace(line), ":", 3)
		if len(parts) == 3 && slices.Contains(strings.Split(parts[1], ","), "memory") {
			return filepath.Join(mount, parts[2])
		}
	}
	return ""
}

func TestLimitCgroupsGoWithTheHost(t *testing.T) {
	for _, mechanism := range treeMechanisms {
		t.Run(mechanism, func(t *testing.T) {
			limitsOrSkip(t, mechanism)
			marker := proctest.Marker(t)
			// Ended normally: the tree's cgroup goes with it.
			p := start(t, procman(t, "run", "--containment", mechanism, "--memory", "64M", "--", testchildBin, "sleep", marker))
			pid := waitTree(t, p, marker, 1)[0]
			dir := memoryCgroup(t, pid)
			if dir == "" {
				t.Skip("the memory controller is not a cgroup v1 hierarchy here")
			}
			if limit, err := os.ReadFile(filepath.Join(dir, "memory.limit_in_bytes")); err != nil || strings.TrimSpace(string(limit)) != strconv.Itoa(64<<20) {
				t.Errorf("memory.limit_in_bytes of %s: %q, %v", dir, limit, err)
			}
			p.signal(t, syscall.SIGTERM)
			p.wait(t)
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("cgroup %s of the tree is left after procman exited (%v)", dir, err)
			}

			// Killed: the reaper removes the host's cgroups once the tree
			// is stopped.
			marker = proctest.Marker(t)
			p = start(t, procman(t, "run", "--containment", mechanism, "--memory", "64M", "--", testchildBin, "sleep", marker))
			pid = waitTree(t, p, marker, 1)[0]
			dir = memoryCgroup(t, pid)
			p.signal(t, syscall.SIGKILL)
			p.cmd.Wait()
			if pids := proctest.WaitGone(marker, 30*time.Second); len(pids) > 0 {
				t.Fatalf("the tree survived procman's SIGKILL: %v", pids)
			}
			hostDir := filepath.Dir(dir)
			deadline := time.Now().Add(20 * time.Second)
			for {
				_, err := os.Stat(hostDir)
				if os.IsNotExist(err) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("cgroup %s of the killed host is left 20s after its tree was gone (%v)", hostDir, err)
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}

func TestExplainShowsUserAndLimits(t *testing.T) {
	self, err := user.LookupId(strconv.Itoa(os.Geteuid()))
	if err != nil {
		t.Skip(err)
	}
	flags := []string{"explain", "--no-plugins", "--user", self.Username, "--memory", "1.5G", "--cpus", "0.5", "--tasks", "9",
		"--nice", "3", "--rlimit", "NOFILE=64:unlimited", "--no-new-privileges", "--", "/bin/true"}
	r := run(t, procman(t, flags...))
	r.wantExit(t, 0)
	for _, want := range []string{"User:     " + self.Username + "\n",
		"Limits:   memory 1536M, cpus 0.5, tasks 9, nice 3, rlimit NOFILE=64:unlimited, no new privileges\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("explain says:\n%s\nwant a line %q", r.stdout, want)
		}
	}
	r = run(t, procman(t, append([]string{"explain", "--json"}, flags[1:]...)...))
	r.wantExit(t, 0)
	got := decodeExplain(t, r.stdout).Config
	l := got.Limits
	if got.User != self.Username || got.Group != "" || !got.NoNewPrivileges || l.Memory != 3<<29 || l.CPUs != 0.5 || l.Tasks != 9 ||
		l.Nice == nil || *l.Nice != 3 || len(l.Rlimits) != 1 || l.Rlimits[0].Resource != "NOFILE" || l.Rlimits[0].Soft != "64" || l.Rlimits[0].Hard != "unlimited" {
		t.Errorf("explain --json says:\n%s\nwant the user and every limit given", r.stdout)
	}
}

func TestDirectoryIsEnteredAsTheUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root may run a process as another user")
	}
	private := t.TempDir()
	if err := os.Chmod(private, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, mechanism := range append(treeMechanisms, "process-group") {
		t.Run(mechanism, func(t *testing.T) {
			mechanismOrSkip(t, mechanism)
			r := run(t, procman(t, "run", "--containment", mechanism, "--user", "nobody", "--cwd", private, "--", "/bin/pwd"))
			r.wantExit(t, 2)
			r.wantOneLine(t, "chdir "+private+": permission denied")
			r = run(t, procman(t, "run", "--containment", mechanism, "--user", "nobody", "--cwd", "/", "--", "/bin/pwd"))
			r.wantExit(t, 0)
		})
	}
}

func TestLogFileIsOpenedBeforeTheDrop(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root may run a process as another user")
	}
	private := t.TempDir() // root's, mode 0700: nobody may not open a file in it
	log := filepath.Join(private, "out.log")
	r := run(t, procman(t, "run", "--user", "nobody", "--log", log, "--", "/bin/sh", "-c", "id -u; test -w "+log+" || echo cannot open it myself"))
	r.wantExit(t, 0)
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != "65534\ncannot open it myself\n" {
		t.Errorf("log file holds %q, want the program's output as nobody", data)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(log, &st); err != nil || st.Uid != 0 {
		t.Errorf("log file owned by uid %d (%v), want procman's own, root", st.Uid, err)
	}
}
