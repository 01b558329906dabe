//go:build linux

package acceptance

import (
	"fmt"
	"net"
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

// TestDefaultKeepsRealPids: by default a program sees its real pid. A
// shell prints $$ while it runs; that pid, looked up in this process's
// /proc, must be that very shell, in this test's PID namespace. A
// pid-file tool (nginx -s stop, pg_ctl stop, kill $(cat x.pid)) relies on
// exactly this.
func TestDefaultKeepsRealPids(t *testing.T) {
	marker := proctest.Marker(t)
	script := `echo "pid $$"; "$0" sleep "$1"; exit 0`
	p := start(t, procman(t, "run", "--no-plugins", "--grace", "2s", "--", "/bin/sh", "-c", script, testchildBin, marker))
	t.Cleanup(func() { stopIfRunning(p) })
	line := p.waitLinePrefix(t, "pid ")
	pid, err := strconv.Atoi(strings.TrimPrefix(line, "pid "))
	if err != nil {
		t.Fatalf("the shell printed %q", line)
	}
	want := []string{"/bin/sh", "-c", script, testchildBin, marker}
	if got := cmdlineOf(pid); !slices.Equal(got, want) {
		t.Errorf("the shell says its pid is %d; /proc/%d is %q (command line %q), not the shell (%q)",
			pid, pid, commOf(pid), got, want)
	} else if ns, own := nsOf(pid, "pid"), nsOf(os.Getpid(), "pid"); ns != own {
		t.Errorf("the shell is in PID namespace %s, not in this test's %s", ns, own)
	}
	p.signal(t, syscall.SIGTERM)
	p.wantEnd(t, 128+int(syscall.SIGTERM), marker)
}

// nsOf returns the namespace of kind ("pid", "mnt", ...) that process pid
// is in, as its /proc/PID/ns link names it.
func nsOf(pid int, kind string) string {
	ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, kind))
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	return ns
}

// TestVersionVerboseTellsTheDefault: procman version --verbose names the
// default, which is cgroup where a tree can have a cgroup of its own and
// subreaper otherwise — never pid-namespace, which changes what the
// program sees — and says that pid-namespace can be asked for where it
// is available. What is available is what procman run accepts.
func TestVersionVerboseTellsTheDefault(t *testing.T) {
	r := run(t, procman(t, "version", "--verbose"))
	r.wantExit(t, 0)
	var inForce string
	for _, line := range strings.Split(r.stdout, "\n") {
		if rest, ok := strings.CutPrefix(line, "containment: "); ok {
			inForce, _, _ = strings.Cut(rest, " ")
		}
	}
	var want string
	switch {
	case mechanismRuns(t, "cgroup"):
		want = "cgroup"
	case mechanismRuns(t, "subreaper"):
		want = "subreaper"
	default:
		t.Skip("neither cgroup nor subreaper is available here")
	}
	if inForce != want {
		t.Errorf("procman version --verbose says the default is %q, want %q:\n%s", inForce, want, r.stdout)
	}
	if !mechanismRuns(t, "pid-namespace") {
		return
	}
	offered := slices.ContainsFunc(strings.Split(r.stdout, "\n"), func(line string) bool {
		return strings.Contains(line, "pid-namespace") && strings.Contains(line, "available") &&
			strings.Contains(line, "--containment pid-namespace")
	})
	if !offered {
		t.Errorf("procman version --verbose does not say that pid-namespace is available with --containment pid-namespace:\n%s", r.stdout)
	}
}

// mechanismRuns reports whether procman run runs a program under the
// containment mechanism mech.
func mechanismRuns(t *testing.T, mech string) bool {
	t.Helper()
	marker := proctest.Marker(t)
	r := run(t, procman(t, "run", "--no-plugins", "--containment", mech, "--", testchildBin, "exit", "0", marker))
	switch {
	case r.code == 0:
		return true
	case r.code == 125 && strings.Contains(r.stderr, "not available"):
		t.Logf("%s: %s", mech, strings.TrimSpace(r.stderr))
		return false
	}
	t.Fatalf("procman run --containment %s: exit code %d, want 0 or 125 (not available); stderr:\n%s", mech, r.code, r.stderr)
	return false
}

