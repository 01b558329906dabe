// Package project reads the project files of procman up: a procman.yaml,
// whose field names are those of process-compose where the meaning is the
// same, or a Procfile, foreman style. It checks a file whole and reports
// every problem with its file, line and field, and orders the processes by
// their dependencies. It starts nothing: package supervisor runs a Project.
package project

import (
	"syscall"
	"time"
)

// Project is a checked project file.
type Project struct {
	// Path is the file's absolute path.
	Path string
	// Dir is the directory relative paths of the file are taken from:
	// the file's own.
	Dir string
	// Environment is the top-level environment, in the file's order:
	// KEY=VALUE each.
	Environment []string
	// LogLocation is the top-level log_location: a file every
	// process's output is appended to, prefixed; empty for none.
	LogLocation string
	// Processes are every process of the file, disabled ones included,
	// in an order where each comes after those it depends on (ties by
	// name). A process with replicas appears once, with Replicas set.
	Processes []*Process
	// Procfile is true for a Procfile: when any of its processes ends,
	// procman up stops the others, as foreman does.
	Procfile bool
}

// Process is one process of a project.
type Process struct {
	Name string
	// Line is the line of the file where the process is defined.
	Line int
	// Description is free text (description), shown by procman ps.
	Description string
	// Command is the program and its arguments: ["/bin/sh", "-c", s]
	// for a command given as a string, the list itself for a list.
	Command []string
	// WorkingDir is absolute: relative ones are taken from Project.Dir;
	// empty in the file is Project.Dir.
	WorkingDir string
	// Environment is the process's own environment, in the file's
	// order, KEY=VALUE each; it is applied after the top-level one and
	// after EnvFile.
	Environment []string
	// EnvFile is an absolute path, or empty: KEY=VALUE lines, as
	// procman run --env-file reads them.
	EnvFile string
	// LogLocation is an absolute path, or empty: the process's output
	// is appended there too, unprefixed.
	LogLocation string
	DependsOn   []Dependency
	Readiness   *Probe
	Liveness    *Probe
	Availability
	Shutdown
	Disabled bool
	// Replicas is how many copies run, 1 or more; copies are named
	// NAME-1, NAME-2, ... when there is more than one.
	Replicas int
}

// Dependency is one entry of depends_on.
type Dependency struct {
	Name      string
	Condition Condition
}

// Condition is what a dependency must reach before the dependent starts.
type Condition int

const (
	// ProcessStarted: the dependency runs.
	ProcessStarted Condition = iota
	// ProcessHealthy: the dependency's readiness probe succeeded (a
	// dependency without one must define one: the file is refused).
	ProcessHealthy
	// ProcessCompletedSuccessfully: the dependency ended with status 0.
	ProcessCompletedSuccessfully
	// ProcessCompleted: the dependency ended, whatever its status.
	ProcessCompleted
)

// String returns the condition's name in the file: "process_started", ...
func (c Condition) String() string {
	switch c {
	case ProcessStarted:
		return "process_started"
	case ProcessHealthy:
		return "process_healthy"
	case ProcessCompletedSuccessfully:
		return "process_completed_successfully"
	case ProcessCompleted:
		return "process_completed"
	}
	return "Condition(?)"
}

// Probe is a readiness or liveness probe: exactly one of Exec, HTTPGet and
// TCP is set.
type Probe struct {
	Exec    *ExecProbe
	HTTPGet *HTTPGetProbe
	TCP     *TCPProbe

	InitialDelay     time.Duration // initial_delay_seconds, default 0
	Period           time.Duration // period_seconds, default 10s
	Timeout          time.Duration // timeout_seconds, default 1s
	SuccessThreshold int           // success_threshold, default 1
	FailureThreshold int           // failure_threshold, default 3
}

// ExecProbe succeeds when Command exits with status 0 within the timeout.
type ExecProbe struct {
	Command    []string // as Process.Command
	WorkingDir string   // absolute; empty: the process's working directory
}

// HTTPGetProbe succeeds on a status from 200 to 399.
type HTTPGetProbe struct {
	Scheme string // "http" (default) or "https"
	Host   string // default "127.0.0.1"
	Port   int
	Path   string // default "/"
}

// TCPProbe succeeds when a connection to Host:Port is accepted.
type TCPProbe struct {
	Host string // default "127.0.0.1"
	Port int
}

// Restart is a restart policy.
type Restart int

const (
	RestartNo        Restart = iota // "no" (default)
	RestartOnFailure                // "on_failure": after a non-zero exit, a signal, or a failed liveness probe
	RestartAlways                   // "always": whenever it ends, unless procman stops it
)

// String returns the policy's name in the file.
func (r Restart) String() string {
	switch r {
	case RestartNo:
		return "no"
	case RestartOnFailure:
		return "on_failure"
	case RestartAlways:
		return "always"
	}
	return "Restart(?)"
}

// Availability is a process's availability section.
type Availability struct {
	Restart Restart
	// Backoff is the wait before a restart (backoff_seconds, default 1s).
	Backoff time.Duration
	// MaxRestarts bounds the restarts (max_restarts); 0 is no bound.
	MaxRestarts int
	// ExitOnEnd: when this process ends (and is not restarted), procman
	// up stops everything (exit_on_end).
	ExitOnEnd bool
}

// Shutdown is a process's shutdown section.
type Shutdown struct {
	// Signal stops the process (signal: a number or a name, default
	// SIGTERM).
	Signal syscall.Signal
	// Timeout is how long it may take before it is killed
	// (timeout_seconds, default 10s).
	Timeout time.Duration
}
