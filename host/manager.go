package host

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/procman-dev/procman/platform"
	"github.com/procman-dev/procman/sdk"
)

// Manager starts processes and makes sure none of them, nor anything they
// start, outlives its welcome. A Manager is safe for concurrent use by any
// number of goroutines: share the pointer, never a copy. The zero Manager
// is ready to use, as New() with no options is.
type Manager struct {
	once sync.Once // configures the Manager: in New, or at the zero Manager's first use

	logger   hclog.Logger
	settings settings // as New's options made them
	chain    *chain

	// spawnMu guards spawner, made at the first need (see Warm), and
	// making, closed once the Spawner under way is made or has failed
	// (nil when none is under way).
	spawnMu sync.Mutex
	spawner *platform.Spawner
	making  chan struct{}

	// closing is cancelled by Close, to end the Starts under way.
	closing      context.Context
	cancelStarts context.CancelFunc

	events broker

	// mu guards procs, active, finished and closed.
	mu       sync.Mutex
	procs    map[Handle]*process
	active   int        // processes whose tree is not gone yet
	finished *list.List // the *process records of gone trees still kept, oldest first
	closed   bool
}

// New returns a Manager configured by opts. It starts nothing and installs
// nothing: the work of making processes startable (detecting the
// containment mechanism, starting the reaper where one is needed, keeping
// procman-inits ready) is done at the first Start, or at Warm; signal
// handling and plugin discovery are off unless opts turn them on.
func New(opts ...Option) *Manager {
	s := defaultSettings()
	for _, opt := range opts {
		opt(&s)
	}
	m := new(Manager)
	m.once.Do(func() { m.configure(s) })
	return m
}

// ready makes a zero Manager what New() makes; every exported method calls
// it first.
func (m *Manager) ready() {
	m.once.Do(func() { m.configure(defaultSettings()) })
}

func (m *Manager) configure(s settings) {
	m.logger = s.logger
	m.settings = s
	m.procs = make(map[Handle]*process)
	m.finished = list.New()
	m.closing, m.cancelStarts = context.WithCancel(context.Background())
	// Plugin processes are contained as the programs are, once the
	// Manager can contain anything; until then (Explain, Plugins) each
	// runs alone, in a process group with a lifeline.
	m.chain = newChain(s.plugins, s.logger, m.madeSpawner)
	if s.handleSignals {
		relay.add(m)
	}
}

// Warm does now what the first Start would otherwise do before it can
// spawn: it detects the containment mechanism (by trying), starts the
// reaper on systems that need one, and has a procman-init made ready for
// the first Start (from the second on, the Manager keeps two ready). It
// returns the error every Start would fail with for want of containment
// (see Containment), or ErrClosed. Calling it again costs nothing once it
// has succeeded.
func (m *Manager) Warm() error {
	m.ready()
	if m.isClosed() {
		return ErrClosed
	}
	_, err := m.getSpawner()
	return err
}

// getSpawner returns the Manager's Spawner, making it first if need be,
// or waiting for the one under way. A failure is not kept: the next call
// tries again (detection keeps what it found, except shortages that may
// pass).
func (m *Manager) getSpawner() (*platform.Spawner, error) {
	for {
		m.spawnMu.Lock()
		s, making := m.spawner, m.making
		if s == nil && making == nil { // none made, none under way: this call makes it
			done := make(chan struct{})
			m.making = done
			m.spawnMu.Unlock()
			return m.makeSpawner(done)
		}
		m.spawnMu.Unlock()
		if s != nil {
			return s, nil
		}
		<-making // then take it, or try again if it failed
	}
}

// A spawnerResult is what getSpawner returns.
type spawnerResult struct {
	spawner *platform.Spawner
	err     error
}

