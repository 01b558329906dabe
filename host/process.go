package host

import (
	"container/list"
	"context"
	"fmt"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/procman-dev/procman/platform"
	"github.com/procman-dev/procman/sdk"
)

// process is the Manager's record of one started process and the owner of
// its life: one goroutine follows it from start to the end of its tree, and
// at most one goroutine runs the stop sequence.
type process struct {
	handle Handle
	config sdk.ProcessConfig
	report Report // what the plugins did to config
	logger hclog.Logger

	started chan struct{} // closed once the spawn succeeded or failed
	exited  chan struct{} // closed once the process itself has ended (or failed to start)
	gone    chan struct{} // closed once the whole tree is gone, the final status set and everything released

	os           *platform.Process // set before started is closed; nil when the spawn failed
	stdio        *stdio            // the child's descriptors and their copying; set with os
	exitWithMain bool              // stop the tree as soon as the process itself ends
	grace        time.Duration     // the stop grace period
	stopSignal   syscall.Signal    // the graceful signal of Stop and Close

	// publish hands an event to the Manager's subscribers; it is called
	// with mu held, so that events come in the order of the changes.
	publish func(Event)
	// ended is called once the tree is gone, after the last event.
	ended func(*process)
	// finishedAt is the record's place among the Manager's finished
	// records; guarded by the Manager's mu.
	finishedAt *list.Element

	stopOnce  sync.Once
	hurry     chan struct{} // closed by kill: the stop sequence skips what is left of the grace
	hurryOnce sync.Once

	// mu guards status and released. Signalling and releasing both happen
	// under mu, so that nothing is signalled once the tree was released.
	mu       sync.Mutex
	status   Status
	released bool
}

func newProcess(h Handle, cfg sdk.ProcessConfig, report Report, logger hclog.Logger) *process {
	return &process{
		handle:     h,
		config:     cfg,
		report:     report,
		logger:     logger,
		stopSignal: syscall.SIGTERM,
		publish:    func(Event) {},
		ended:      func(*process) {},
		started:    make(chan struct{}),
		exited:     make(chan struct{}),
		gone:       make(chan struct{}),
		hurry:      make(chan struct{}),
		status:     Status{State: Starting},
	}
}

// snapshot returns a copy of the current status; for a detached tree, with
// the descendants alive now.
func (p *process) snapshot() Status {
	p.mu.Lock()
	s := p.status
	released := p.released
	p.mu.Unlock()
	if s.State == RunningDetached && !released {
		if members, err := p.os.Members(); err == nil {
			s.Descendants = members
		}
	}
	s.Descendants = slices.Clone(s.Descendants)
	return s
}

// emit publishes an event of kind at the current status; mu must be held.
func (p *process) emit(kind EventKind, at time.Time) {
	s := p.status
	s.Descendants = slices.Clone(s.Descendants)
	p.publish(Event{Handle: p.handle, Kind: kind, At: at, Status: s})
}

// failed records a spawn that did not happen.
func (p *process) failed(err error) {
	p.mu.Lock()
	p.status.State = Failed
	p.status.Err = err
	p.status.EndedAt = time.Now()
	p.released = true
	p.emit(EventFailed, p.status.EndedAt)
	p.mu.Unlock()
	p.ended(p) // before gone: whoever waits sees the Manager's records up to date
	close(p.started)
	close(p.exited)
	close(p.gone)
}

// running records a successful spawn and starts following the process.
func (p *process) running(proc *platform.Process, stdio *stdio, at time.Time) {
	p.os = proc
	p.stdio = stdio
	p.mu.Lock()
	p.status.State = Running
	p.status.PID = proc.Pid
	p.status.StartedAt = at
	p.emit(EventStarted, at)
	p.mu.Unlock()
	close(p.started)
	go p.follow()
}

// follow waits for the process to end, records how, and, when its tree
// lives on, records it as detached until the tree is gone.
func (p *process) follow() {
	exit, err := p.os.Wait()
	var members []int
	if err == nil {
		members, _ = p.os.Members()
	}

	p.mu.Lock()
	p.status.EndedAt = time.Now()
	final := Exited
	switch {
	case err != nil:
		// The process's watcher failed us: nothing more can be known of it.
		final = Failed
		p.status.Err = fmt.Errorf("wait for pid %d: %w", p.os.Pid, err)
	case exit.Signal != 0:
		final = Terminated
		p.status.Signal = exit.Signal
	default:
		p.status.ExitCode = exit.Code
	}
	p.status.State = final
	if len(members) > 0 {
		p.status.State = RunningDetached
		p.status.Descendants = members
		p.emit(EventDetached, p.status.EndedAt)
	}
	status := p.status
	p.mu.Unlock()
	p.logger.Debug("process ended", "handle", p.handle, "pid", status.PID, "status", status)
	close(p.exited)

	if p.exitWithMain {
		// Whatever Members said: a tree may hide a process from one walk
		// (one forked as its parent exits), and only Gone tells it is over.
		select {
		case <-p.os.Gone():
		default:
			p.stop(p.stopSignal)
		}
	}
	<-p.os.Gone()
	p.stdio.finish()
	p.mu.Lock()
	p.status.State = final
	p.status.Descendants = nil
	if status.State == RunningDetached {
		p.status.EndedAt = time.Now()
	}
	p.mu.Unlock()
	p.release()
}

