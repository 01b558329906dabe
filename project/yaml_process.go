package project

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/procman-dev/procman/sdk"
)

// The sections of a process that the file leaves out, as project.go
// documents them.
var (
	defaultAvailability = Availability{Backoff: time.Second}
	defaultShutdown     = Shutdown{Signal: syscall.SIGTERM, Timeout: 10 * time.Second}
)

// processes returns the processes of the processes section, in the
// file's order.
func (c *checker) processes(section *entry) []*Process {
	entries := c.entries(section.value, "processes")
	if value := resolve(section.value); len(entries) == 0 && (isNull(value) || value.Kind == yaml.MappingNode) {
		c.problem(section.key, "processes", "no processes: want one or more")
	}
	procs := make([]*Process, 0, len(entries))
	for _, e := range entries {
		if !validName(e.key.Value) {
			c.problem(e.key, "processes", "%s", badName(e.key.Value))
		}
		procs = append(procs, c.process(e))
	}
	return procs
}

// process returns the process def defines, its name the key.
func (c *checker) process(def entry) *Process {
	field := "processes." + def.key.Value
	p := &Process{
		Name:         def.key.Value,
		Line:         def.key.Line,
		WorkingDir:   c.dir,
		Availability: defaultAvailability,
		Shutdown:     defaultShutdown,
		Replicas:     1,
	}
	hasCommand := false
	for _, e := range c.entries(def.value, field) {
		f := field + "." + e.key.Value
		switch e.key.Value {
		case "command":
			hasCommand = true
			p.Command = c.command(e.value, f)
		case "working_dir":
			if dir := c.path(e.value, f); dir != "" {
				p.WorkingDir = dir
			}
		case "environment":
			p.Environment = c.environment(e.value, f)
		case "env_file":
			p.EnvFile = c.envFile(e.value, f)
		case "log_location":
			p.LogLocation = c.path(e.value, f)
		case "description":
			p.Description = c.text(e.value, f)
		case "is_daemon":
			// procman follows a daemon's processes by itself: the field
			// is only checked.
			c.boolean(e.value, f)
		case "disabled":
			p.Disabled = c.boolean(e.value, f)
		case "replicas":
			p.Replicas = c.count(e.value, f, 1)
		case "depends_on":
			p.DependsOn, c.dependencyLines[p] = c.dependsOn(e.value, f)
		case "readiness_probe":
			p.Readiness = c.probe(e, f)
		case "liveness_probe":
			p.Liveness = c.probe(e, f)
		case "availability":
			p.Availability = c.availability(e.value, f)
		case "shutdown":
			p.Shutdown = c.shutdown(e.value, f)
		default:
			c.unknown(e.key, field, processComposeProcessFields)
		}
	}
	if !hasCommand {
		c.problem(def.key, field+".command", "required")
	}
	return p
}

// command returns the command n holds: a string, run by /bin/sh -c, or a
// list, the program and its arguments.
func (c *checker) command(n *yaml.Node, field string) []string {
	n = resolve(n)
	switch {
	case n.Kind == yaml.SequenceNode:
		if len(n.Content) == 0 {
			c.problem(n, field, "empty: want a program and its arguments")
			return nil
		}
		args := make([]string, len(n.Content))
		for i, arg := range n.Content {
			args[i] = c.text(arg, field)
		}
		if args[0] == "" {
			c.problem(n.Content[0], field, "the program's name is empty")
		}
		return args
	case n.Kind == yaml.ScalarNode:
		if strings.TrimSpace(c.text(n, field)) == "" {
			c.problem(n, field, "empty: want a command")
			return nil
		}
		return []string{"/bin/sh", "-c", n.Value}
	}
	c.wrongType(n, field, "a command or a list of a program and its arguments")
	return nil
}

// path returns the path n holds, absolute: a relative one is taken from
// the file's directory. It returns "" for an empty one.
func (c *checker) path(n *yaml.Node, field string) string {
	path := c.text(n, field)
	if path == "" {
		return ""
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(c.dir, path)
	}
	return filepath.Clean(path)
}

