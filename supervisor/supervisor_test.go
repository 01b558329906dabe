//go:build linux

package supervisor

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/internal/proctest"
	"github.com/procman-dev/procman/project"
)

// lockedBuffer collects the console's lines.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) lines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Split(strings.TrimSuffix(b.b.String(), "\n"), "\n")
}

// sh is a process running script with /bin/sh, marked with marker.
func sh(name, script, marker string) *project.Process {
	return &project.Process{
		Name:     name,
		Command:  []string{"/bin/sh", "-c", script, "sh", marker},
		Replicas: 1,
		Shutdown: project.Shutdown{Signal: syscall.SIGTERM, Timeout: 5 * time.Second},
		Availability: project.Availability{
			Backoff: 10 * time.Millisecond,
		},
	}
}

// supervise makes a Supervisor of procs on a Manager of its own, which the
// test's cleanup closes.
func supervise(t *testing.T, procs ...*project.Process) (*Supervisor, *lockedBuffer) {
	t.Helper()
	dir := t.TempDir()
	for _, p := range procs {
		if p.WorkingDir == "" {
			p.WorkingDir = dir
		}
	}
	m := host.New()
	t.Cleanup(func() { m.Close(context.Background()) })
	out := new(lockedBuffer)
	s, err := New(context.Background(), m, Config{
		Project:   &project.Project{Path: filepath.Join(dir, "procman.yaml"), Dir: dir, Processes: procs},
		Processes: procs,
		Env:       map[string]string{"PATH": os.Getenv("PATH")},
		Output:    out,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, out
}

// runAsync runs s, and returns what Run returns once it has.
func runAsync(s *Supervisor) <-chan *Failure {
	done := make(chan *Failure, 1)
	go func() { done <- s.Run(context.Background()) }()
	return done
}

// waitState waits until the process name is in state.
func waitState(t *testing.T, s *Supervisor, name string, state State) ProcessStatus {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		for _, p := range s.Processes() {
			if p.Name == name && p.State == state {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never %s: %+v", name, state, s.Processes())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func wantDone(t *testing.T, done <-chan *Failure) *Failure {
	t.Helper()
	select {
	case f := <-done:
		return f
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return")
		return nil
	}
}

func TestRestartPolicies(t *testing.T) {
	marker := proctest.Marker(t)
	fails := sh("fails", "echo run; exit 4", marker)
	fails.Restart, fails.MaxRestarts = project.RestartOnFailure, 3
	succeeds := sh("succeeds", "echo run", marker)
	succeeds.Restart = project.RestartOnFailure // exit 0: not restarted
	always := sh("always", "echo run", marker)
	always.Restart, always.MaxRestarts = project.RestartAlways, 2
	never := sh("never", "echo run; exit 5", marker)

	s, out := supervise(t, fails, succeeds, always, never)
	f := wantDone(t, runAsync(s))
	runs := map[string]int{}
	for _, line := range out.lines() {
		name, text, _ := strings.Cut(line, " | ")
		if text == "run" {
			runs[strings.TrimSpace(name)]++
		}
	}
	want := map[string]int{"fails": 4, "succeeds": 1, "always": 3, "never": 1}
	if fmt.Sprint(runs) != fmt.Sprint(want) {
		t.Errorf("runs = %v, want %v; output:\n%s", runs, want, strings.Join(out.lines(), "\n"))
	}
	states := map[string]State{}
	for _, p := range s.Processes() {
		states[p.Name] = p.State
	}
	wantStates := map[string]State{"fails": Failed, "succeeds": Completed, "always": Completed, "never": Failed}
	if fmt.Sprint(states) != fmt.Sprint(wantStates) {
		t.Errorf("states = %v, want %v", states, wantStates)
	}
	// The first to fail for good: fails's three restarts take longer than
	// never's one run.
	if f == nil || f.Name != "never" || f.Status.ExitCode != 5 {
		t.Errorf("failure = %+v, want never's status 5", f)
	}
}

func TestDependencyConditions(t *testing.T) {
	marker := proctest.Marker(t)
	job := sh("job", "echo job", marker)
	broken := sh("broken", "exit 1", marker)
	afterJob := sh("after-job", "echo after job", marker)
	afterJob.DependsOn = []project.Dependency{{Name: "job", Condition: project.ProcessCompletedSuccessfully}}
	afterBroken := sh("after-broken", "echo after broken", marker)
	afterBroken.DependsOn = []project.Dependency{{Name: "broken", Condition: project.ProcessCompletedSuccessfully}}
	anyway := sh("anyway", "echo anyway", marker)
	anyway.DependsOn = []project.Dependency{{Name: "broken", Condition: project.ProcessCompleted}}

	s, out := supervise(t, job, broken, afterJob, afterBroken, anyway)
	wantDone(t, runAsync(s))
	lines := out.lines()
	if i, j := slices.Index(lines, "job          | job"), slices.Index(lines, "after-job    | after job"); i < 0 || j < i {
		t.Errorf("after-job did not run after job:\n%s", strings.Join(lines, "\n"))
	}
	if !slices.Contains(lines, "anyway       | anyway") {
		t.Errorf("anyway did not run once broken completed:\n%s", strings.Join(lines, "\n"))
	}
	for _, p := range s.Processes() {
		if p.Name == "after-broken" && (p.State != Skipped || !strings.Contains(p.Reason, "broken is failed")) {
			t.Errorf("after-broken = %+v, want skipped, saying why", p)
		}
	}
}

func TestShutdownStopsInReverseOrder(t *testing.T) {
	marker := proctest.Marker(t)
	dir := t.TempDir()
	log := filepath.Join(dir, "order")
	// Each writes its name to the log when it gets SIGTERM.
	script := func(name string) string {
		return fmt.Sprintf("trap 'echo %s >> %s; exit 0' TERM; echo up; while :; do sleep 0.05; done", name, log)
	}
	db := sh("db", script("db"), marker)
	api := sh("api", script("api"), marker)
	api.DependsOn = []project.Dependency{{Name: "db"}}
	web := sh("web", script("web"), marker)
	web.DependsOn = []project.Dependency{{Name: "api"}}
	s, _ := supervise(t, db, api, web)
	done := runAsync(s)
	waitState(t, s, "web", Running)
	time.Sleep(100 * time.Millisecond) // the traps are set
	s.Shutdown()
	if f := wantDone(t, done); f != nil {
		t.Errorf("failure %+v after a shutdown", f)
	}
	data, _ := os.ReadFile(log)
	if got := strings.Fields(string(data)); !slices.Equal(got, []string{"web", "api", "db"}) {
		t.Errorf("stopped in the order %v, want web, api, db", got)
	}
}

func TestCommands(t *testing.T) {
	marker := proctest.Marker(t)
	server := sh("server", "echo started; exec sleep 600", marker)
	// exec sleep loses the marker: the Manager's Close in the cleanup
	// proves the sleep gone, and the marked sh before it.
	s, out := supervise(t, server)
	done := runAsync(s)
	first := waitState(t, s, "server", Running)

	if err := s.Stop("server"); err != nil {
		t.Fatal(err)
	}
	waitState(t, s, "server", Stopped)
	if syscall.Kill(first.PID, 0) == nil {
		t.Errorf("pid %d runs after Stop", first.PID)
	}
	if err := s.Start("server"); err != nil {
		t.Fatal(err)
	}
	second := waitState(t, s, "server", Running)
	if err := s.Restart("server"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		p := s.Processes()[0]
		if p.State == Running && p.PID != second.PID && p.PID != 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not restarted: %+v", p)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := s.Stop("nosuch"); err == nil {
		t.Error("Stop of an unknown process: no error")
	}
	if p := s.Processes()[0]; p.Restarts != 0 {
		t.Errorf("restarts asked for counted: %+v", p)
	}

	// Logs: the three runs' lines, and a follower sees the next.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	lines := make(chan string, 10)
	go s.Logs(ctx, "server", true, func(line string) error { lines <- line; return nil })
	for range 3 {
		if line := <-lines; line != "started" {
			t.Errorf("logs: %q", line)
		}
	}
	s.Restart("server")
	select {
	case line := <-lines:
		if line != "procman: restarting (ended by signal SIGTERM)" && line != "started" {
			t.Errorf("followed line %q", line)
		}
	case <-time.After(10 * time.Second):
		t.Errorf("no line followed; output:\n%s", strings.Join(out.lines(), "\n"))
	}
	s.Shutdown()
	wantDone(t, done)
}

func TestLivenessProbeRestarts(t *testing.T) {
	marker := proctest.Marker(t)
	dir := t.TempDir()
	alive := filepath.Join(dir, "alive")
	// Alive while the file exists: the probe fails once it is removed.
	p := sh("svc", fmt.Sprintf("touch %s; echo up; while :; do sleep 0.05; done", alive), marker)
	p.Restart, p.MaxRestarts = project.RestartOnFailure, 1
	p.Liveness = &project.Probe{
		Exec:             &project.ExecProbe{Command: []string{"/bin/test", "-e", alive}},
		Period:           20 * time.Millisecond,
		Timeout:          time.Second,
		SuccessThreshold: 1,
		FailureThreshold: 2,
	}
	s, out := supervise(t, p)
	done := runAsync(s)
	first := waitState(t, s, "svc", Running)
	time.Sleep(100 * time.Millisecond)
	os.Remove(alive)
	deadline := time.Now().Add(10 * time.Second)
	for {
		st := s.Processes()[0]
		if st.Restarts == 1 && st.State == Running && st.PID != first.PID {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not restarted after the liveness probe failed: %+v\n%s", st, strings.Join(out.lines(), "\n"))
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !slices.ContainsFunc(out.lines(), func(l string) bool { return strings.Contains(l, "liveness probe failed") }) {
		t.Errorf("no line says the liveness probe failed:\n%s", strings.Join(out.lines(), "\n"))
	}
	s.Shutdown()
	wantDone(t, done)
}

func TestExitOnEnd(t *testing.T) {
	marker := proctest.Marker(t)
	server := sh("server", "echo up; while :; do sleep 0.05; done", marker)
	task := sh("task", "sleep 0.2", marker)
	task.ExitOnEnd = true
	s, out := supervise(t, server, task)
	if f := wantDone(t, runAsync(s)); f != nil {
		t.Errorf("failure %+v", f)
	}
	if !slices.ContainsFunc(out.lines(), func(l string) bool { return strings.Contains(l, "stopping everything: task ended") }) {
		t.Errorf("output:\n%s", strings.Join(out.lines(), "\n"))
	}
}

func TestOutputLines(t *testing.T) {
	c := &console{prefix: true, width: 3}
	var b lockedBuffer
	c.out = &b
	o := &output{name: "a", console: c, ring: newRing()}
	o.Write([]byte("one\ntw"))
	o.Write([]byte("o\nthree"))
	o.flush()
	long := strings.Repeat("x", maxLine+10)
	o.Write([]byte(long))
	o.flush()
	want := []string{"a   | one", "a   | two", "a   | three", "a   | " + long[:maxLine], "a   | " + long[maxLine:]}
	if got := b.lines(); !slices.Equal(got, want) {
		t.Errorf("console lines = %q...", got)
	}
	// The ring keeps the last logLines.
	for n := range logLines + 5 {
		o.Write(fmt.Appendf(nil, "%d\n", n))
	}
	lines, next, _ := o.ring.since(0)
	if len(lines) != logLines || lines[0] != "5\n" || next != logLines+10 {
		t.Errorf("ring: %d lines from %q, next %d", len(lines), lines[0], next)
	}
	if more, _, _ := o.ring.since(next - 1); !slices.Equal(more, []string{fmt.Sprintf("%d\n", logLines+4)}) {
		t.Errorf("since(next-1) = %q", more)
	}
}

func TestReplicasEnvironmentAndLogFiles(t *testing.T) {
	marker := proctest.Marker(t)
	dir := t.TempDir()
	envFile := filepath.Join(dir, "app.env")
	os.WriteFile(envFile, []byte("FROM_FILE=file\nOVERRIDDEN=file\n"), 0o644)
	p := sh("app", `echo "$PROCMAN_REPLICA $FROM_TOP $FROM_FILE $OVERRIDDEN"; printf partial`, marker)
	p.Replicas = 2
	p.EnvFile = envFile
	p.Environment = []string{"OVERRIDDEN=own"}
	p.LogLocation = filepath.Join(dir, "app.log")

	m := host.New()
	t.Cleanup(func() { m.Close(context.Background()) })
	out := new(lockedBuffer)
	proj := &project.Project{Path: filepath.Join(dir, "procman.yaml"), Dir: dir, Processes: []*project.Process{p},
		Environment: []string{"FROM_TOP=top", "OVERRIDDEN=top"}, LogLocation: filepath.Join(dir, "all.log")}
	p.WorkingDir = dir
	s, err := New(context.Background(), m, Config{Project: proj, Processes: proj.Processes, Env: map[string]string{"PATH": os.Getenv("PATH")}, Output: out, Color: true})
	if err != nil {
		t.Fatal(err)
	}
	wantDone(t, runAsync(s))

	for n := 1; n <= 2; n++ {
		name := fmt.Sprintf("app-%d", n)
		prefix := colors[(n-1)%len(colors)] + name + " | \x1b[0m"
		for _, want := range []string{fmt.Sprintf("%d top file own", n), "partial"} {
			if !slices.Contains(out.lines(), prefix+want) {
				t.Errorf("no line %q on the console:\n%q", prefix+want, out.lines())
			}
		}
		data, err := os.ReadFile(fmt.Sprintf("%s.%d", p.LogLocation, n))
		if want := fmt.Sprintf("%d top file own\npartial", n); err != nil || string(data) != want {
			t.Errorf("%s's log file = %q, %v; want %q, unprefixed", name, data, err, want)
		}
	}
	all, _ := os.ReadFile(proj.LogLocation)
	if !strings.Contains(string(all), "app-1 | 1 top file own\n") || strings.Contains(string(all), "\x1b") {
		t.Errorf("the project's log file, prefixed and without colours:\n%s", all)
	}
}

// TestSuspendHoldsProbes: while suspended, the processes are stopped and
// a liveness probe that a stopped process would fail is not run; Resume
// continues them.
func TestSuspendHoldsProbes(t *testing.T) {
	marker := proctest.Marker(t)
	dir := t.TempDir()
	beat, seen := filepath.Join(dir, "beat"), filepath.Join(dir, "seen")
	// The process counts in beat every 5ms; the probe fails when the count
	// has not changed since its last run: when the process is stopped.
	p := sh("svc", fmt.Sprintf("n=0; while :; do n=$((n+1)); echo $n > %s; sleep 0.005; done", beat), marker)
	p.Liveness = &project.Probe{
		Exec: &project.ExecProbe{Command: []string{"/bin/sh", "-c",
			fmt.Sprintf(`n=$(cat %[1]s); old=$(cat %[2]s 2>/dev/null); echo "$n" > %[2]s; [ "$n" != "$old" ]`, beat, seen)}},
		InitialDelay:     50 * time.Millisecond,
		Period:           30 * time.Millisecond,
		Timeout:          time.Second,
		SuccessThreshold: 1,
		FailureThreshold: 3,
	}
	s, out := supervise(t, p)
	done := runAsync(s)
	first := waitState(t, s, "svc", Running)
	time.Sleep(200 * time.Millisecond) // the probe passes
	s.Suspend()
	if err := waitStopped(first.PID); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // fifty periods of a probe that would fail
	s.Resume()
	time.Sleep(200 * time.Millisecond)
	if st := s.Processes()[0]; st.State != Running || st.PID != first.PID {
		t.Errorf("after a suspension: %+v, want pid %d running\n%s", st, first.PID, strings.Join(out.lines(), "\n"))
	}
	s.Shutdown()
	wantDone(t, done)
}

// waitStopped waits until the process pid is stopped (state T).
func waitStopped(pid int) error {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if proctest.State(pid) == 'T' {
			return nil
		}
	}
	return fmt.Errorf("process %d never stopped", pid)
}