// finalEvent is the event of a tree gone with its process in state s.
func finalEvent(s State) EventKind {
	switch s {
	case Exited:
		return EventExited
	case Terminated:
		return EventTerminated
	}
	return EventFailed
}

// stop runs the stop sequence with sig as the graceful signal once,
// whoever asks first; later calls join it.
func (p *process) stop(sig syscall.Signal) {
	p.requested()
	p.stopOnce.Do(func() { go p.stopTree(sig, p.grace) })
}

// requested records that a stop was asked for, unless the tree is gone.
func (p *process) requested() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.released || p.status.StopRequested {
		return
	}
	p.status.StopRequested = true
	p.emit(EventStopRequested, time.Now())
}

// kill ends the tree with SIGKILL now: it starts a stop sequence without
// grace, or cuts short the grace of the one under way.
func (p *process) kill() {
	p.hurryOnce.Do(func() { close(p.hurry) })
	p.requested()
	p.stopOnce.Do(func() { go p.stopTree(syscall.SIGKILL, 0) })
}

// stopTree sends sig to the whole tree, waits up to grace for it to be
// gone, then kills what is left.
func (p *process) stopTree(sig syscall.Signal, grace time.Duration) {
	<-p.started
	if p.os == nil || !p.signalTree(sig) {
		return
	}
	if sig != syscall.SIGKILL && sigCont != 0 {
		p.signalTree(sigCont) // a suspended process acts on sig once continued
	}
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-p.os.Gone():
		return
	case <-p.hurry:
	case <-timer.C:
	}
	select {
	case <-p.os.Gone():
		return
	case <-p.hurry:
		p.logger.Debug("killing on request", "handle", p.handle, "pid", p.os.Pid)
	default:
		p.markUnresponsive(sig, grace)
	}
	// One SIGKILL of the tree ends it, but should a process escape the walk
	// (one stuck in the kernel, say), the stop must not end without the
	// tree: kill again until it is gone.
	for p.signalTree(syscall.SIGKILL) {
		select {
		case <-p.os.Gone():
			return
		case <-time.After(time.Second):
		}
	}
}

// markUnresponsive records, and logs, that the tree outlived the grace.
func (p *process) markUnresponsive(sig syscall.Signal, grace time.Duration) {
	members, _ := p.os.Members()
	reason := fmt.Sprintf("still running %v after %v (pids %v); killed", grace, sig, members)
	p.mu.Lock()
	p.status.Unresponsive = true
	p.status.UnresponsiveReason = reason
	p.emit(EventUnresponsive, time.Now())
	p.mu.Unlock()
	p.logger.Warn("process unresponsive, killing it", "handle", p.handle, "pid", p.os.Pid,
		"command", p.config.Command, "grace", grace, "signal", sig, "pids", members)
}

// waitGone waits until the tree is gone or ctx is done; op names the
// caller's operation in the error.
func (p *process) waitGone(ctx context.Context, op string) error {
	select {
	case <-p.gone:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%s %s: %w", op, p.handle, ctx.Err())
	}
}

// signalTree signals every process of the tree unless it was already
// released; it reports whether the signal could be sent.
func (p *process) signalTree(sig syscall.Signal) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.released {
		return false
	}
	if err := p.os.SignalTree(sig); err != nil {
		p.logger.Error("cannot signal process tree", "handle", p.handle, "pid", p.os.Pid, "signal", sig, "error", err)
	}
	return true
}

// signal sends sig to the process itself.
func (p *process) signal(sig syscall.Signal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.released {
		return nil
	}
	return p.os.Signal(sig)
}

// release frees what the tree held once it is gone; after it the tree can
// no longer be signalled.
func (p *process) release() {
	p.mu.Lock()
	if p.released {
		p.mu.Unlock()
		return
	}
	p.released = true
	if err := p.os.Release(); err != nil {
		p.logger.Error("cannot release process", "handle", p.handle, "pid", p.os.Pid, "error", err)
	}
	used := p.os.Usage()
	p.status.CPUTime, p.status.PeakMemory, p.status.OOMKills = used.CPUTime, used.PeakMemory, used.OOMKills
	p.emit(finalEvent(p.status.State), time.Now())
	p.mu.Unlock()
	p.ended(p) // before gone: whoever waits sees the Manager's records up to date
	close(p.gone)
}