// spawnerSoon is getSpawner in the background: its result comes on the
// channel. It never waits itself, not even for a Spawner another call is
// making (Warm's, typically, while the first Start validates its config):
// so that what asks for the Spawner meanwhile (madeSpawner: a plugin
// launched) waits for it, one is under way from before spawnerSoon
// returns until the result is sent.
func (m *Manager) spawnerSoon() <-chan spawnerResult {
	soon := make(chan spawnerResult, 1)
	m.spawnMu.Lock()
	defer m.spawnMu.Unlock()
	switch {
	case m.spawner != nil: // made: no goroutine to wait for
		soon <- spawnerResult{m.spawner, nil}
	case m.making == nil:
		done := make(chan struct{})
		m.making = done
		go func() {
			s, err := m.makeSpawner(done)
			soon <- spawnerResult{s, err}
		}()
	default: // under way
		go func() {
			s, err := m.getSpawner()
			soon <- spawnerResult{s, err}
		}()
	}
	return soon
}

// newSpawner is platform.NewSpawner; tests hold a Spawner's making with
// it.
var newSpawner = platform.NewSpawner

// makeSpawner makes the Manager's Spawner, for the call that set
// m.making to done, and closes done once it is made or has failed.
func (m *Manager) makeSpawner(done chan struct{}) (spawner *platform.Spawner, err error) {
	defer func() {
		m.spawnMu.Lock()
		if err == nil {
			m.spawner = spawner
		}
		m.making = nil
		m.spawnMu.Unlock()
		close(done)
	}()
	// Closed already: nothing is made. Close sets closed before it looks
	// for a Spawner under way, and this looks after m.making was set, so
	// that Close either is seen here or waits for done.
	if m.isClosed() {
		return nil, ErrClosed
	}
	err = m.settings.check()
	if err == nil {
		// The guard (the reaper) starts while detection tries what the
		// system allows and the first init is made: all mostly wait for
		// processes to start.
		spawner, err = newSpawner(platform.SpawnerOptions{
			Mechanism: m.settings.containment,
			Minimum:   m.settings.minContainment,
			Grace:     m.settings.stopGracePeriod,
			Guard:     newGuard(m.logger),
		})
	}
	if err != nil {
		m.logger.Debug("no process can be started", "error", err)
		return nil, err
	}
	mechanism, _ := spawner.Mechanism()
	m.logger.Debug("ready to start processes", "containment", mechanism)
	if mechanism < Cgroup {
		warnIfWeak(m.logger, spawner.Containment())
	}
	return spawner, nil
}

// madeSpawner returns the Manager's Spawner if it has been made, nil
// otherwise; while one is being made, it waits for it.
func (m *Manager) madeSpawner() *platform.Spawner {
	m.spawnMu.Lock()
	s, making := m.spawner, m.making
	m.spawnMu.Unlock()
	if making == nil {
		return s
	}
	<-making
	m.spawnMu.Lock()
	defer m.spawnMu.Unlock()
	return m.spawner
}

