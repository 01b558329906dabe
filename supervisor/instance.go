package supervisor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/project"
	"github.com/procman-dev/procman/sdk"
)

// State is where a process is, as procman ps shows it.
type State string

const (
	Pending    State = "pending"    // waiting for its dependencies
	Starting   State = "starting"   // being started
	Running    State = "running"    // runs (or what it started does: Detached)
	Stopping   State = "stopping"   // asked to stop
	Restarting State = "restarting" // ended; starts again after its backoff
	Completed  State = "completed"  // ended with status 0, not to be restarted
	Failed     State = "failed"     // ended otherwise, or could not start, not to be restarted
	Stopped    State = "stopped"    // stopped as asked (or never started, for a shutdown)
	Skipped    State = "skipped"    // not started: a dependency can no longer meet its condition
)

// final reports whether nothing more happens in state s without a
// command: procman up ends once every process is in such a state.
func (s State) final() bool {
	switch s {
	case Completed, Failed, Stopped, Skipped:
		return true
	}
	return false
}

// command is a request from procman start, stop or restart.
type command int

const (
	cmdStart command = iota
	cmdStop
	cmdRestart
)

// dependency is one of an instance's dependencies: one replica of the
// process it depends on.
type dependency struct {
	on        *instance
	condition project.Condition
}

// instance is one running copy of a process: the process itself, or one of
// its replicas.
type instance struct {
	s          *Supervisor
	proc       *project.Process
	name       string // the process's name, or NAME-N for replica N
	replica    int    // from 1
	color      int
	config     sdk.ProcessConfig
	out        *output
	deps       []dependency
	dependents []*instance
	commands   chan command

	// Guarded by s.mu.
	state    State
	since    time.Time // when state was entered
	reason   string    // why it is Skipped or Failed, or how it last ended
	pid      int
	detached bool // Running, but the process itself has ended (a daemon)
	started  int  // how often it was started
	ready    bool // its readiness probe succeeded (and has not failed since)
	restarts int  // by its restart policy
	byHand   bool // Stopped by procman stop: procman up waits for a start
}

// set moves i to state; s.mu is held.
func (i *instance) setLocked(state State) {
	i.state, i.since = state, time.Now()
	i.s.changedLocked()
}

// stoppedByHand makes i Stopped by procman stop.
func (i *instance) stoppedByHand() {
	i.s.mu.Lock()
	i.byHand = true
	i.setLocked(Stopped)
	i.s.mu.Unlock()
}

func (i *instance) set(state State) {
	i.s.mu.Lock()
	i.setLocked(state)
	i.s.mu.Unlock()
}

func (i *instance) note(format string, args ...any) {
	i.s.console.note(i.name, i.color, format, args...)
}

// run is the life of the instance, until the Supervisor stops.
func (i *instance) run() {
	for start := i.waitDependencies(); start; {
		start = i.next(i.runOnce())
	}
}

// waitDependencies waits until every dependency meets its condition (true),
// or until a shutdown (false). A dependency that can no longer meet it
// makes the instance Skipped, which then waits for a command.
func (i *instance) waitDependencies() bool {
	s := i.s
	s.mu.Lock()
	i.setLocked(Pending)
	for {
		met, impossible := i.dependenciesLocked()
		if met {
			s.mu.Unlock()
			return true
		}
		if impossible != "" {
			i.reason = impossible
			i.setLocked(Skipped)
			s.mu.Unlock()
			i.note("not started: %s", impossible)
			return i.park()
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-s.stopping:
			i.set(Stopped)
			return false
		case c := <-i.commands:
			if c == cmdStop {
				i.stoppedByHand()
				return i.park()
			}
			// start and restart: start it now, whatever its dependencies
			return true
		}
		s.mu.Lock()
	}
}

// dependenciesLocked says whether every dependency meets its condition,
// or else why one never will; s.mu is held.
func (i *instance) dependenciesLocked() (met bool, impossible string) {
	met = true
	for _, d := range i.deps {
		on := d.on
		var ok, never bool
		switch d.condition {
		case project.ProcessStarted:
			ok = on.started > 0
			never = !ok && on.state.final()
		case project.ProcessHealthy:
			ok = on.ready
			never = !ok && on.state.final()
		case project.ProcessCompletedSuccessfully:
			ok = on.state == Completed
			never = on.state.final() && !ok
		case project.ProcessCompleted:
			ok = on.state == Completed || on.state == Failed
			never = on.state == Skipped || on.state == Stopped
		}
		if never {
			return false, fmt.Sprintf("%s is %s (%s), and %s waits for %s", on.name, on.state, on.reasonOrState(), i.name, d.condition)
		}
		met = met && ok
	}
	return met, ""
}

