package project

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"
)

// writeFile writes content to the file name of dir, making the
// directories it is in, and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// load writes content to a procman.yaml of a new directory and loads it.
func load(t *testing.T, content string) (*Project, error) {
	t.Helper()
	return Load(writeFile(t, t.TempDir(), "procman.yaml", content))
}

// mustLoad is load for a file that must have no problem.
func mustLoad(t *testing.T, content string) *Project {
	t.Helper()
	proj, err := load(t, content)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return proj
}

// problemLines returns the lines of err, a *FileError, as its problems
// write them, checking they name file.
func problemLines(t *testing.T, err error, file string) []string {
	t.Helper()
	var fileErr *FileError
	if !errors.As(err, &fileErr) {
		t.Fatalf("Load: %v; want a *FileError", err)
	}
	var lines []string
	for _, p := range fileErr.Problems {
		if p.File != file {
			t.Errorf("problem %q names file %q; want %q", p.Error(), p.File, file)
		}
		lines = append(lines, p.Error())
	}
	return lines
}

// inFile returns the problem lines of file that want gives without the
// file's name: "LINE: FIELD: MESSAGE", or "FIELD: MESSAGE" for a problem
// without line. DIR in want stands for the file's directory.
// wantProblems loads the file at path and fails the test unless it is
// refused with exactly the problems want (as inFile takes them), which
// its error also says, one a line.
func wantProblems(t *testing.T, path string, want []string) {
	t.Helper()
	proj, err := Load(path)
	if proj != nil {
		t.Errorf("Load returned a project with its error")
	}
	got, want := problemLines(t, err, path), inFile(path, want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if err != nil && err.Error() != strings.Join(want, "\n") {
		t.Errorf("Error():\n%s\nwant the problems, one a line", err)
	}
}

// fromDir is path as a project file in dir means it: absolute as it is,
// relative to dir otherwise (on Windows, "/srv" is relative).
func fromDir(dir, path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(dir, path)
}

// notFound is this system's message for a file that does not exist.
var notFound = func() string {
	_, err := os.Open(filepath.Join(os.TempDir(), "procman-project-test-no-such-file"))
	return errors.Unwrap(err).Error()
}()

func inFile(file string, want []string) []string {
	lines := make([]string, len(want))
	for i, w := range want {
		w = strings.ReplaceAll(w, "DIR", filepath.Dir(file))
		w = strings.ReplaceAll(w, "NOTFOUND", notFound)
		if w[0] >= '0' && w[0] <= '9' {
			lines[i] = file + ":" + w
		} else {
			lines[i] = file + ": " + w
		}
	}
	return lines
}

// sigtermIn10s is the shutdown section of a process without one.
var sigtermIn10s = Shutdown{Signal: syscall.SIGTERM, Timeout: 10 * time.Second}

// TestLoadEveryField loads a file setting every field procman knows, and
// compares the whole Project with the one it describes.
func TestLoadEveryField(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "store.env", "STORE_MODE=dev\n")
	path := writeFile(t, dir, "procman.yaml", `version: "0.5"
environment:
  GREETING: hello
  PORT: 8080
log_location: logs/all.log
processes:
  web:
    description: the site
    command: exec ./web --port "$PORT"
    working_dir: site
    environment:
      - MODE=web
      - EMPTY=
    depends_on:
      store:
        condition: process_healthy
      migrate:
        condition: process_completed_successfully
    readiness_probe:
      http_get:
        scheme: https
        host: localhost
        port: 8443
        path: /health
      initial_delay_seconds: 3
      period_seconds: 0.5
      timeout_seconds: 2s
      success_threshold: 2
      failure_threshold: 5
    liveness_probe:
      exec:
        command: [curl, -f, "http://localhost:8443/"]
        working_dir: /srv
    availability:
      restart: on_failure
      backoff_seconds: 500ms
      max_restarts: 5
      exit_on_end: true
    shutdown:
      signal: SIGINT
      timeout_seconds: 2.5
    replicas: 3
    disabled: false
    is_daemon: false
    x-owner: team web
  store:
    command: [store-server, --data, ./data]
    env_file: store.env
    log_location: /var/log/store.log
    is_daemon: true
    readiness_probe:
      tcp_socket:
        port: 5432
  migrate:
    command: ./migrate
    depends_on:
      store:
    liveness_probe:
      exec:
        command: test -f ready
    availability:
      restart: no
    shutdown:
      timeout_seconds: 0
  cron:
    command: ./cron
    disabled: true
    depends_on:
      store: {condition: process_completed}
    availability:
      restart: always
`)
	proj, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	cron := &Process{
		Name:         "cron",
		Line:         65,
		Command:      []string{"/bin/sh", "-c", "./cron"},
		WorkingDir:   dir,
		DependsOn:    []Dependency{{Name: "store", Condition: ProcessCompleted}},
		Availability: Availability{Restart: RestartAlways, Backoff: time.Second},
		Shutdown:     sigtermIn10s,
		Disabled:     true,
		Replicas:     1,
	}
	store := &Process{
		Name:        "store",
		Line:        46,
		Command:     []string{"store-server", "--data", "./data"},
		WorkingDir:  dir,
		EnvFile:     filepath.Join(dir, "store.env"),
		LogLocation: fromDir(dir, "/var/log/store.log"),
		Readiness: &Probe{
			TCP:              &TCPProbe{Host: "127.0.0.1", Port: 5432},
			Period:           10 * time.Second,
			Timeout:          time.Second,
			SuccessThreshold: 1,
			FailureThreshold: 3,
		},
		Availability: Availability{Backoff: time.Second},
		Shutdown:     sigtermIn10s,
		Replicas:     1,
	}
	migrate := &Process{
		Name:       "migrate",
		Line:       54,
		Command:    []string{"/bin/sh", "-c", "./migrate"},
		WorkingDir: dir,
		DependsOn:  []Dependency{{Name: "store", Condition: ProcessStarted}},
		Liveness: &Probe{
			Exec:             &ExecProbe{Command: []string{"/bin/sh", "-c", "test -f ready"}},
			Period:           10 * time.Second,
			Timeout:          time.Second,
			SuccessThreshold: 1,
			FailureThreshold: 3,
		},
		Availability: Availability{Restart: RestartNo, Backoff: time.Second},
		Shutdown:     Shutdown{Signal: syscall.SIGTERM, Timeout: 0},
		Replicas:     1,
	}
	web := &Process{
		Name:        "web",
		Line:        7,
		Description: "the site",
		Command:     []string{"/bin/sh", "-c", `exec ./web --port "$PORT"`},
		WorkingDir:  filepath.Join(dir, "site"),
		Environment: []string{"MODE=web", "EMPTY="},
		DependsOn: []Dependency{
			{Name: "store", Condition: ProcessHealthy},
			{Name: "migrate", Condition: ProcessCompletedSuccessfully},
		},
		Readiness: &Probe{
			HTTPGet:          &HTTPGetProbe{Scheme: "https", Host: "localhost", Port: 8443, Path: "/health"},
			InitialDelay:     3 * time.Second,
			Period:           500 * time.Millisecond,
			Timeout:          2 * time.Second,
			SuccessThreshold: 2,
			FailureThreshold: 5,
		},
		Liveness: &Probe{
			Exec:             &ExecProbe{Command: []string{"curl", "-f", "http://localhost:8443/"}, WorkingDir: fromDir(dir, "/srv")},
			Period:           10 * time.Second,
			Timeout:          time.Second,
			SuccessThreshold: 1,
			FailureThreshold: 3,
		},
		Availability: Availability{Restart: RestartOnFailure, Backoff: 500 * time.Millisecond, MaxRestarts: 5, ExitOnEnd: true},
		Shutdown:     Shutdown{Signal: syscall.SIGINT, Timeout: 2500 * time.Millisecond},
		Replicas:     3,
	}
	want := &Project{
		Path:        path,
		Dir:         dir,
		Environment: []string{"GREETING=hello", "PORT=8080"},
		LogLocation: filepath.Join(dir, "logs", "all.log"),
		// store is ready first; then cron and migrate, cron first by
		// name; then web, after both store and migrate.
		Processes: []*Process{store, cron, migrate, web},
	}
	if !reflect.DeepEqual(proj, want) {
		t.Errorf("Load:\n%s\nwant:\n%s", dump(proj), dump(want))
	}
}