// envFile returns the path of the env file n names, which must be a
// regular file.
func (c *checker) envFile(n *yaml.Node, field string) string {
	path := c.path(n, field)
	if path == "" {
		return ""
	}
	fi, err := os.Stat(path)
	var pathErr *fs.PathError
	switch {
	case errors.As(err, &pathErr):
		c.problem(n, field, "%s: %v", path, pathErr.Err)
	case err != nil:
		c.problem(n, field, "%s: %v", path, err)
	case !fi.Mode().IsRegular():
		c.problem(n, field, "%s is not a regular file", path)
	}
	return path
}

// environment returns the variables n holds, KEY=VALUE each, in the
// file's order: a list of KEY=VALUE strings, as process-compose has them,
// or a mapping of keys to values.
func (c *checker) environment(n *yaml.Node, field string) []string {
	n = resolve(n)
	var env []string
	add := func(n *yaml.Node, key, value string) {
		if err := sdk.ValidateEnvVar(key, value); err != nil {
			c.problem(n, field, "%v", err)
			return
		}
		env = append(env, key+"="+value)
	}
	switch {
	case isNull(n):
	case n.Kind == yaml.SequenceNode:
		for _, item := range n.Content {
			item = resolve(item)
			if item.Kind != yaml.ScalarNode || isNull(item) {
				c.wrongType(item, field, "KEY=VALUE")
				continue
			}
			key, value, ok := strings.Cut(item.Value, "=")
			if !ok {
				c.problem(item, field, "%q has no '=': want KEY=VALUE", item.Value)
				continue
			}
			add(item, key, value)
		}
	case n.Kind == yaml.MappingNode:
		for _, e := range c.entries(n, field) {
			add(e.key, e.key.Value, c.text(e.value, field+"."+e.key.Value))
		}
	default:
		c.wrongType(n, field, "a list of KEY=VALUE or a mapping")
	}
	return env
}

// dependsOn returns the dependencies n holds, a mapping of process names
// to their condition, with the line of each.
func (c *checker) dependsOn(n *yaml.Node, field string) ([]Dependency, []int) {
	var deps []Dependency
	var lines []int
	for _, e := range c.entries(n, field) {
		deps = append(deps, c.dependency(e, field+"."+e.key.Value))
		lines = append(lines, e.key.Line)
	}
	return deps, lines
}

// dependency returns the dependency def defines: the name of the process
// depended on, the key, and its condition, process_started by default.
func (c *checker) dependency(def entry, field string) Dependency {
	d := Dependency{Name: def.key.Value, Condition: ProcessStarted}
	for _, e := range c.entries(def.value, field) {
		switch e.key.Value {
		case "condition":
			d.Condition = c.condition(e.value, field+".condition")
		default:
			c.unknown(e.key, field, nil)
		}
	}
	return d
}

// condition returns the condition n names.
func (c *checker) condition(n *yaml.Node, field string) Condition {
	name := c.text(n, field)
	for _, cond := range []Condition{ProcessStarted, ProcessHealthy, ProcessCompletedSuccessfully, ProcessCompleted} {
		if name == cond.String() {
			return cond
		}
	}
	c.problem(n, field, "bad condition %s: want %s, %s, %s or %s", describe(resolve(n)),
		ProcessStarted, ProcessHealthy, ProcessCompletedSuccessfully, ProcessCompleted)
	return ProcessStarted
}