// TestNginxStopsFromOutside: nginx, daemonizing with a pid file, runs
// under procman run with the default containment; "nginx -s stop", run
// from outside with the same prefix and configuration, reads the pid file
// and signals the master, which stops, and procman run, whose program
// ended long ago with 0, ends with it with 0. Should the pid file not name
// the master as this test sees it, the test fails before nginx -s stop,
// which would signal whatever process has that pid here.
func TestNginxStopsFromOutside(t *testing.T) {
	nginx := nginxPath
	if _, err := os.Stat(nginx); err != nil {
		t.Skipf("nginx is not installed (Debian: nginx-light, which .ci/run installs): %v", err)
	}
	dir := t.TempDir()
	port := freePort(t)
	conf := writeNginxConf(t, dir, port)
	pidFile := filepath.Join(dir, "nginx.pid")
	nginxArgs := []string{"-p", dir + "/", "-c", conf}

	p := start(t, procman(t, slices.Concat([]string{"run", "--no-plugins", "--grace", "5s", "--", nginx}, nginxArgs)...))
	nginxes := &nginxProcesses{dir: dir}
	t.Cleanup(func() {
		stopIfRunning(p)
		if left := nginxes.waitGone(10 * time.Second); len(left) > 0 {
			t.Errorf("nginx processes %v outlived the test; killing them", left)
			killMarked(left)
		}
	})
	written := waitNginxUp(t, p, pidFile, port, dir)
	master := nginxes.master(t)
	nginxes.track()
	if written != master {
		t.Fatalf("nginx's pid file holds %d, but its master is %d here (/proc/%d is %q): "+
			"nginx -s stop would signal that process instead of nginx", written, master, written, commOf(written))
	}

	out, err := exec.Command(nginx, append(nginxArgs, "-s", "stop")...).CombinedOutput()
	if err != nil {
		t.Errorf("nginx -s stop: %v\n%s", err, out)
	}
	if code := waitExit(t, p, 30*time.Second); code != 0 {
		t.Errorf("procman run exited %d after nginx stopped, want 0; stderr:\n%s", code, p.stderr)
	}
	if left := nginxes.waitGone(0); len(left) > 0 {
		t.Errorf("nginx processes %v outlived procman run", left)
	}
}

// nginxPath is where Debian installs nginx.
const nginxPath = "/usr/sbin/nginx"

// freePort returns a TCP port of 127.0.0.1 above 1024 that was free a
// moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	if port <= 1024 {
		t.Fatalf("free port %d is privileged", port)
	}
	return port
}

// writeNginxConf writes an nginx configuration that keeps everything
// nginx writes (pid file, error log, temporary files) inside dir and
// listens on 127.0.0.1:port, and returns its path. It has no user
// directive: that one matters only to root, and others get a warning.
func writeNginxConf(t *testing.T, dir string, port int) string {
	t.Helper()
	conf := fmt.Sprintf(`pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
daemon on;
events {}
http {
	access_log off;
	client_body_temp_path %[1]s/client_body;
	proxy_temp_path %[1]s/proxy;
	fastcgi_temp_path %[1]s/fastcgi;
	uwsgi_temp_path %[1]s/uwsgi;
	scgi_temp_path %[1]s/scgi;
	server {
		listen 127.0.0.1:%[2]d;
	}
}
`, dir, port)
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// waitNginxUp waits until nginx has written its pid file and accepts
// connections on port, and returns the pid the file holds.
func waitNginxUp(t *testing.T, p *running, pidFile string, port int, dir string) int {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		data, _ := os.ReadFile(pidFile)
		pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
		if err == nil {
			if conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
				conn.Close()
				return pid
			}
		}
		if time.Now().After(deadline) {
			errorLog, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx not up after 30s (pid file %q); procman's stderr:\n%s\nnginx's error log:\n%s", data, p.stderr, errorLog)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// nginxProcesses finds the nginx processes of one prefix directory: those
// whose command line names it (the first nginx, the master, which puts
// its arguments in its title) and their children (the workers, titled
// "nginx: worker process").
type nginxProcesses struct {
	dir     string
	tracked map[int]string // pid: start time, of each process seen by track
}

// find returns the nginx processes of the directory now.
func (n *nginxProcesses) find() []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || proctest.State(pid) == 'Z' {
			continue
		}
		args := cmdlineOf(pid)
		isNginx := len(args) > 0 && (args[0] == nginxPath || strings.HasPrefix(args[0], "nginx: "))
		if !isNginx || !strings.Contains(strings.Join(args, " "), n.dir) {
			continue
		}
		pids = append(pids, pid)
		pids = append(pids, children(pid)...)
	}
	return pids
}