// dump writes proj out whole, its processes included, for a failure's
// message.
func dump(proj *Project) string {
	var b strings.Builder
	p := *proj
	p.Processes = nil
	b.WriteString(strings.ReplaceAll(strings.TrimSpace(fmt.Sprintf("%+v", p)), "\n", " "))
	for _, proc := range proj.Processes {
		b.WriteString("\n  " + fmt.Sprintf("%+v", *proc))
		for _, probe := range []*Probe{proc.Readiness, proc.Liveness} {
			if probe != nil {
				b.WriteString("\n    probe " + fmt.Sprintf("%+v exec %+v http %+v tcp %+v", *probe, probe.Exec, probe.HTTPGet, probe.TCP))
			}
		}
	}
	return b.String()
}

// TestLoadProcessComposeFile loads a file as process-compose's users
// write theirs: environment as a list, depends_on with conditions,
// availability, a numeric shutdown signal.
func TestLoadProcessComposeFile(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "procman.yml", `version: "0.5"
log_location: ./pc.log
environment:
  - "GLOBAL=1"
processes:
  db:
    command: "postgres -D data"
    is_daemon: false
    readiness_probe:
      exec:
        command: "pg_isready"
      initial_delay_seconds: 2
      period_seconds: 5
  api:
    command: "./api --port 8080"
    working_dir: "./api"
    environment:
      - "PORT=8080"
      - "DB_URL=postgres://localhost/db?sslmode=disable"
    depends_on:
      db:
        condition: process_healthy
    availability:
      restart: "on_failure"
      backoff_seconds: 2
      max_restarts: 3
    shutdown:
      signal: 15
      timeout_seconds: 5
`)
	proj, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := &Project{
		Path:        path,
		Dir:         dir,
		Environment: []string{"GLOBAL=1"},
		LogLocation: filepath.Join(dir, "pc.log"),
		Processes: []*Process{
			{
				Name:       "db",
				Line:       6,
				Command:    []string{"/bin/sh", "-c", "postgres -D data"},
				WorkingDir: dir,
				Readiness: &Probe{
					Exec:             &ExecProbe{Command: []string{"/bin/sh", "-c", "pg_isready"}},
					InitialDelay:     2 * time.Second,
					Period:           5 * time.Second,
					Timeout:          time.Second,
					SuccessThreshold: 1,
					FailureThreshold: 3,
				},
				Availability: Availability{Backoff: time.Second},
				Shutdown:     sigtermIn10s,
				Replicas:     1,
			},
			{
				Name:         "api",
				Line:         14,
				Command:      []string{"/bin/sh", "-c", "./api --port 8080"},
				WorkingDir:   filepath.Join(dir, "api"),
				Environment:  []string{"PORT=8080", "DB_URL=postgres://localhost/db?sslmode=disable"},
				DependsOn:    []Dependency{{Name: "db", Condition: ProcessHealthy}},
				Availability: Availability{Restart: RestartOnFailure, Backoff: 2 * time.Second, MaxRestarts: 3},
				Shutdown:     Shutdown{Signal: syscall.SIGTERM, Timeout: 5 * time.Second},
				Replicas:     1,
			},
		},
	}
	if !reflect.DeepEqual(proj, want) {
		t.Errorf("Load:\n%s\nwant:\n%s", dump(proj), dump(want))
	}
}

