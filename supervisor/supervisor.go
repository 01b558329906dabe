// Package supervisor runs the processes of a project file (package
// project) on a host.Manager, as procman up does: in the order of their
// dependencies, waiting on each dependency's condition; probing their
// readiness and liveness; restarting them as their policy says; prefixing
// their output; and stopping them in reverse order. It does with the
// Manager only what any embedder can, so every process, its probes'
// included, is contained as any other: nothing of it outlives the host.
package supervisor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/internal/envfile"
	"github.com/procman-dev/procman/project"
	"github.com/procman-dev/procman/sdk"
)

// Config is what a Supervisor runs, and how.
type Config struct {
	Project *project.Project
	// Processes are the processes to run, in dependency order, as
	// Project.Select returns them.
	Processes []*project.Process
	// Env is the environment every process starts from, before the
	// project's top-level environment, its env_file and its own.
	Env map[string]string
	// Output receives every process's output, a line at a time, each
	// line prefixed with the process's name unless NoPrefix; nil
	// discards it.
	Output   io.Writer
	NoPrefix bool
	// Color colours the prefixes, for a terminal.
	Color bool
	// Logger gets what the Supervisor has to say besides the processes'
	// lines (which go to Output as "NAME | procman: ..."); nil: none.
	Logger hclog.Logger
}

// A Supervisor runs one project; see Run.
type Supervisor struct {
	m         *host.Manager
	cfg       Config
	console   *console
	instances []*instance // in dependency order
	logger    hclog.Logger
	files     []*os.File // the log files it opened

	stopOnce sync.Once
	stopping chan struct{} // closed by Shutdown
	killOnce sync.Once
	killing  chan struct{} // closed by Kill
	done     chan struct{} // closed when Run returns

	mu        sync.Mutex
	changed   chan struct{} // closed and replaced at every change of an instance
	handles   map[host.Handle]*instance
	failure   *Failure // the first process that failed for good
	suspended bool     // by Suspend: nothing starts, no probe runs
}

// Failure is a process that ended in failure and was not restarted.
type Failure struct {
	Name   string
	Status host.Status // its last status
	Err    error       // why it could not start, if that was the failure
}

// New checks that every process of cfg can be started, as Start would
// check it (the plugins' changes and the config's validation), and returns
// a Supervisor ready to Run them on m. It starts nothing: an error names
// each process that cannot start, and why.
func New(ctx context.Context, m *host.Manager, cfg Config) (*Supervisor, error) {
	if cfg.Logger == nil {
		cfg.Logger = hclog.NewNullLogger()
	}
	s := &Supervisor{
		m:        m,
		cfg:      cfg,
		logger:   cfg.Logger,
		stopping: make(chan struct{}),
		killing:  make(chan struct{}),
		done:     make(chan struct{}),
		changed:  make(chan struct{}),
		handles:  make(map[host.Handle]*instance),
		console:  &console{out: cfg.Output, prefix: !cfg.NoPrefix, color: cfg.Color},
	}
	var errs []error
	if cfg.Project.LogLocation != "" {
		f, err := openLog(cfg.Project.LogLocation)
		if err != nil {
			errs = append(errs, fmt.Errorf("log_location: %w", err))
		} else {
			s.console.file = f
			s.files = append(s.files, f)
		}
	}
	byName := make(map[string][]*instance)
	for _, p := range cfg.Processes {
		env, err := s.environment(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p.Name, err))
			continue
		}
		for n := range max(p.Replicas, 1) {
			i := &instance{s: s, proc: p, name: p.Name, replica: n + 1, color: len(s.instances)}
			if p.Replicas > 1 {
				i.name = fmt.Sprintf("%s-%d", p.Name, n+1)
				env = maps.Clone(env)
				env["PROCMAN_REPLICA"] = fmt.Sprint(n + 1)
			}
			i.config = sdk.ProcessConfig{Command: p.Command[0], Args: p.Command[1:], Dir: p.WorkingDir, Env: env}
			i.out = &output{name: i.name, color: i.color, console: s.console, ring: newRing()}
			i.commands = make(chan command, 1)
			s.console.width = max(s.console.width, len(i.name))
			s.instances = append(s.instances, i)
			byName[p.Name] = append(byName[p.Name], i)
		}
	}
	for _, i := range s.instances {
		for _, dep := range i.proc.DependsOn {
			for _, d := range byName[dep.Name] {
				i.deps = append(i.deps, dependency{d, dep.Condition})
				d.dependents = append(d.dependents, i)
			}
		}
	}
	errs = append(errs, s.check(ctx)...)
	if len(errs) == 0 {
		errs = append(errs, s.openLogs()...)
	}
	if err := errors.Join(errs...); err != nil {
		s.closeFiles()
		return nil, err
	}
	return s, nil
}

// environment returns p's environment: cfg.Env, then the project's, then
// p's env_file, then p's own.
func (s *Supervisor) environment(p *project.Process) (map[string]string, error) {
	env := maps.Clone(s.cfg.Env)
	if env == nil {
		env = make(map[string]string)
	}
	set := func(vars []string) {
		for _, kv := range vars {
			k, v, _ := strings.Cut(kv, "=")
			sdk.SetEnv(env, k, v)
		}
	}
	set(s.cfg.Project.Environment)
	if p.EnvFile != "" {
		vars, err := envfile.Read(p.EnvFile)
		if err != nil {
			return nil, fmt.Errorf("env_file: %w", err)
		}
		for _, v := range vars {
			sdk.SetEnv(env, v.Key, v.Value)
		}
	}
	set(p.Environment)
	return env, nil
}