// master returns the pid of the nginx master, as this test sees it.
func (n *nginxProcesses) master(t *testing.T) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, pid := range n.find() {
			if args := cmdlineOf(pid); len(args) > 0 && strings.HasPrefix(args[0], "nginx: master process") {
				return pid
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no nginx master process of %s", n.dir)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// track remembers the nginx processes there are now, so that waitGone
// checks on them even once nothing names the directory any more.
func (n *nginxProcesses) track() {
	if n.tracked == nil {
		n.tracked = make(map[int]string)
	}
	for _, pid := range n.find() {
		n.tracked[pid] = startTimeOf(pid)
	}
}

// waitGone waits up to timeout until no nginx process of the directory,
// and none of those tracked, lives, and returns those that still do.
func (n *nginxProcesses) waitGone(timeout time.Duration) []int {
	deadline := time.Now().Add(timeout)
	for {
		left := n.find()
		for pid, start := range n.tracked {
			if startTimeOf(pid) == start && proctest.State(pid) != 'Z' && !slices.Contains(left, pid) {
				left = append(left, pid)
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPIDNamespaceOnRequestIsCoherent: with --containment pid-namespace a
// program sees its namespace's pids, and /proc must agree: ps -p $$ shows
// the shell itself, /proc/$$ is the shell's, and /proc/self is $$.
func TestPIDNamespaceOnRequestIsCoherent(t *testing.T) {
	if _, err := exec.LookPath("ps"); err != nil {
		t.Skipf("ps (procps) is missing: %v", err)
	}
	marker := proctest.Marker(t)
	skipUnlessContains(t, procman(t, "run", "--no-plugins", "--containment", "pid-namespace", "--", testchildBin, "exit", "0", marker))
	script := `echo "comm $(ps -p $$ -o comm=)"
echo "pid $$"
printf 'cmdline %s\n' "$(tr '\0\n' '  ' </proc/$$/cmdline)"
printf 'self '
exec readlink /proc/self`
	r := run(t, procman(t, "run", "--no-plugins", "--containment", "pid-namespace", "--", "/bin/sh", "-c", script, marker))
	r.wantExit(t, 0)
	got := make(map[string]string)
	for _, line := range strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n") {
		key, value, _ := strings.Cut(line, " ")
		got[key] = value
	}
	if got["comm"] != "sh" {
		t.Errorf("ps -p $$ -o comm= prints %q, want sh; output:\n%s", got["comm"], r.stdout)
	}
	if !slices.Contains(strings.Fields(got["cmdline"]), marker) {
		t.Errorf("/proc/$$/cmdline is %q, not the shell's (which holds %s)", got["cmdline"], marker)
	}
	if got["self"] != got["pid"] || got["pid"] == "" {
		t.Errorf("readlink /proc/self is %q in the shell whose $$ is %q, want them equal", got["self"], got["pid"])
	}
}
