//go:build linux

package acceptance

import (
	"encoding/json"
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
	"github.com/procman-dev/procman/supervisor"
)

// webServer is a Python HTTP server on 127.0.0.1:PORT (argv[1]) that logs
// each request on stdout.
const webServer = `import http.server, sys
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok\n")
    def log_message(self, format, *args):
        print("request", self.path, flush=True)
server = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
print("listening", flush=True)
server.serve_forever()
`

// devProject writes the project of issue 17's test into dir: a job that
// must complete first, a Python web server with an http_get readiness
// probe, a worker that waits for it to be healthy, redis-server
// daemonizing itself, and a flaky process restarted twice on failure; the
// worker's liveness probe runs as long as procman up. Every process carries
// marker, but redis, which renames itself: its pid file is returned.
func devProject(t *testing.T, dir, marker string) (file, redisPIDFile string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "server.py"), []byte(webServer), 0o644); err != nil {
		t.Fatal(err)
	}
	redisPIDFile = filepath.Join(dir, "redis.pid")
	webPort, redisPort := freePort(t), freePort(t)
	q := strconv.Quote
	yaml := fmt.Sprintf(`version: "0.5"
environment:
  - GREETING=hello
processes:
  setup:
    command: ["/bin/sh", "-c", "echo setup done; sleep 0.3", "sh", %[1]s]
  web:
    command: ["/usr/bin/python3", "-u", "server.py", "%[2]d", %[1]s]
    depends_on:
      setup:
        condition: process_completed_successfully
    readiness_probe:
      http_get:
        host: 127.0.0.1
        port: %[2]d
        path: /health
      period_seconds: 0.2
  worker:
    command: ["/bin/sh", "-c", "echo worker up $GREETING; exec \"$0\" sleep \"$1\"", %[4]s, %[1]s]
    depends_on:
      web:
        condition: process_healthy
    liveness_probe:
      # A probe still running when procman up ends, which must not outlive it.
      exec:
        command: [%[4]s, sleep, %[1]s, %[7]s]
      timeout_seconds: 600
  redis:
    command: ["redis-server", "--daemonize", "yes", "--port", "%[3]d", "--bind", "127.0.0.1",
      "--pidfile", %[5]s, "--dir", %[6]s, "--save", "", "--appendonly", "no"]
    readiness_probe:
      tcp_socket:
        port: %[3]d
      period_seconds: 0.2
  flaky:
    command: ["/bin/sh", "-c", "echo flaky run; exit 3", "sh", %[1]s]
    depends_on:
      setup:
        condition: process_completed
    availability:
      restart: on_failure
      max_restarts: 2
      backoff_seconds: 0.1
`, q(marker), webPort, redisPort, q(testchildBin), q(redisPIDFile), q(dir), q(marker+"-probe"))
	file = filepath.Join(dir, "procman.yaml")
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	return file, redisPIDFile
}

// upLine is one line of procman up's output: "NAME | TEXT".
type upLine struct{ name, text string }

func parseUpLine(line string) (upLine, bool) {
	name, text, ok := strings.Cut(line, " | ")
	return upLine{strings.TrimSpace(name), text}, ok
}

// collect reads procman up's lines until one matches, and returns them all.
func (p *running) collect(t *testing.T, until func(upLine) bool) []upLine {
	t.Helper()
	var seen []upLine
	p.waitLineThat(t, "ending the wait", func(line string) bool {
		l, ok := parseUpLine(line)
		if !ok {
			t.Errorf("line without a prefix: %q", line)
			return false
		}
		seen = append(seen, l)
		return until(l)
	})
	return seen
}

// index returns where the first line of name holding text is in lines, or
// -1.
func index(lines []upLine, name, text string) int {
	return slices.IndexFunc(lines, func(l upLine) bool { return l.name == name && strings.Contains(l.text, text) })
}

// pidAlive reports whether the pid in file runs.
func pidAlive(t *testing.T, file string) bool {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		return false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return syscall.Kill(pid, 0) == nil
}