// check asks the Manager what Start would say of each process and probe,
// without starting anything.
func (s *Supervisor) check(ctx context.Context) []error {
	var errs []error
	for _, i := range s.instances {
		if i.replica > 1 {
			continue // as the first
		}
		if _, report, err := s.m.Explain(ctx, i.config); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", i.proc.Name, err))
		} else {
			for _, w := range report.Warnings() {
				s.logger.Warn(w, "process", i.proc.Name)
			}
		}
		for _, probe := range []*project.Probe{i.proc.Readiness, i.proc.Liveness} {
			if probe == nil || probe.Exec == nil {
				continue
			}
			if _, _, err := s.m.Explain(ctx, i.probeConfig(probe.Exec)); err != nil {
				errs = append(errs, fmt.Errorf("%s: probe: %w", i.proc.Name, err))
			}
		}
	}
	return errs
}

// openLogs opens the log_location of each process.
func (s *Supervisor) openLogs() []error {
	var errs []error
	for _, i := range s.instances {
		if i.proc.LogLocation == "" {
			continue
		}
		path := i.proc.LogLocation
		if i.proc.Replicas > 1 {
			path = fmt.Sprintf("%s.%d", path, i.replica)
		}
		f, err := openLog(path)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: log_location: %w", i.name, err))
			continue
		}
		s.files = append(s.files, f)
		i.out.file = f
	}
	return errs
}

func openLog(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
}

func (s *Supervisor) closeFiles() {
	for _, f := range s.files {
		f.Close()
	}
}

// Run runs the processes until they have all ended: by themselves, when
// their policy starts none again (a process stopped by Stop waits for
// Start), or because Shutdown or Kill was called (or ctx is done, which is
// Shutdown), or because one marked exit_on_end ended. It returns the first process that failed for good, or nil when
// every process ended well or stopped as asked.
func (s *Supervisor) Run(ctx context.Context) *Failure {
	defer close(s.done)
	defer s.closeFiles()
	events := s.m.Events(ctx)
	go s.follow(events)

	stop := context.AfterFunc(ctx, s.Shutdown)
	defer stop()

	var wg sync.WaitGroup
	for _, i := range s.instances {
		wg.Go(i.run)
	}
	// Run ends once every instance is done for good: ended with nothing
	// left to wait for, or stopped by Shutdown or Kill.
	go func() {
		for {
			s.mu.Lock()
			idle := !slices.ContainsFunc(s.instances, func(i *instance) bool { return !i.state.final() || i.byHand })
			changed := s.changed
			s.mu.Unlock()
			if idle {
				s.Shutdown()
				return
			}
			select {
			case <-changed:
			case <-s.stopping:
				return
			}
		}
	}()
	wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failure
}

// follow keeps the state of the running processes as the Manager's events
// say, for those only an event tells: a process that ends while what it
// started lives on.
func (s *Supervisor) follow(events <-chan host.Event) {
	for e := range events {
		if e.Kind != host.EventDetached {
			continue
		}
		s.mu.Lock()
		if i, ok := s.handles[e.Handle]; ok && i.state == Running {
			i.detached = true
			s.changedLocked()
		}
		s.mu.Unlock()
	}
}

// Shutdown stops every process, each once those that depend on it have
// ended, with its shutdown signal and timeout. Processes waiting to start
// do not.
func (s *Supervisor) Shutdown() {
	s.stopOnce.Do(func() { close(s.stopping) })
}

// Kill kills every process at once, and stops the others from starting.
func (s *Supervisor) Kill() {
	s.Shutdown()
	s.killOnce.Do(func() { close(s.killing) })
}

// Suspend stops every running process with SIGSTOP, as a shell's Ctrl-Z
// stops a job, and holds back every start and probe until Resume.
// Shutdown and Kill still stop everything. Windows has no such signals:
// there it does nothing.
func (s *Supervisor) Suspend() {
	s.mu.Lock()
	s.suspended = true
	s.changedLocked()
	handles := slices.Collect(maps.Keys(s.handles))
	s.mu.Unlock()
	for _, h := range handles {
		if err := s.m.Suspend(h); err != nil {
			s.logger.Debug("suspend", "error", err)
		}
	}
}

// Resume continues what Suspend stopped.
func (s *Supervisor) Resume() {
	s.mu.Lock()
	s.suspended = false
	s.changedLocked()
	handles := slices.Collect(maps.Keys(s.handles))
	s.mu.Unlock()
	for _, h := range handles {
		if err := s.m.Resume(h); err != nil {
			s.logger.Debug("resume", "error", err)
		}
	}
}

// isSuspended reports whether Suspend holds things back.
func (s *Supervisor) isSuspended() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.suspended
}

// changedLocked wakes everyone waiting on a change; s.mu is held.
func (s *Supervisor) changedLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitChange waits until something changes or done is closed, and
// reports whether done was; s.mu is held on entry and on return.
func (s *Supervisor) waitChange(done <-chan struct{}) bool {
	changed := s.changed
	s.mu.Unlock()
	defer s.mu.Lock()
	select {
	case <-changed:
		return false
	case <-done:
		return true
	}
}