// TestLoadAnchors: YAML anchors, aliases and merge keys work as in any
// YAML file, a process's own keys overriding merged ones; x- keys, where
// process-compose's users keep their anchors, are no problem.
func TestLoadAnchors(t *testing.T) {
	proj := mustLoad(t, `x-defaults: &defaults
  availability:
    restart: always
  shutdown: {signal: SIGINT}
processes:
  a:
    <<: *defaults
    command: a
  b:
    <<: *defaults
    command: b
    shutdown: {signal: SIGQUIT}
  c:
    command: c
    x-note: &restart {restart: on_failure}
    availability: *restart
  d:
    <<: [*defaults, {shutdown: {signal: SIGHUP}, command: d}]
    disabled: true
`)
	got := map[string]string{}
	for _, p := range proj.Processes {
		got[p.Name] = p.Restart.String() + " " + p.Shutdown.Signal.String()
	}
	want := map[string]string{
		"a": "always " + syscall.SIGINT.String(),
		"b": "always " + syscall.SIGQUIT.String(),
		"c": "on_failure " + syscall.SIGTERM.String(),
		"d": "always " + syscall.SIGINT.String(),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("restart and signal by process: %v; want %v", got, want)
	}
}

// TestLoadValues loads each way of writing a duration, a signal and a
// restart policy.
func TestLoadValues(t *testing.T) {
	tests := []struct {
		field, value string // a field of the process and its value
		get          func(p *Process) any
		want         any
	}{
		{"backoff_seconds", "2", backoff, 2 * time.Second},
		{"backoff_seconds", "0.25", backoff, 250 * time.Millisecond},
		{"backoff_seconds", "0", backoff, time.Duration(0)},
		{"backoff_seconds", `"3"`, backoff, 3 * time.Second},
		{"backoff_seconds", "500ms", backoff, 500 * time.Millisecond},
		{"backoff_seconds", "1m30s", backoff, 90 * time.Second},
		{"restart", "no", restart, RestartNo},
		{"restart", `"no"`, restart, RestartNo},
		{"restart", "false", restart, RestartNo},
		{"restart", "on_failure", restart, RestartOnFailure},
		{"restart", "always", restart, RestartAlways},
		{"signal", "SIGTERM", signal, syscall.SIGTERM},
		{"signal", "TERM", signal, syscall.SIGTERM},
		{"signal", "sigint", signal, syscall.SIGINT},
		{"signal", "Kill", signal, syscall.SIGKILL},
		{"signal", "9", signal, syscall.Signal(9)},
		{"signal", `"15"`, signal, syscall.Signal(15)},
		{"signal", "64", signal, syscall.Signal(64)},
	}
	for _, tt := range tests {
		t.Run(tt.field+"="+tt.value, func(t *testing.T) {
			section := "availability"
			if tt.field == "signal" {
				section = "shutdown"
			}
			proj := mustLoad(t, "processes:\n  p:\n    command: x\n    "+section+":\n      "+tt.field+": "+tt.value+"\n")
			if got := tt.get(proj.Processes[0]); got != tt.want {
				t.Errorf("%s: %v; want %v", tt.field, got, tt.want)
			}
		})
	}
}