// Start passes cfg through the plugins (see WithPlugin and
// WithPluginDiscovery; Report tells what each changed), validates the
// result and starts it. The child gets exactly the config's Env, runs in
// its Dir with its Args verbatim, reads stdin from /dev/null (or what
// WithStdin gives), and has no descriptor of the host but 0, 1 and 2. Its
// stdout and stderr are both appended to the LogFile when set, which must
// be a regular file reached through no other user's symbolic link (see
// ErrSymlinkNotFollowed; a FIFO or a terminal with WithSpecialLogFile);
// otherwise they go where WithOutput says, or are discarded. The child's tree is contained as
// Containment reports, so that Stop reaches everything it starts.
//
// ctx bounds the whole start: the plugin calls, the wait for the log file
// and the spawn. Close cuts a Start under way short as a done ctx does.
// Once the process has started, cancelling ctx does not affect it.
//
// An invalid cfg is reported as a *sdk.ConfigError (errors.Is
// sdk.ErrInvalidConfig) and no handle is made. Once the handle is made,
// every failure is a *StartError, whose Fault says whether the program,
// the config or the host is to blame; the handle is returned too, and its
// Status is Failed. A start cut short returns ctx's error, or ErrClosed
// after Close: as it is before the handle is made, wrapped in the
// *StartError after.
func (m *Manager) Start(ctx context.Context, cfg sdk.ProcessConfig, opts ...StartOption) (Handle, error) {
	m.ready()
	if err := ctx.Err(); err != nil {
		return Handle{}, err
	}
	s := startSettings{grace: -1, stopSignal: syscall.SIGTERM}
	for _, opt := range opts {
		opt(&s)
	}
	if err := s.check(); err != nil {
		return Handle{}, err
	}
	if s.grace < 0 { // not set: the Manager's
		s.grace = m.settings.stopGracePeriod
	}
	if m.isClosed() {
		return Handle{}, ErrClosed
	}
	startCtx, stop := m.startContext(ctx)
	defer stop()
	// Made while the plugins run: a plugin launched meanwhile waits for
	// it, to run contained too. Its failure is reported once the config
	// is known to be valid.
	soon := m.spawnerSoon()
	cfg, report, path, err := m.prepare(startCtx, cfg)
	if err != nil { // at once: the Spawner is made on all the same
		return Handle{}, err
	}
	made := <-soon
	spawner, spawnerErr := made.spawner, made.err
	if startCtx.Err() != nil { // cancelled while the plugins ran
		return Handle{}, m.startAbort(ctx)
	}

	h := newHandle()
	p := newProcess(h, cfg, report, m.logger)
	p.exitWithMain, p.grace, p.stopSignal = s.exitWithMain, s.grace, s.stopSignal
	p.publish, p.ended = m.events.publish, m.ended
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return Handle{}, ErrClosed
	}
	m.procs[h] = p
	m.active++
	m.mu.Unlock()

	proc, stdio, fault, err := m.spawn(startCtx, spawner, spawnerErr, path, cfg, s)
	if err != nil {
		if cause := startCtx.Err(); cause != nil && errors.Is(err, cause) {
			fault, err = HostFault, m.startAbort(ctx)
		} else if fault == HostFault {
			err = platform.ExplainShortage(err) // the limit met, and what is in use
		}
		err = &StartError{Handle: h, Command: path, Fault: fault, Err: err}
		p.failed(err)
		m.logger.Debug("start failed", "handle", h, "command", path, "error", err)
		return h, err
	}
	p.running(proc, stdio, time.Now())
	m.logger.Debug("started", "handle", h, "pid", proc.Pid, "command", path)
	return h, nil
}

// startContext returns the context of the blocking steps of a Start with
// ctx: it is done once ctx is, or once Close is called.
func (m *Manager) startContext(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(m.closing, cancel)
	return ctx, func() { stop(); cancel() }
}

// startAbort returns the error of a Start with ctx that its start context
// cut short: ErrClosed when Close did, ctx's error otherwise.
func (m *Manager) startAbort(ctx context.Context) error {
	if m.closing.Err() != nil {
		return ErrClosed
	}
	return ctx.Err()
}

// prepare makes cfg what will run: normalized, enhanced by the plugins,
// validated, with the program resolved.
func (m *Manager) prepare(ctx context.Context, cfg sdk.ProcessConfig) (sdk.ProcessConfig, Report, string, error) {
	cfg, err := normalize(cfg)
	if err != nil {
		return cfg, Report{}, "", err
	}
	cfg, report := m.chain.run(ctx, cfg)
	path, err := cfg.Resolve()
	return cfg, report, path, err
}

// Explain computes what Start would run for cfg, and what each plugin
// changed, without starting anything: the final config (with the plugins'
// changes), the plugins' report, and the error Start would return for the
// config, if any. It runs the plugins, each alone in a process group
// unless the Manager is already warm (see Warm), and does no more: no
// containment is detected, no reaper or procman-init started. Whether the
// Manager can contain what it starts is Containment's to say; a settings
// error it knows without trying (a grace too long) is returned as a
// *StartError without a handle.
func (m *Manager) Explain(ctx context.Context, cfg sdk.ProcessConfig) (sdk.ProcessConfig, Report, error) {
	m.ready()
	if m.isClosed() {
		return sdk.ProcessConfig{}, Report{}, ErrClosed
	}
	cfg, report, path, err := m.prepare(ctx, cfg)
	if err == nil {
		if settingsErr := m.settings.check(); settingsErr != nil {
			err = &StartError{Command: path, Fault: HostFault, Err: settingsErr}
		}
	}
	return cfg, report, err
}

func (m *Manager) isClosed() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.closed
}