func (i *instance) reasonOrState() string {
	if i.reason != "" {
		return i.reason
	}
	return string(i.state)
}

// ending is how one run of the instance ended.
type ending struct {
	status   host.Status
	err      error  // the start's error
	shutdown bool   // stopped by Shutdown or Kill
	stopped  bool   // stopped by procman stop
	restart  bool   // stopped by procman restart
	liveness string // why its liveness probe failed, when it was stopped for that
}

// runOnce starts the instance and follows it until its tree is gone.
func (i *instance) runOnce() (e ending) {
	s := i.s
	s.mu.Lock()
	for s.suspended {
		if s.waitChange(s.stopping) {
			s.mu.Unlock()
			return ending{shutdown: true}
		}
	}
	s.mu.Unlock()
	if closed(s.stopping) {
		return ending{shutdown: true}
	}
	i.set(Starting)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-s.killing:
			cancel()
		case <-ctx.Done():
		}
	}()
	h, err := s.m.Start(ctx, i.config,
		host.WithOutput(i.out, i.out),
		host.WithStopSignal(i.proc.Shutdown.Signal),
		host.WithStopGrace(i.proc.Shutdown.Timeout))
	if err != nil {
		var startErr *host.StartError
		if errors.As(err, &startErr) && startErr.Handle != (host.Handle{}) {
			s.m.Forget(startErr.Handle)
		}
		return ending{err: err, shutdown: closed(s.stopping)}
	}
	st, _ := s.m.Status(h)
	s.mu.Lock()
	s.handles[h] = i
	i.pid, i.started, i.ready, i.byHand = st.PID, i.started+1, false, false
	i.detached = st.State == host.RunningDetached
	i.setLocked(Running)
	s.mu.Unlock()

	ended := make(chan host.Status, 1)
	go func() {
		st, _ := s.m.Wait(context.Background(), h)
		ended <- st
	}()
	livenessFailed := make(chan string, 1)
	if p := i.proc.Readiness; p != nil {
		go i.probe(ctx, p, i.readiness)
	}
	if p := i.proc.Liveness; p != nil {
		go i.probe(ctx, p, func(ok bool, why string) bool {
			if !ok {
				livenessFailed <- why
			}
			return ok // the first failure (past its threshold) ends it
		})
	}

	stop := func(kill bool) {
		if kill {
			go s.m.Kill(context.Background(), h)
		} else {
			go s.m.Stop(context.Background(), h)
		}
		i.set(Stopping)
	}
	stopping, killing := s.stopping, s.killing
	for {
		select {
		case st := <-ended:
			i.out.flush()
			cancel()
			s.m.Forget(h)
			s.mu.Lock()
			delete(s.handles, h)
			i.pid, i.detached, i.ready = 0, false, false
			s.changedLocked()
			s.mu.Unlock()
			e.status = st
			return e
		case <-stopping:
			stopping, e.shutdown = nil, true
			go func() {
				if i.waitDependents() {
					s.m.Stop(context.Background(), h)
				}
			}()
			i.set(Stopping)
		case <-killing:
			killing, e.shutdown = nil, true
			stop(true)
		case c := <-i.commands:
			if e.stopped || e.restart || e.shutdown || e.liveness != "" {
				continue // already stopping
			}
			switch c {
			case cmdStop:
				e.stopped = true
				stop(false)
			case cmdRestart:
				e.restart = true
				stop(false)
			}
		case why := <-livenessFailed:
			if e.stopped || e.restart || e.shutdown {
				continue
			}
			e.liveness = why
			i.note("liveness probe failed: %s; stopping it", why)
			stop(false)
		}
	}
}

// waitDependents waits until every instance that depends on i has ended
// (true), or until Kill (false).
func (i *instance) waitDependents() bool {
	s := i.s
	s.mu.Lock()
	defer s.mu.Unlock()
	for slices.ContainsFunc(i.dependents, func(d *instance) bool { return !d.state.final() }) {
		if s.waitChange(s.killing) {
			return false
		}
	}
	return true
}