func backoff(p *Process) any { return p.Backoff }
func restart(p *Process) any { return p.Restart }
func signal(p *Process) any  { return p.Shutdown.Signal }

// TestLoadBadFile loads files with problems, checking every line of the
// error.
func TestLoadBadFile(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    []string // LINE: FIELD: MESSAGE, in order
	}{
		{
			name:    "unknown key",
			content: "processes:\n  web:\n    command: x\n    colour: red\n",
			want:    []string{`4: processes.web: unknown field "colour"`},
		},
		{
			name:    "unknown top-level key",
			content: "proceses:\n  web:\n    command: x\n",
			want:    []string{`1: unknown field "proceses"`, `1: processes: required`},
		},
		{
			name: "unknown key in a section",
			content: `processes:
  web:
    command: x
    readiness_probe:
      exec: {command: x, user: root}
      period: 2
    depends_on:
      db: {condition: process_started, required: true}
  db:
    command: x
`,
			want: []string{
				`5: processes.web.readiness_probe.exec: unknown field "user"`,
				`6: processes.web.readiness_probe: unknown field "period"`,
				`8: processes.web.depends_on.db: unknown field "required"`,
			},
		},
		{
			name: "process-compose fields",
			content: `shell:
  shell_command: bash
processes:
  web:
    command: x
    namespace: site
    ready_log_line: ready
    availability:
      exit_on_skipped: true
    shutdown:
      command: ./stop
    readiness_probe:
      http_get: {port: 80, method: HEAD}
`,
			want: []string{
				`1: "shell" is a process-compose field procman up does not support`,
				`6: processes.web: "namespace" is a process-compose field procman up does not support`,
				`7: processes.web: "ready_log_line" is a process-compose field procman up does not support`,
				`9: processes.web.availability: "exit_on_skipped" is a process-compose field procman up does not support`,
				`11: processes.web.shutdown: "command" is a process-compose field procman up does not support`,
				`13: processes.web.readiness_probe.http_get: "method" is a process-compose field procman up does not support`,
			},
		},
		{
			name: "duplicate keys",
			content: `processes:
  web:
    command: x
    description: site
    command: y
  db:
    command: x
  web:
    command: z
`,
			want: []string{
				`5: processes.web: duplicate key "command" (first at line 3)`,
				`8: processes: duplicate key "web" (first at line 2)`,
			},
		},
		{
			name: "dependency cycle",
			content: `processes:
  a:
    command: x
    depends_on: {b: {}}
  b:
    command: x
    depends_on: {c: {}}
  c:
    command: x
    depends_on:
      d:
      a:
  d:
    command: x
`,
			want: []string{`12: processes.c.depends_on: dependency cycle c -> a -> b -> c`},
		},
		{
			name:    "unknown dependency",
			content: "processes:\n  web:\n    command: x\n    depends_on:\n      db:\n        condition: process_started\n",
			want:    []string{`5: processes.web.depends_on: unknown process "db"`},
		},
		{
			name:    "self-dependency",
			content: "processes:\n  web:\n    command: x\n    depends_on:\n      web:\n",
			want:    []string{`5: processes.web.depends_on: "web" depends on itself`},
		},
		{
			name: "process_healthy without readiness probe",
			content: `processes:
  web:
    command: x
    depends_on:
      db:
        condition: process_healthy
  db:
    command: x
    liveness_probe:
      tcp_socket: {port: 5432}
`,
			want: []string{`5: processes.web.depends_on: "db" has no readiness_probe, which process_healthy needs`},
		},
		{
			name: "bad durations",
			content: `processes:
  web:
    command: x
    readiness_probe:
      exec: {command: x}
      period_seconds: fast
      timeout_seconds: 0
      initial_delay_seconds: -1
    availability:
      backoff_seconds: [1]
    shutdown:
      timeout_seconds: "-2s"
`,
			want: []string{
				`6: processes.web.readiness_probe.period_seconds: bad duration "fast": want seconds (2, 0.5) or a duration (500ms)`,
				`7: processes.web.readiness_probe.timeout_seconds: want a duration of more than 0, got "0"`,
				`8: processes.web.readiness_probe.initial_delay_seconds: want a duration of 0 or more, got "-1"`,
				`10: processes.web.availability.backoff_seconds: want a duration, got a list`,
				`12: processes.web.shutdown.timeout_seconds: want a duration of 0 or more, got "-2s"`,
			},
		},
		{
			name: "bad signals",
			content: `processes:
  a:
    command: x
    shutdown: {signal: SIGFOO}
  b:
    command: x
    shutdown: {signal: 0}
  c:
    command: x
    shutdown: {signal: 65}
`,
			want: []string{
				`4: processes.a.shutdown.signal: bad signal "SIGFOO": want a number from 1 to 64 or a name (SIGTERM, TERM)`,
				`7: processes.b.shutdown.signal: bad signal "0": want a number from 1 to 64 or a name (SIGTERM, TERM)`,
				`10: processes.c.shutdown.signal: bad signal "65": want a number from 1 to 64 or a name (SIGTERM, TERM)`,
			},
		},
		{
			name: "bad restart",
			content: `processes:
  a:
    command: x
    availability: {restart: sometimes}
  b:
    command: x
    availability: {restart: true}
`,
			want: []string{
				`4: processes.a.availability.restart: bad restart "sometimes": want no, on_failure or always`,
				`7: processes.b.availability.restart: bad restart "true": want no, on_failure or always`,
			},
		},
		{
			name: "bad condition",
			content: `processes:
  web:
    command: x
    depends_on:
      db: {condition: process_log_ready}
  db:
    command: x
`,
			want: []string{`5: processes.web.depends_on.db.condition: bad condition "process_log_ready": want process_started, process_healthy, process_completed_successfully or process_completed`},
		},
		{
			name: "probe of two kinds and probe of none",
			content: `processes:
  web:
    command: x
    readiness_probe:
      exec: {command: x}
      tcp_socket: {port: 80}
    liveness_probe:
      period_seconds: 2
`,
			want: []string{
				`4: processes.web.readiness_probe: exec and tcp_socket: want only one of exec, http_get and tcp_socket`,
				`7: processes.web.liveness_probe: want one of exec, http_get and tcp_socket`,
			},
		},
		{
			name: "bad ports",
			content: `processes:
  web:
    command: x
    readiness_probe:
      http_get: {port: 0}
    liveness_probe:
      tcp_socket: {port: 70000}
  db:
    command: x
    readiness_probe:
      tcp_socket:
        host: localhost
  cache:
    command: x
    readiness_probe:
      http_get: {port: http}
`,
			want: []string{
				`5: processes.web.readiness_probe.http_get.port: want a port from 1 to 65535, got 0`,
				`7: processes.web.liveness_probe.tcp_socket.port: want a port from 1 to 65535, got 70000`,
				`11: processes.db.readiness_probe.tcp_socket.port: required`,
				`16: processes.cache.readiness_probe.http_get.port: want an integer, got "http"`,
			},
		},
		{
			name: "empty commands",
			content: `processes:
  a:
    command: ""
  b:
    command: []
  c:
    description: no command
  d:
    command: ["", x]
  e:
    command: {program: x}
`,
			want: []string{
				`3: processes.a.command: empty: want a command`,
				`5: processes.b.command: empty: want a program and its arguments`,
				`6: processes.c.command: required`,
				`9: processes.d.command: the program's name is empty`,
				`11: processes.e.command: want a command or a list of a program and its arguments, got a mapping`,
			},
		},
		{
			name: "bad environment",
			content: `environment:
  - A B=1
processes:
  web:
    command: x
    environment:
      - GOOD=1
      - JUSTAKEY
      - {KEY: value}
  db:
    command: x
    environment:
      "": empty
      NUL: "a\0b"
  cache:
    command: x
    environment: PATH=/bin
`,
			want: []string{
				`2: environment: key "A B" contains white space`,
				`8: processes.web.environment: "JUSTAKEY" has no '=': want KEY=VALUE`,
				`9: processes.web.environment: want KEY=VALUE, got a mapping`,
				`13: processes.db.environment: a key is empty`,
				`14: processes.db.environment: value of "NUL" contains a NUL byte`,
				`17: processes.cache.environment: want a list of KEY=VALUE or a mapping, got "PATH=/bin"`,
			},
		},
		{
			name: "bad env_file",
			content: `processes:
  web:
    command: x
    env_file: missing.env
  db:
    command: x
    env_file: .
`,
			want: []string{
				`4: processes.web.env_file: DIR` + string(filepath.Separator) + `missing.env: NOTFOUND`,
				`7: processes.db.env_file: DIR is not a regular file`,
			},
		},
		{
			name: "bad process names",
			content: `processes:
  my web:
    command: x
  -web:
    command: x
  web/2:
    command: x
`,
			want: []string{
				`2: processes: bad process name "my web": want letters, digits, '_', '.' and '-', starting with a letter or digit`,
				`4: processes: bad process name "-web": want letters, digits, '_', '.' and '-', starting with a letter or digit`,
				`6: processes: bad process name "web/2": want letters, digits, '_', '.' and '-', starting with a letter or digit`,
			},
		},
		{
			name: "bad counts",
			content: `processes:
  web:
    command: x
    replicas: 0
    availability: {max_restarts: -1}
    readiness_probe:
      exec: {command: x}
      success_threshold: 0
      failure_threshold: 1.5
`,
			want: []string{
				`4: processes.web.replicas: want 1 or more, got 0`,
				`5: processes.web.availability.max_restarts: want 0 or more, got -1`,
				`8: processes.web.readiness_probe.success_threshold: want 1 or more, got 0`,
				`9: processes.web.readiness_probe.failure_threshold: want an integer, got "1.5"`,
			},
		},
		{
			name: "replica named as another process",
			content: `processes:
  web:
    command: x
    replicas: 2
  web-2:
    command: y
`,
			want: []string{
				`2: processes.web.replicas: replica 2 would be named "web-2", as another process is`,
			},
		},
		{
			name: "wrong types",
			content: `processes:
  web:
    command: x
    disabled: yes
    availability: [restart, always]
    depends_on: [db]
  db: just a command
`,
			want: []string{
				`4: processes.web.disabled: want true or false, got "yes"`,
				`5: processes.web.availability: want a mapping, got a list`,
				`6: processes.web.depends_on: want a mapping, got a list`,
				`7: processes.db: want a mapping, got "just a command"`,
				`7: processes.db.command: required`,
			},
		},
		{
			name: "bad probe fields",
			content: `processes:
  web:
    command: x
    readiness_probe:
      http_get: {scheme: ftp, port: 21, path: [a]}
    liveness_probe:
      exec: {working_dir: /srv}
  db:
    command: x
    readiness_probe:
      tcp_socket: {port: 1, path: /}
`,
			want: []string{
				`5: processes.web.readiness_probe.http_get.scheme: bad scheme "ftp": want http or https`,
				`5: processes.web.readiness_probe.http_get.path: want a string, got a list`,
				`7: processes.web.liveness_probe.exec.command: required`,
				`11: processes.db.readiness_probe.tcp_socket: unknown field "path"`,
			},
		},
		{
			name: "bad values",
			content: `processes:
  web:
    command: x
    description: {text: site}
    availability:
      backoff_seconds: .inf
    shutdown:
      signal: [TERM]
      timeout_seconds: true
    ? [a, b]
    : c
`,
			want: []string{
				`4: processes.web.description: want a string, got a mapping`,
				`6: processes.web.availability.backoff_seconds: bad duration ".inf": want seconds (2, 0.5) or a duration (500ms)`,
				`8: processes.web.shutdown.signal: want a signal number or name, got a list`,
				`9: processes.web.shutdown.timeout_seconds: bad duration "true": want seconds (2, 0.5) or a duration (500ms)`,
				`10: processes.web: want a name as key, got a list`,
			},
		},
		{
			name:    "missing processes",
			content: "version: \"0.5\"\nenvironment: [A=1]\n",
			want:    []string{`1: processes: required`},
		},
		{
			name:    "empty file",
			content: "# nothing yet\n",
			want:    []string{`processes: required`},
		},
		{
			name:    "no processes",
			content: "processes:\n",
			want:    []string{`1: processes: no processes: want one or more`},
		},
		{
			name:    "processes not a mapping",
			content: "processes:\n  - web\n  - db\n",
			want:    []string{`2: processes: want a mapping, got a list`},
		},
		{
			name:    "syntax error: tab",
			content: "processes:\n  web:\n\tcommand: x\n",
			want:    []string{`3: found character that cannot start any token`},
		},
		{
			name:    "syntax error: colon",
			content: "processes:\n  web:\n    command: x\n    description: a: b\n",
			want:    []string{`4: mapping values are not allowed in this context`},
		},
		{
			name:    "syntax error in a second document",
			content: "processes:\n  web:\n    command: x\n---\nprocesses: [\n",
			want:    []string{`5: did not find expected node content`},
		},
		{
			name:    "two documents",
			content: "processes:\n  web:\n    command: x\n---\nprocesses: {}\n",
			want:    []string{`4: a second YAML document: want one`},
		},
		{
			name: "several problems",
			content: `processes:
  web:
    command: x
    replicas: 0
    depends_on:
      db:
        condition: process_healthy
  db:
    command: ""
    shutdown:
      signal: SIGNOPE
  worker:
    comand: x
`,
			want: []string{
				`4: processes.web.replicas: want 1 or more, got 0`,
				`6: processes.web.depends_on: "db" has no readiness_probe, which process_healthy needs`,
				`9: processes.db.command: empty: want a command`,
				`11: processes.db.shutdown.signal: bad signal "SIGNOPE": want a number from 1 to 64 or a name (SIGTERM, TERM)`,
				`12: processes.worker.command: required`,
				`13: processes.worker: unknown field "comand"`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantProblems(t, writeFile(t, t.TempDir(), "procman.yaml", tt.content), tt.want)
		})
	}
}