// redisPID waits for redis's pid file, and returns the pid.
func redisPID(t *testing.T, file string) int {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if data, err := os.ReadFile(file); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil {
				return pid
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no pid in %s", file)
	return 0
}

// wantUpGone waits until nothing with marker and no redis of pid runs.
func wantUpGone(t *testing.T, marker string, redis int) {
	t.Helper()
	if left := proctest.WaitGone(marker, 10*time.Second); len(left) > 0 {
		t.Errorf("left running: %v", left)
	}
	deadline := time.Now().Add(10 * time.Second)
	for syscall.Kill(redis, 0) == nil {
		if time.Now().After(deadline) {
			syscall.Kill(redis, syscall.SIGKILL)
			t.Fatalf("redis-server %d outlived procman up", redis)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ps runs procman ps --json for file.
func ps(t *testing.T, file string) map[string]supervisor.ProcessStatus {
	t.Helper()
	procs, r := tryPS(t, file)
	if procs == nil {
		t.Fatalf("procman ps: status %d; stderr:\n%s", r.code, r.stderr)
	}
	return procs
}

// tryPS runs procman ps --json for file, and returns nil with the result
// when it fails.
func tryPS(t *testing.T, file string) (map[string]supervisor.ProcessStatus, result) {
	t.Helper()
	r := run(t, procman(t, "ps", "--json", "-f", file))
	if r.code != 0 {
		return nil, r
	}
	var list []supervisor.ProcessStatus
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
		t.Fatalf("ps --json: %v:\n%s", err, r.stdout)
	}
	byName := make(map[string]supervisor.ProcessStatus)
	for _, p := range list {
		byName[p.Name] = p
	}
	return byName, r
}

// waitPS polls procman ps until cond holds of the process name; procman
// up may not answer yet.
func waitPS(t *testing.T, file, name, what string, cond func(supervisor.ProcessStatus) bool) supervisor.ProcessStatus {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		procs, r := tryPS(t, file)
		if p, ok := procs[name]; ok && cond(p) {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never %s: %+v (stderr %q)", name, what, procs[name], r.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestUpRunsADevelopmentEnvironment(t *testing.T) {
	marker := proctest.Marker(t)
	dir := t.TempDir()
	file, pidFile := devProject(t, dir, marker)
	up := start(t, procman(t, "up", "--no-plugins", "-f", file))

	var lines []upLine
	worker, flakyDone := false, false
	lines = up.collect(t, func(l upLine) bool {
		worker = worker || l.name == "worker" && strings.HasPrefix(l.text, "worker up")
		flakyDone = flakyDone || l.name == "flaky" && strings.Contains(l.text, "after 2 restarts")
		return worker && flakyDone
	})
	redis := redisPID(t, pidFile)

	// Order: the job completes before the server starts, which is ready
	// before the worker starts.
	order := []int{
		index(lines, "setup", "setup done"),
		index(lines, "web", "listening"),
		index(lines, "web", "procman: ready"),
		index(lines, "worker", "worker up hello"),
	}
	for k := 1; k < len(order); k++ {
		if order[k-1] < 0 || order[k] <= order[k-1] {
			t.Errorf("lines out of order (setup, web listening, web ready, worker: %v):\n%v", order, lines)
			break
		}
	}
	// Restarts: three runs of flaky, two restarts announced.
	runs := 0
	for _, l := range lines {
		if l.name == "flaky" && l.text == "flaky run" {
			runs++
		}
	}
	if runs != 3 || index(lines, "flaky", "restart 1 of 2") < 0 || index(lines, "flaky", "restart 2 of 2") < 0 {
		t.Errorf("flaky ran %d times, want 3 with two restarts:\n%v", runs, lines)
	}
	if index(lines, "web", "request /health") < 0 {
		t.Errorf("the readiness probe's request is not in web's output:\n%v", lines)
	}

	// From another terminal.
	procs := ps(t, file)
	for name, want := range map[string]supervisor.State{
		"setup": supervisor.Completed, "web": supervisor.Running, "worker": supervisor.Running,
		"redis": supervisor.Running, "flaky": supervisor.Failed,
	} {
		if got := procs[name].State; got != want {
			t.Errorf("ps: %s is %s, want %s (%+v)", name, got, want, procs[name])
		}
	}
	if p := procs["web"]; p.Ready == nil || !*p.Ready || p.PID == 0 {
		t.Errorf("ps: web = %+v, want ready with a pid", p)
	}
	if p := waitPS(t, file, "redis", "detached and ready", func(p supervisor.ProcessStatus) bool {
		return p.Detached && p.Ready != nil && *p.Ready
	}); p.State != supervisor.Running {
		t.Errorf("ps: redis = %+v", p)
	}
	if p := procs["flaky"]; p.Restarts != 2 || !strings.Contains(p.Reason, "exited with status 3") {
		t.Errorf("ps: flaky = %+v, want 2 restarts and its status", p)
	}

	before := procs["worker"].PID
	run(t, procman(t, "restart", "-f", file, "worker")).wantExit(t, 0)
	waitPS(t, file, "worker", "restarted", func(p supervisor.ProcessStatus) bool {
		return p.State == supervisor.Running && p.PID != 0 && p.PID != before
	})
	if syscall.Kill(before, 0) == nil {
		t.Errorf("the worker's old pid %d still runs after the restart", before)
	}

	logs := run(t, procman(t, "logs", "--file", file, "web"))
	logs.wantExit(t, 0)
	if !strings.HasPrefix(logs.stdout, "listening\n") || !strings.Contains(logs.stdout, "request /health\n") {
		t.Errorf("procman logs web:\n%s", logs.stdout)
	}
	run(t, procman(t, "logs", "--file", file, "nosuch")).wantExit(t, 125)

	up.signal(t, syscall.SIGINT)
	// The first process that failed for good was flaky, with status 3.
	up.wantEnd(t, 3, marker)
	wantUpGone(t, marker, redis)
	if _, err := os.Stat(supervisor.SocketPath(file)); err == nil {
		t.Errorf("the control socket is left: %s", supervisor.SocketPath(file))
	}
	run(t, procman(t, "ps", "-f", file)).wantExit(t, 125)
}

// TestUpLeavesNothing ends procman up by SIGTERM and by SIGKILL while a
// daemon and a probe run: nothing is left either way.
func TestUpLeavesNothing(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		t.Run(unixSignalName(sig), func(t *testing.T) {
			// A SIGKILLed procman up leaves its socket, which the next one
			// removes: here, in a directory of the test's.
			t.Setenv("XDG_RUNTIME_DIR", proctest.ShortTempDir(t))
			marker := proctest.Marker(t)
			dir := t.TempDir()
			file, pidFile := devProject(t, dir, marker)
			up := start(t, procman(t, "up", "--no-plugins", "-f", file, "worker", "redis"))
			up.collect(t, func(l upLine) bool { return l.name == "worker" && strings.HasPrefix(l.text, "worker up") })
			redis := redisPID(t, pidFile)
			waitPS(t, file, "redis", "detached", func(p supervisor.ProcessStatus) bool { return p.Detached })
			// The worker's liveness probe runs.
			if probes := proctest.WaitCount(t, marker+"-probe", 1, 10*time.Second); len(probes) != 1 {
				t.Fatalf("probe processes %v, want 1", probes)
			}
			if ps(t, file)["flaky"].Name != "" {
				t.Error("flaky runs, though neither worker nor redis depends on it")
			}
			up.signal(t, sig)
			code := up.cmd.Wait()
			if sig == syscall.SIGTERM && (code != nil || up.cmd.ProcessState.ExitCode() != 0) {
				t.Errorf("procman up ended with %v after SIGTERM, want status 0; stderr:\n%s", up.cmd.ProcessState, up.stderr)
			}
			wantUpGone(t, marker, redis)
		})
	}
}

func unixSignalName(sig syscall.Signal) string {
	return strings.ToUpper(strings.ReplaceAll(sig.String(), " ", "-"))
}

// TestUpSecondInterruptKills: a process that ignores its shutdown signal
// would hold procman up for its minute of shutdown timeout; a second
// Ctrl-C kills it at once.
func TestUpSecondInterruptKills(t *testing.T) {
	marker := proctest.Marker(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "procman.yaml")
	yaml := fmt.Sprintf(`processes:
  stubborn:
    command: ["/bin/sh", "-c", "trap '' TERM; echo ignoring; exec \"$0\" ignore-term \"$1\"", %q, %q]
    shutdown:
      signal: SIGTERM
      timeout_seconds: 600
`, testchildBin, marker)
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	up := start(t, procman(t, "up", "--no-plugins", "-f", file))
	up.waitLine(t, "stubborn | ignoring")
	proctest.WaitIgnoring(t, waitPS(t, file, "stubborn", "running", func(p supervisor.ProcessStatus) bool { return p.PID != 0 }).PID, syscall.SIGTERM, 10*time.Second)
	up.signal(t, syscall.SIGINT)
	waitPS(t, file, "stubborn", "stopping", func(p supervisor.ProcessStatus) bool { return p.State == supervisor.Stopping })
	up.signal(t, syscall.SIGINT)
	up.wantEnd(t, 0, marker)
}

// TestUpProcfile runs a Procfile: when one process ends, foreman style,
// every other one stops.
func TestUpProcfile(t *testing.T) {
	marker := proctest.Marker(t)
	dir := t.TempDir()
	procfile := fmt.Sprintf("# foreman style\nsleeper: exec %s sleep %s\n\nonce: echo once $GREETING_FROM_SHELL; sleep 0.5 # %s\n", testchildBin, marker, marker)
	if err := os.WriteFile(filepath.Join(dir, "Procfile"), []byte(procfile), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := procman(t, "up", "--no-plugins")
	cmd.Dir = filepath.Join(dir)
	up := start(t, cmd)
	up.collect(t, func(l upLine) bool { return l.name == "once" && l.text == "once" })
	up.waitLineThat(t, "stopping everything", func(line string) bool { return strings.Contains(line, "stopping everything") })
	up.wantEnd(t, 0, marker)
}

// TestUpBadFile: every problem of a bad file is one line naming the file,
// the line and the field; procman up exits 2 and starts nothing.
func TestUpBadFile(t *testing.T) {
	marker := proctest.Marker(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "procman.yaml")
	yaml := fmt.Sprintf(`processes:
  a:
    command: [%[1]q, sleep, %[2]q]
    depends_on:
      b: {condition: process_started}
  b:
    command: [%[1]q, sleep, %[2]q]
    depends_on:
      a: {}
    readiness_probe:
      exec: {command: "true"}
      period_seconds: soon
  c:
    commnd: sleep
`, testchildBin, marker)
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, procman(t, "up", "--no-plugins", "-f", file))
	r.wantExit(t, 2)
	problems := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	for _, want := range []string{"cycle", "period_seconds", "commnd"} {
		if !slices.ContainsFunc(problems, func(p string) bool { return strings.HasPrefix(p, file+":") && strings.Contains(p, want) }) {
			t.Errorf("no line %s:LINE: ...%s...; stderr:\n%s", file, want, r.stderr)
		}
	}
	if pids := proctest.Find(marker); len(pids) > 0 {
		t.Errorf("processes started from a bad file: %v", pids)
	}
	// A process that cannot start is found before anything starts too.
	yaml = fmt.Sprintf("processes:\n  ok:\n    command: [%q, sleep, %q]\n  missing:\n    command: [no-such-program-%s]\n", testchildBin, marker, marker)
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	r = run(t, procman(t, "up", "--no-plugins", "-f", file))
	r.wantExit(t, 127)
	r.wantOneLine(t, "missing: ")
	if pids := proctest.Find(marker); len(pids) > 0 {
		t.Errorf("processes started beside one that cannot start: %v", pids)
	}
}

// TestUpControlSocketIsTheUsers: another user cannot reach the control
// socket of procman up, even knowing where it is.
func TestUpControlSocketIsTheUsers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run as another user")
	}
	marker := proctest.Marker(t)
	dir := t.TempDir()
	runtime := proctest.ShortTempDir(t)
	os.Chmod(runtime, 0o755)
	t.Setenv("XDG_RUNTIME_DIR", runtime)
	file := filepath.Join(dir, "procman.yaml")
	yaml := fmt.Sprintf("processes:\n  sleeper:\n    command: [%q, sleep, %q]\n", testchildBin, marker)
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	up := start(t, procman(t, "up", "--no-plugins", "-f", file))
	waitPS(t, file, "sleeper", "running", func(p supervisor.ProcessStatus) bool { return p.State == supervisor.Running })
	// Another user, even knowing the socket's path, cannot connect to it.
	sock := supervisor.SocketPath(file)
	if !strings.HasPrefix(sock, runtime) {
		t.Fatalf("socket %s not under XDG_RUNTIME_DIR %s", sock, runtime)
	}
	connect := "import socket, sys\ns = socket.socket(socket.AF_UNIX)\ntry:\n    s.connect(sys.argv[1])\nexcept PermissionError:\n    sys.exit(13)\ns.sendall(b'{\"op\": \"stop\", \"name\": \"sleeper\"}\\n')\nprint(s.recv(1000))\n"
	other := exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", connect, sock)
	if out, err := other.CombinedOutput(); other.ProcessState == nil || other.ProcessState.ExitCode() != 13 {
		t.Errorf("another user connected to the control socket: %v\n%s", err, out)
	}
	if p := ps(t, file)["sleeper"]; p.State != supervisor.Running {
		t.Errorf("sleeper after another user's try: %+v", p)
	}
	up.signal(t, syscall.SIGTERM)
	up.wantEnd(t, 0, marker)
}

// TestUpPluginsChoosePerWorkingDir: every process goes through the
// plugins, so each gets the Python its working_dir asks pyenv for.
func TestUpPluginsChoosePerWorkingDir(t *testing.T) {
	s := setupBuiltinPyenv(t)
	marker := proctest.Marker(t)
	root := fakePyenv(t, "9.8.7", "9.9.0")
	old, current := pyenvProject(t, "9.8\n"), pyenvProject(t, "9.9\n")
	file := filepath.Join(t.TempDir(), "procman.yaml")
	yaml := fmt.Sprintf(`environment:
  PYENV_ROOT: %q
  PATH: /usr/bin:/bin
processes:
  old:
    command: [python, --version, %[4]q]
    working_dir: %[2]q
  current:
    command: [python, --version, %[4]q]
    working_dir: %[3]q
`, root, old, current, marker)
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, s.procman(t, "up", "-f", file))
	r.wantExit(t, 0)
	for _, want := range []string{"old     | python 9.8.7 PYENV_VERSION=9.8.7", "current | python 9.9.0 PYENV_VERSION=9.9.0"} {
		if !slices.Contains(strings.Split(r.stdout, "\n"), want) {
			t.Errorf("no line %q in:\n%s\nstderr:\n%s", want, r.stdout, r.stderr)
		}
	}
}