// normalize returns a copy of cfg whose Dir and LogFile are absolute, so
// that everything after sees the paths the child will see.
func normalize(cfg sdk.ProcessConfig) (sdk.ProcessConfig, error) {
	cfg = cfg.Clone()
	dir, err := filepath.Abs(cfg.Dir) // "" is the working directory
	if err != nil {
		return cfg, &sdk.ConfigError{Field: "Dir", Reason: err.Error()}
	}
	cfg.Dir = dir
	if cfg.LogFile != "" && !filepath.IsAbs(cfg.LogFile) {
		cfg.LogFile = filepath.Join(cfg.Dir, cfg.LogFile)
	}
	return cfg, nil
}

// spawn starts the program at path as cfg says, within ctx. When it
// fails, it says whose fault that is.
func (m *Manager) spawn(ctx context.Context, spawner *platform.Spawner, spawnerErr error, path string, cfg sdk.ProcessConfig, s startSettings) (*platform.Process, *stdio, Fault, error) {
	if spawnerErr != nil {
		return nil, nil, HostFault, spawnerErr
	}
	devNull, err := platform.DevNull()
	if err != nil {
		return nil, nil, HostFault, err
	}
	stdout, stderr := s.stdout, s.stderr
	if cfg.LogFile != "" {
		log, err := openLogFile(ctx, cfg.LogFile, s.specialLogFile, func() {
			m.logger.Info("waiting for a reader of the log file, a FIFO", "path", cfg.LogFile)
		})
		if err != nil {
			return nil, nil, logFileFault(err), fmt.Errorf("log file: %w", err)
		}
		defer log.Close()
		stdout, stderr = log, log
	}
	fds, err := newStdio(devNull, s.stdin, stdout, stderr)
	if err != nil {
		return nil, nil, HostFault, err
	}
	spec := platform.Spec{
		Path:       path,
		Args:       append([]string{cfg.Command}, cfg.Args...),
		Dir:        cfg.Dir,
		Env:        environ(cfg.Env),
		Stdin:      fds.child[0],
		Stdout:     fds.child[1],
		Stderr:     fds.child[2],
		Foreground: s.foreground,
	}
	if err := privileges(&spec, cfg); err != nil {
		fds.abort()
		return nil, nil, ConfigFault, err
	}
	proc, err := spawner.Start(ctx, spec)
	if err != nil {
		fds.abort()
		return nil, nil, spawnFault(err), err
	}
	fds.started()
	return proc, fds, 0, nil
}

// logFileFault says whose fault err, the failure to open a log file, is:
// the config's, unless the system ran short of something.
func logFileFault(err error) Fault {
	for _, shortage := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOMEM, syscall.ENOSPC} {
		if errors.Is(err, shortage) {
			return HostFault
		}
	}
	return ConfigFault
}

// spawnFault says whose fault err, a failure of the Spawner, is: the
// program's when it could not be executed, the config's when its Dir
// could not be entered or its credentials or limits not given, the
// host's otherwise.
func spawnFault(err error) Fault {
	var programErr *platform.ProgramError
	switch {
	case !errors.As(err, &programErr):
		return HostFault
	case programErr.Op == "exec":
		return ProgramFault
	}
	return ConfigFault
}

// environ turns env into the sorted KEY=value list a child receives.
func environ(env map[string]string) []string {
	list := make([]string, 0, len(env))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		list = append(list, k+"="+env[k])
	}
	return list
}

func (m *Manager) lookup(h Handle) (*process, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.procs[h]
	if !ok {
		return nil, notFound(h)
	}
	return p, nil
}

// Config returns the configuration h was started with: Dir and LogFile made
// absolute, and the plugins' changes applied.
func (m *Manager) Config(h Handle) (sdk.ProcessConfig, error) {
	m.ready()
	p, err := m.lookup(h)
	if err != nil {
		return sdk.ProcessConfig{}, err
	}
	return p.config.Clone(), nil
}

// Report returns what the plugins did to the config of h when it started.
func (m *Manager) Report(h Handle) (Report, error) {
	m.ready()
	p, err := m.lookup(h)
	if err != nil {
		return Report{}, err
	}
	return p.report, nil
}

// Status returns a snapshot of the process's status.
func (m *Manager) Status(h Handle) (Status, error) {
	m.ready()
	p, err := m.lookup(h)
	if err != nil {
		return Status{}, err
	}
	return p.snapshot(), nil
}