// TestProblemError checks how a problem is written, with and without a
// line and a field.
func TestProblemError(t *testing.T) {
	tests := []struct {
		problem Problem
		want    string
	}{
		{Problem{"p.yaml", 3, "processes.web", "unknown field \"x\""}, `p.yaml:3: processes.web: unknown field "x"`},
		{Problem{"p.yaml", 1, "", "unknown field \"x\""}, `p.yaml:1: unknown field "x"`},
		{Problem{"p.yaml", 0, "processes", "required"}, `p.yaml: processes: required`},
	}
	for _, tt := range tests {
		if got := tt.problem.Error(); got != tt.want {
			t.Errorf("%#v.Error() = %q; want %q", tt.problem, got, tt.want)
		}
	}
}

// TestLoadUnreadable: a file that cannot be read is an os error, not a
// *FileError.
func TestLoadUnreadable(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "procman.yaml"))
	var fileErr *FileError
	if !errors.Is(err, fs.ErrNotExist) || errors.As(err, &fileErr) {
		t.Errorf("Load of a missing file: %v; want a wrapped fs.ErrNotExist", err)
	}
}

// TestLoadFormatByName: a file named Procfile or Procfile.* is a
// Procfile; any other is YAML.
func TestLoadFormatByName(t *testing.T) {
	tests := []struct {
		name     string
		procfile bool
	}{
		{"Procfile", true},
		{"Procfile.dev", true},
		{"procman.yaml", false},
		{"dev.yml", false},
		{"Procfile-like.yaml", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Both a valid Procfile and valid YAML, with a different
			// command in each reading.
			path := writeFile(t, t.TempDir(), tt.name, "processes: {web: {command: yaml}}\n")
			proj, err := Load(path)
			if tt.procfile {
				// As a Procfile, "processes" is the name and the rest
				// the command.
				if err != nil || !proj.Procfile || proj.Processes[0].Name != "processes" {
					t.Errorf("Load(%s) = %+v, %v; want it read as a Procfile", tt.name, proj, err)
				}
				return
			}
			if err != nil || proj.Procfile || proj.Processes[0].Name != "web" {
				t.Errorf("Load(%s) = %+v, %v; want it read as YAML", tt.name, proj, err)
			}
		})
	}
}