// next decides what follows e: a restart (true, after the backoff), or
// waiting in a final state for a command (true when one starts it again)
// or for the end (false).
func (i *instance) next(e ending) bool {
	s := i.s
	how := describe(e)
	switch {
	case e.shutdown:
		s.mu.Lock()
		i.reason = how
		if e.status.Unresponsive {
			i.fail(fmt.Sprintf("did not stop within %s of its signal: killed", i.proc.Shutdown.Timeout), e)
		} else {
			i.setLocked(Stopped)
		}
		s.mu.Unlock()
		return false
	case e.restart:
		i.note("restarting (%s)", how)
		return true
	case e.stopped:
		s.mu.Lock()
		i.reason = how
		s.mu.Unlock()
		i.stoppedByHand()
		return i.park()
	}

	failed := e.err != nil || e.liveness != "" || e.status.State != host.Exited || e.status.ExitCode != 0
	restart := i.proc.Restart == project.RestartAlways || (i.proc.Restart == project.RestartOnFailure && failed)
	if restartsWontHelp(e.err) {
		restart = false
	}
	s.mu.Lock()
	if restart && (i.proc.MaxRestarts == 0 || i.restarts < i.proc.MaxRestarts) {
		i.restarts++
		i.reason = how
		i.setLocked(Restarting)
		n := i.restarts
		s.mu.Unlock()
		bound := ""
		if i.proc.MaxRestarts > 0 {
			bound = fmt.Sprintf(" of %d", i.proc.MaxRestarts)
		}
		i.note("%s; restarting in %s (restart %d%s)", how, i.proc.Backoff, n, bound)
		timer := time.NewTimer(i.proc.Backoff)
		defer timer.Stop()
		select {
		case <-timer.C:
			return true
		case <-s.stopping:
			i.set(Stopped)
			return false
		case c := <-i.commands:
			if c == cmdStop {
				i.stoppedByHand()
				return i.park()
			}
			return true
		}
	}
	i.reason = how
	if failed {
		if i.restarts > 0 {
			how = fmt.Sprintf("%s, after %d restarts", how, i.restarts)
		}
		i.fail(how, e)
	} else {
		i.setLocked(Completed)
	}
	s.mu.Unlock()
	i.note("%s", how)
	if i.proc.ExitOnEnd || s.cfg.Project.Procfile {
		i.note("stopping everything: %s ended", i.name)
		s.Shutdown()
	}
	return i.park()
}

// fail makes i Failed and, if it is the first, the Supervisor's failure;
// s.mu is held.
func (i *instance) fail(how string, e ending) {
	i.reason = how
	i.setLocked(Failed)
	if i.s.failure == nil {
		i.s.failure = &Failure{Name: i.name, Status: e.status, Err: e.err}
	}
}

// park waits in a final state for a command that starts the instance again
// (true), or for the end (false).
func (i *instance) park() bool {
	for {
		select {
		case <-i.s.stopping:
			return false
		case c := <-i.commands:
			if c != cmdStop {
				i.s.mu.Lock()
				i.restarts = 0
				i.s.mu.Unlock()
				return true
			}
		}
	}
}

// restartsWontHelp reports whether err, a start's error, would only happen
// again: the configuration is at fault, not the moment.
func restartsWontHelp(err error) bool {
	var startErr *host.StartError
	return errors.Is(err, sdk.ErrInvalidConfig) || errors.Is(err, sdk.ErrCommandNotFound) ||
		(errors.As(err, &startErr) && startErr.Fault == host.ConfigFault)
}

// describe says how a run ended, for messages.
func describe(e ending) string {
	switch {
	case e.err != nil:
		return "could not start: " + e.err.Error()
	case e.liveness != "":
		return "stopped after its liveness probe failed (" + e.liveness + ")"
	}
	st := e.status
	switch st.State {
	case host.Exited:
		return fmt.Sprintf("exited with status %d", st.ExitCode)
	case host.Terminated:
		return fmt.Sprintf("ended by signal %s", signalName(st.Signal))
	case host.Failed:
		return fmt.Sprintf("failed: %v", st.Err)
	}
	return st.State.String()
}

// closed reports whether c is closed.
func closed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