// List returns the handles of the processes that are starting or running,
// in no particular order.
func (m *Manager) List() []Handle {
	m.ready()
	m.mu.Lock()
	procs := slices.Collect(maps.Values(m.procs))
	m.mu.Unlock()
	var active []Handle
	for _, p := range procs {
		if !p.snapshot().Done() {
			active = append(active, p.handle)
		}
	}
	return active
}

// Wait waits until the process and every process it started have ended
// (through RunningDetached, when its tree outlives it), or ctx is done, and
// returns its final status. Any number of goroutines may wait on the same
// handle. When ctx is done first, Wait returns the status so far and, as
// Stop does, ctx's error wrapped (errors.Is(err, context.Canceled)).
func (m *Manager) Wait(ctx context.Context, h Handle) (Status, error) {
	m.ready()
	p, err := m.lookup(h)
	if err != nil {
		return Status{}, err
	}
	select {
	case <-p.gone:
		return p.snapshot(), nil
	case <-ctx.Done():
		return p.snapshot(), fmt.Errorf("wait %s: %w", h, ctx.Err())
	}
}

// Signal sends sig to the process itself, not to the rest of its tree. It
// returns os.ErrProcessDone if the process has already ended, and
// ErrStarting (wrapped) while its Start is under way.
func (m *Manager) Signal(h Handle, sig syscall.Signal) error {
	m.ready()
	p, err := m.lookup(h)
	if err != nil {
		return err
	}
	select {
	case <-p.started:
	default:
		return fmt.Errorf("signal %s: %w", h, ErrStarting)
	}
	select {
	case <-p.exited:
		return os.ErrProcessDone
	default:
	}
	return p.signal(sig)
}

// Stop stops the process and everything it started: its stop signal
// (SIGTERM, unless WithStopSignal) to the whole tree, then, if anything of
// it still lives after its stop grace period (WithStopGrace, else the
// Manager's), the process is marked Unresponsive and the tree is killed
// with SIGKILL. From the request on, Status.StopRequested is set. Stop
// returns when the tree is gone, or with ctx's error when ctx is done
// first (the stop goes on regardless).
//
// Stopping a process that has ended, or that is already being stopped, is
// not an error: it waits for the same end. An unknown handle is ErrNotFound.
//
// Windows has no signals: there the graceful request is a console control
// event or WM_CLOSE, and the kill TerminateJobObject (see
// platform.Process.SignalTree); a program that gets no graceful request
// ends at the kill, after the grace.
func (m *Manager) Stop(ctx context.Context, h Handle) error {
	m.ready()
	p, err := m.lookup(h)
	if err != nil {
		return err
	}
	p.stop(p.stopSignal)
	return p.waitGone(ctx, "stop")
}

// StopWithSignal is Stop with sig, instead of the process's stop signal,
// as the graceful signal. If a stop is already under way, sig is not sent again.
func (m *Manager) StopWithSignal(ctx context.Context, h Handle, sig syscall.Signal) error {
	m.ready()
	p, err := m.lookup(h)
	if err != nil {
		return err
	}
	p.stop(sig)
	return p.waitGone(ctx, "stop")
}

// Kill ends the process and everything it started with SIGKILL, at once:
// no grace period, and a stop under way skips what is left of its grace.
// Like Stop, it returns when the tree is gone, or with ctx's error.
func (m *Manager) Kill(ctx context.Context, h Handle) error {
	m.ready()
	p, err := m.lookup(h)
	if err != nil {
		return err
	}
	p.kill()
	return p.waitGone(ctx, "kill")
}

// Suspend stops every process of the tree with SIGSTOP, as a shell's
// Ctrl-Z stops a job; Resume continues them. A suspended tree still stops
// as usual: Stop, Close and the end of the host continue it after the
// graceful signal, so that it can act on that signal. Windows has no such
// signals: there both return errors.ErrUnsupported.
func (m *Manager) Suspend(h Handle) error {
	m.ready()
	return m.signalJob(h, "suspend", sigStop)
}