// TestUpCtrlZSuspendsEverything: Ctrl-Z (SIGTSTP) stops procman up and
// every process with it, as a shell's job; SIGCONT (fg, bg) continues them
// all, the liveness probe's server keeping its pid.
func TestUpCtrlZSuspendsEverything(t *testing.T) {
	marker := proctest.Marker(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "server.py"), []byte(webServer), 0o644); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	file := filepath.Join(dir, "procman.yaml")
	yaml := fmt.Sprintf(`processes:
  web:
    command: ["/usr/bin/python3", "-u", "server.py", "%[1]d", %[2]q]
    liveness_probe:
      http_get: {port: %[1]d}
      initial_delay_seconds: 1 # python's start
      period_seconds: 0.05
      timeout_seconds: 0.1
      failure_threshold: 2
`, port, marker)
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	up := start(t, procman(t, "up", "--no-plugins", "-f", file))
	up.collect(t, func(l upLine) bool { return l.text == "request /" })
	pid := ps(t, file)["web"].PID
	up.signal(t, syscall.SIGTSTP)
	waitProcState(t, up.cmd.Process.Pid, 'T')
	waitProcState(t, pid, 'T')
	time.Sleep(500 * time.Millisecond) // ten periods of the probe
	up.signal(t, syscall.SIGCONT)
	waitProcState(t, pid, 'S')
	up.collect(t, func(l upLine) bool { return l.text == "request /" })
	if p := ps(t, file)["web"]; p.State != supervisor.Running || p.PID != pid {
		t.Errorf("after SIGCONT: %+v, want pid %d running", p, pid)
	}
	up.signal(t, syscall.SIGINT)
	up.wantEnd(t, 0, marker)
}

// waitProcState waits until the process pid is in state (R, S, T...).
func waitProcState(t *testing.T, pid int, state byte) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for proctest.State(pid) != state {
		if time.Now().After(deadline) {
			t.Fatalf("process %d is in state %c, never %c", pid, proctest.State(pid), state)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestUpNoPrefix: --no-prefix prints each line as the process wrote it;
// procman's own lines then name the process.
func TestUpNoPrefix(t *testing.T) {
	marker := proctest.Marker(t)
	file := filepath.Join(t.TempDir(), "procman.yaml")
	yaml := fmt.Sprintf("processes:\n  greeter:\n    command: [/bin/sh, -c, 'echo \"a | b\"', sh, %q]\n", marker)
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, procman(t, "up", "--no-plugins", "--no-prefix", "-f", file))
	r.wantExit(t, 0)
	if want := "a | b\nprocman: greeter: exited with status 0\n"; r.stdout != want {
		t.Errorf("stdout = %q, want %q", r.stdout, want)
	}
}