// probe returns the probe that section, a readiness_probe or
// liveness_probe entry, defines.
func (c *checker) probe(section entry, field string) *Probe {
	p := &Probe{
		Period:           10 * time.Second,
		Timeout:          time.Second,
		SuccessThreshold: 1,
		FailureThreshold: 3,
	}
	var kinds []string
	for _, e := range c.entries(section.value, field) {
		f := field + "." + e.key.Value
		switch e.key.Value {
		case "exec":
			kinds = append(kinds, e.key.Value)
			p.Exec = c.execProbe(e.value, f)
		case "http_get":
			kinds = append(kinds, e.key.Value)
			p.HTTPGet = c.httpGetProbe(e, f)
		case "tcp_socket":
			kinds = append(kinds, e.key.Value)
			p.TCP = c.tcpProbe(e, f)
		case "initial_delay_seconds":
			p.InitialDelay = c.duration(e.value, f, false)
		case "period_seconds":
			p.Period = c.duration(e.value, f, true)
		case "timeout_seconds":
			p.Timeout = c.duration(e.value, f, true)
		case "success_threshold":
			p.SuccessThreshold = c.count(e.value, f, 1)
		case "failure_threshold":
			p.FailureThreshold = c.count(e.value, f, 1)
		default:
			c.unknown(e.key, field, nil)
		}
	}
	switch len(kinds) {
	case 0:
		c.problem(section.key, field, "want one of exec, http_get and tcp_socket")
	case 1:
	default:
		c.problem(section.key, field, "%s: want only one of exec, http_get and tcp_socket", strings.Join(kinds, " and "))
	}
	return p
}

// execProbe returns the exec probe n defines.
func (c *checker) execProbe(n *yaml.Node, field string) *ExecProbe {
	p := &ExecProbe{}
	hasCommand := false
	for _, e := range c.entries(n, field) {
		f := field + "." + e.key.Value
		switch e.key.Value {
		case "command":
			hasCommand = true
			p.Command = c.command(e.value, f)
		case "working_dir":
			p.WorkingDir = c.path(e.value, f)
		default:
			c.unknown(e.key, field, nil)
		}
	}
	if !hasCommand {
		c.problem(n, field+".command", "required")
	}
	return p
}

// httpGetProbe returns the HTTP probe that section, an http_get entry, defines.
func (c *checker) httpGetProbe(section entry, field string) *HTTPGetProbe {
	p := &HTTPGetProbe{Scheme: "http", Host: "127.0.0.1", Path: "/"}
	hasPort := false
	for _, e := range c.entries(section.value, field) {
		f := field + "." + e.key.Value
		switch e.key.Value {
		case "scheme":
			switch scheme := c.text(e.value, f); scheme {
			case "http", "https":
				p.Scheme = scheme
			default:
				c.problem(e.value, f, "bad scheme %s: want http or https", describe(resolve(e.value)))
			}
		case "host":
			if host := c.text(e.value, f); host != "" {
				p.Host = host
			}
		case "port":
			hasPort = true
			p.Port = c.port(e.value, f)
		case "path":
			if path := c.text(e.value, f); path != "" {
				p.Path = path
			}
		default:
			c.unknown(e.key, field, processComposeHTTPGetFields)
		}
	}
	if !hasPort {
		c.problem(section.key, field+".port", "required")
	}
	return p
}

// tcpProbe returns the TCP probe that section, a tcp_socket entry, defines.
func (c *checker) tcpProbe(section entry, field string) *TCPProbe {
	p := &TCPProbe{Host: "127.0.0.1"}
	hasPort := false
	for _, e := range c.entries(section.value, field) {
		f := field + "." + e.key.Value
		switch e.key.Value {
		case "host":
			if host := c.text(e.value, f); host != "" {
				p.Host = host
			}
		case "port":
			hasPort = true
			p.Port = c.port(e.value, f)
		default:
			c.unknown(e.key, field, nil)
		}
	}
	if !hasPort {
		c.problem(section.key, field+".port", "required")
	}
	return p
}

// port returns the TCP port n holds.
func (c *checker) port(n *yaml.Node, field string) int {
	port, ok := c.integer(n, field)
	if ok && (port < 1 || port > 65535) {
		c.problem(n, field, "want a port from 1 to 65535, got %d", port)
	}
	return port
}

// availability returns the availability section n defines.
func (c *checker) availability(n *yaml.Node, field string) Availability {
	a := defaultAvailability
	for _, e := range c.entries(n, field) {
		f := field + "." + e.key.Value
		switch e.key.Value {
		case "restart":
			a.Restart = c.restart(e.value, f)
		case "backoff_seconds":
			a.Backoff = c.duration(e.value, f, false)
		case "max_restarts":
			a.MaxRestarts = c.count(e.value, f, 0)
		case "exit_on_end":
			a.ExitOnEnd = c.boolean(e.value, f)
		default:
			c.unknown(e.key, field, processComposeAvailabilityFields)
		}
	}
	return a
}