// TestFind looks for the project file from directories of a tree.
func TestFind(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "procman.yaml", "")
	writeFile(t, root, "procman.yml", "")
	writeFile(t, root, "Procfile", "")
	writeFile(t, root, "yml/procman.yml", "")
	writeFile(t, root, "yml/Procfile", "")
	writeFile(t, root, "only-procfile/Procfile", "")
	writeFile(t, root, "only-procfile/deep/er/.keep", "")
	writeFile(t, root, "dir/procman.yaml/.keep", "") // a directory, passed over
	writeFile(t, root, "dir/Procfile", "")

	tests := []struct {
		dir, want string // relative to root
	}{
		{".", "procman.yaml"},
		{"yml", "yml/procman.yml"},
		{"only-procfile", "only-procfile/Procfile"},
		{"only-procfile/deep/er", "only-procfile/Procfile"},
		{"dir", "dir/Procfile"},
		{"dir/procman.yaml", "dir/Procfile"},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			got, err := Find(filepath.Join(root, tt.dir))
			if want := filepath.Join(root, tt.want); got != want || err != nil {
				t.Errorf("Find(%s) = %q, %v; want %q", tt.dir, got, err, want)
			}
		})
	}

	t.Run("relative", func(t *testing.T) {
		t.Chdir(filepath.Join(root, "only-procfile", "deep"))
		got, err := Find(".")
		if want := filepath.Join(root, "only-procfile", "Procfile"); got != want || err != nil {
			t.Errorf("Find(.) = %q, %v; want %q", got, err, want)
		}
	})
}

// TestFindNone: with no project file in a directory nor its parents, Find
// says so.
func TestFindNone(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := Find(dir)
	if err == nil {
		t.Skipf("a parent of the temporary directory holds %s", got)
	}
	if want := "no procman.yaml or Procfile in " + dir + " or any parent directory"; err.Error() != want {
		t.Errorf("Find = %q, %v; want the error %q", got, err, want)
	}
}