// Resume continues, with SIGCONT, every process of a tree that Suspend (or
// anything else) stopped.
func (m *Manager) Resume(h Handle) error {
	m.ready()
	return m.signalJob(h, "resume", sigCont)
}

func (m *Manager) signalJob(h Handle, op string, sig syscall.Signal) error {
	if sig == 0 {
		return fmt.Errorf("%s %s: %w", op, h, errors.ErrUnsupported)
	}
	p, err := m.lookup(h)
	if err != nil {
		return err
	}
	select {
	case <-p.started:
	default:
		return fmt.Errorf("%s %s: %w", op, h, ErrStarting)
	}
	if p.os == nil || !p.signalTree(sig) {
		return os.ErrProcessDone
	}
	return nil
}

// Forget removes the record of a process whose tree is gone, so that a
// long-lived Manager does not grow with every process it ever started.
// A process still active is ErrActive; an unknown handle is ErrNotFound.
func (m *Manager) Forget(h Handle) error {
	m.ready()
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.procs[h]
	if !ok {
		return notFound(h)
	}
	select {
	case <-p.gone:
		m.dropLocked(p)
		return nil
	default:
		return fmt.Errorf("handle %s: %w", h, ErrActive)
	}
}

// ended is called once the tree of p is gone: its record joins the
// finished ones kept (see WithFinishedRecords), and once the Manager is
// closed and the last tree gone, the event subscriptions end.
func (m *Manager) ended(p *process) {
	m.mu.Lock()
	m.active--
	if m.procs[p.handle] == p {
		p.finishedAt = m.finished.PushBack(p)
		for keep := m.settings.keepFinished; keep >= 0 && m.finished.Len() > keep; {
			m.dropLocked(m.finished.Front().Value.(*process))
		}
		if age := m.settings.keepFinishedFor; age > 0 && p.finishedAt != nil {
			time.AfterFunc(age, func() {
				m.mu.Lock()
				defer m.mu.Unlock()
				if m.procs[p.handle] == p {
					m.dropLocked(p)
				}
			})
		}
	}
	idle := m.closed && m.active == 0
	m.mu.Unlock()
	if idle {
		m.events.end()
	}
}

// dropLocked removes the record of p, whose tree is gone; m.mu is held.
func (m *Manager) dropLocked(p *process) {
	delete(m.procs, p.handle)
	if p.finishedAt != nil {
		m.finished.Remove(p.finishedAt)
		p.finishedAt = nil
	}
}

// StopPlugins ends the plugin executables' processes, which a Manager
// keeps running between Starts so that the next Start pays no plugin
// start-up: each starts again when a Start or Explain next needs it. For a
// Manager that starts a process once, as procman run does, and does not
// want its plugins (some megabytes each) to stay for the process's life.
// In-process plugins are not affected.
func (m *Manager) StopPlugins() {
	m.ready()
	m.chain.stop()
}

// Close stops every process as Stop does (each with its own stop signal
// and grace), all at once rather than one after another, ends the plugin
// processes and the procman-inits kept ready, and makes later calls of
// Start fail with ErrClosed; a Start under way, still waiting for its
// plugins or its log file, or still spawning, gives up with ErrClosed.
// The Events subscriptions end once every tree is gone. Close returns
// when every tree is gone, or with ctx's error when ctx is done first
// (the stops go on regardless). Calling Close again waits for the same
// stops.
func (m *Manager) Close(ctx context.Context) error {
	m.ready()
	m.mu.Lock()
	wasClosed := m.closed
	m.closed = true
	procs := slices.Collect(maps.Values(m.procs))
	idle := m.active == 0
	m.mu.Unlock()
	if idle {
		m.events.end()
	}
	m.cancelStarts()
	if !wasClosed && m.settings.handleSignals {
		relay.remove(m)
	}
	for _, p := range procs {
		p.stop(p.stopSignal)
	}
	m.chain.close()
	// A Spawner under way is waited for: closed is set, so no other
	// starts after it (see makeSpawner).
	if s := m.madeSpawner(); s != nil {
		s.Close()
	}
	for _, p := range procs {
		select {
		case <-p.gone:
		case <-ctx.Done():
			return fmt.Errorf("close: %w", ctx.Err())
		}
	}
	return nil
}