// restart returns the restart policy n names. A YAML 1.1 tool writes no
// as false, which is taken as no too.
func (c *checker) restart(n *yaml.Node, field string) Restart {
	n = resolve(n)
	if n.Kind == yaml.ScalarNode {
		var b bool
		if n.ShortTag() == boolTag && n.Decode(&b) == nil && !b {
			return RestartNo
		}
		for _, r := range []Restart{RestartNo, RestartOnFailure, RestartAlways} {
			if n.ShortTag() == strTag && n.Value == r.String() {
				return r
			}
		}
	}
	c.problem(n, field, "bad restart %s: want %s, %s or %s", describe(n), RestartNo, RestartOnFailure, RestartAlways)
	return RestartNo
}

// shutdown returns the shutdown section n defines.
func (c *checker) shutdown(n *yaml.Node, field string) Shutdown {
	s := defaultShutdown
	for _, e := range c.entries(n, field) {
		f := field + "." + e.key.Value
		switch e.key.Value {
		case "signal":
			s.Signal = c.signal(e.value, f)
		case "timeout_seconds":
			s.Timeout = c.duration(e.value, f, false)
		default:
			c.unknown(e.key, field, processComposeShutdownFields)
		}
	}
	return s
}

// signal returns the signal n holds: a number from 1 to 64, or a name,
// with or without its SIG prefix, in any case: SIGTERM, TERM, sigterm.
func (c *checker) signal(n *yaml.Node, field string) syscall.Signal {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || isNull(n) {
		c.wrongType(n, field, "a signal number or name")
		return 0
	}
	var sig syscall.Signal
	if num, err := strconv.Atoi(n.Value); err == nil {
		if num >= 1 && num <= 64 {
			sig = syscall.Signal(num)
		}
	} else {
		name := strings.ToUpper(n.Value)
		if !strings.HasPrefix(name, "SIG") {
			name = "SIG" + name
		}
		sig = signalNamed(name)
	}
	switch {
	case sig == 0:
		c.problem(n, field, "bad signal %s: want a number from 1 to 64 or a name (SIGTERM, TERM)", describe(n))
	case sig == signalNamed("SIGSTOP"):
		// It would stop nothing: the process would only be paused.
		c.problem(n, field, "SIGSTOP cannot stop a process: it only pauses it")
		return 0
	}
	return sig
}

// duration returns the duration n holds: a number of seconds (2, 0.5) or
// a Go duration ("500ms"). It must not be negative, nor zero when
// positive is true.
func (c *checker) duration(n *yaml.Node, field string, positive bool) time.Duration {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || isNull(n) {
		c.wrongType(n, field, "a duration")
		return 0
	}
	d, ok := parseDuration(n)
	switch {
	case !ok:
		c.problem(n, field, "bad duration %s: want seconds (2, 0.5) or a duration (500ms)", describe(n))
	case d < 0:
		c.problem(n, field, "want a duration of 0 or more, got %s", describe(n))
	case d == 0 && positive:
		c.problem(n, field, "want a duration of more than 0, got %s", describe(n))
	}
	return d
}

// parseDuration returns the duration n, a scalar, holds, and whether it
// holds one.
func parseDuration(n *yaml.Node) (time.Duration, bool) {
	switch n.ShortTag() {
	case intTag, floatTag:
		var s float64
		if n.Decode(&s) != nil {
			return 0, false
		}
		return seconds(s)
	case strTag:
		if s, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return seconds(s)
		}
		d, err := time.ParseDuration(n.Value)
		return d, err == nil
	}
	return 0, false
}

// seconds returns s seconds as a duration, and whether one can hold them.
func seconds(s float64) (time.Duration, bool) {
	ns := math.Round(s * float64(time.Second))
	if math.IsNaN(ns) || math.Abs(ns) >= math.MaxInt64 {
		return 0, false
	}
	return time.Duration(ns), true
}
