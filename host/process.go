package host

import (
	"context"
	"fmt"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/procman-dev/procman/platform"
	"github.com/procman-dev/procman/sdk"
)

// process is the Manager's record of one started process and the owner of
// its life: one goroutine waits for the main process to exit, and at most
// one goroutine runs the stop sequence.
type process struct {
	handle Handle
	config sdk.ProcessConfig
	report Report // what the plugins did to config
	logger hclog.Logger

	started chan struct{} // closed once the spawn succeeded or failed
	exited  chan struct{} // closed once the main process has ended (or failed to start)
	gone    chan struct{} // closed once the whole tree is gone and the leader reaped

	os *platform.Process // set before started is closed; nil when the spawn failed

	stopOnce  sync.Once
	hurry     chan struct{} // closed by kill: the stop sequence skips what is left of the grace
	hurryOnce sync.Once

	// mu guards status and released. Signalling the group and releasing the
	// leader both happen under mu, so no signal can reach a recycled pid.
	mu       sync.Mutex
	status   Status
	released bool
}

func newProcess(h Handle, cfg sdk.ProcessConfig, report Report, logger hclog.Logger) *process {
	return &process{
		handle:  h,
		config:  cfg,
		report:  report,
		logger:  logger,
		started: make(chan struct{}),
		exited:  make(chan struct{}),
		gone:    make(chan struct{}),
		hurry:   make(chan struct{}),
		status:  Status{State: Starting},
	}
}

// snapshot returns a copy of the current status.
func (p *process) snapshot() Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status
}

// failed records a spawn that did not happen.
func (p *process) failed(err error) {
	p.mu.Lock()
	p.status.State = Failed
	p.status.Err = err
	p.status.EndedAt = time.Now()
	p.released = true
	p.mu.Unlock()
	close(p.started)
	close(p.exited)
	close(p.gone)
}

// running records a successful spawn and starts waiting for the exit.
func (p *process) running(proc *platform.Process, at time.Time) {
	p.os = proc
	p.mu.Lock()
	p.status.State = Running
	p.status.PID = proc.Pid
	p.status.StartedAt = at
	p.mu.Unlock()
	close(p.started)
	go p.waitExit()
}

func (p *process) waitExit() {
	exit, err := p.os.Wait()
	// Processes the child left in its group keep the leader unreaped, so that
	// a later Stop or Close can still signal the group safely.
	members, membersErr := p.os.GroupMembers()

	p.mu.Lock()
	p.status.EndedAt = time.Now()
	switch {
	case err != nil:
		// The pidfd failed us: nothing more can be known about this process.
		p.status.State = Failed
		p.status.Err = fmt.Errorf("wait for pid %d: %w", p.os.Pid, err)
	case exit.Signal != 0:
		p.status.State = Terminated
		p.status.Signal = exit.Signal
	default:
		p.status.State = Exited
		p.status.ExitCode = exit.Code
	}
	status := p.status
	p.mu.Unlock()
	p.logger.Debug("process ended", "handle", p.handle, "pid", status.PID, "status", status)

	// Release before announcing the exit, so that whoever waited for it
	// finds the record complete.
	if membersErr == nil && len(members) == 0 {
		p.release()
	}
	close(p.exited)
}

// stop runs the stop sequence once, whoever asks first; later calls join it.
func (p *process) stop(sig syscall.Signal, grace time.Duration) {
	p.stopOnce.Do(func() { go p.stopTree(sig, grace) })
}

// kill ends the tree with SIGKILL now: it starts a stop sequence without
// grace, or cuts short the grace of the one under way.
func (p *process) kill() {
	p.hurryOnce.Do(func() { close(p.hurry) })
	p.stop(syscall.SIGKILL, 0)
}

// stopTree sends sig to the whole group, waits up to grace for the tree to
// be gone, then kills what is left and waits until it is gone.
func (p *process) stopTree(sig syscall.Signal, grace time.Duration) {
	<-p.started
	if p.os == nil || !p.signalGroup(sig) {
		return
	}
	if p.waitTreeGone(grace) {
		p.release()
		return
	}
	select {
	case <-p.hurry:
		p.logger.Debug("killing on request", "handle", p.handle, "pid", p.os.Pid)
	default:
		p.markUnresponsive(sig, grace)
	}
	p.signalGroup(syscall.SIGKILL)
	p.waitTreeGone(-1)
	p.release()
}

// markUnresponsive records, and logs, that the tree outlived the grace.
func (p *process) markUnresponsive(sig syscall.Signal, grace time.Duration) {
	members, _ := p.os.GroupMembers()
	reason := fmt.Sprintf("still running %v after %v (pids %v); killed", grace, sig, members)
	p.mu.Lock()
	p.status.Unresponsive = true
	p.status.UnresponsiveReason = reason
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

// signalGroup signals the process group unless the leader was already
// released; it reports whether the signal could be sent.
func (p *process) signalGroup(sig syscall.Signal) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.released {
		return false
	}
	if err := p.os.SignalGroup(sig); err != nil {
		p.logger.Error("cannot signal process group", "handle", p.handle, "pgid", p.os.Pid, "signal", sig, "error", err)
	}
	return true
}

// signal sends sig to the main process only.
func (p *process) signal(sig syscall.Signal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.released {
		return nil
	}
	return p.os.Signal(sig)
}

// waitTreeGone waits until the main process has exited and no process of
// its group lives, for at most timeout, or until kill hurries it (forever,
// and regardless of kill, when timeout is negative). It reports whether the
// tree is gone.
func (p *process) waitTreeGone(timeout time.Duration) bool {
	var deadline, hurry <-chan struct{}
	if timeout >= 0 {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		deadline, hurry = ctx.Done(), p.hurry
	}
	select {
	case <-p.exited:
	case <-p.gone:
		return true
	case <-deadline:
		return false
	case <-hurry:
		return false
	}
	// The group outlives its leader only when a child stayed in it: poll,
	// quickly at first, since the members usually die with the leader.
	interval := time.Millisecond
	for {
		members, err := p.os.GroupMembers()
		if err == nil && len(members) == 0 {
			return true
		}
		poll := time.NewTimer(interval)
		select {
		case <-poll.C:
		case <-deadline:
			poll.Stop()
			return false
		case <-hurry:
			poll.Stop()
			return false
		}
		interval = min(2*interval, 50*time.Millisecond)
	}
}

// release reaps the leader once the tree is gone; after it the group can no
// longer be signalled.
func (p *process) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.released {
		return
	}
	p.released = true
	if err := p.os.Release(); err != nil {
		p.logger.Error("cannot reap process", "handle", p.handle, "pid", p.os.Pid, "error", err)
	}
	close(p.gone)
}
