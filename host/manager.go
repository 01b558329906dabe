package host

import (
	"context"
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
// number of goroutines: share the pointer.
type Manager struct {
	logger          hclog.Logger
	stopGracePeriod time.Duration
	handleSignals   bool
	chain           *chain
	spawner         *platform.Spawner
	spawnerErr      error // why no Spawner: the forced containment is unavailable

	// mu guards procs and closed.
	mu     sync.Mutex
	procs  map[Handle]*process
	closed bool
}

// New returns a Manager configured by opts.
func New(opts ...Option) *Manager {
	s := defaultSettings()
	for _, opt := range opts {
		opt(&s)
	}
	m := &Manager{
		logger:          s.logger,
		stopGracePeriod: s.stopGracePeriod,
		handleSignals:   s.handleSignals,
		procs:           make(map[Handle]*process),
		chain:           newChain(s.plugins, s.logger),
	}
	m.spawner, m.spawnerErr = platform.NewSpawner(platform.SpawnerOptions{
		Mechanism: s.containment,
		Grace:     s.stopGracePeriod,
		Guard:     reaperGuard{logger: s.logger},
	})
	if m.spawnerErr != nil {
		m.logger.Error("no process can be started", "error", m.spawnerErr)
	}
	if m.handleSignals {
		relay.add(m)
	}
	return m
}

// Start passes cfg through the plugins (see WithPlugin and
// WithPluginDiscovery; Report tells what each changed), validates the
// result and starts it. ctx bounds the plugin calls; once the process has
// started, cancelling ctx does not affect it. The child gets exactly the
// config's Env, runs in its Dir with its Args verbatim, reads stdin from
// /dev/null, and has no descriptor of the host but 0, 1 and 2. Its stdout
// and stderr are both appended to the LogFile when set; otherwise they go
// where WithOutput says, or are discarded. The child leads its own process
// group, so that Stop reaches everything it starts.
//
// An invalid cfg is reported as a *sdk.ConfigError (errors.Is
// sdk.ErrInvalidConfig) and no handle is made. A program the system refuses
// to run is reported as a *StartError; the handle it names is returned too,
// and its Status is Failed. After Close, Start returns ErrClosed.
func (m *Manager) Start(ctx context.Context, cfg sdk.ProcessConfig, opts ...StartOption) (Handle, error) {
	if err := ctx.Err(); err != nil {
		return Handle{}, err
	}
	var s startSettings
	for _, opt := range opts {
		opt(&s)
	}
	if m.isClosed() {
		return Handle{}, ErrClosed
	}
	cfg, report, path, err := m.prepare(ctx, cfg)
	if err != nil {
		return Handle{}, err
	}
	if err := ctx.Err(); err != nil { // cancelled while the plugins ran
		return Handle{}, err
	}

	h := newHandle()
	p := newProcess(h, cfg, report, m.logger)
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return Handle{}, ErrClosed
	}
	m.procs[h] = p
	m.mu.Unlock()

	proc, err := m.spawn(path, cfg, s)
	if err != nil {
		err = &StartError{Handle: h, Command: path, Err: err}
		p.failed(err)
		m.logger.Debug("start failed", "handle", h, "command", path, "error", err)
		return h, err
	}
	p.exitWithMain = s.exitWithMain
	p.grace = m.stopGracePeriod
	p.running(proc, time.Now())
	m.logger.Debug("started", "handle", h, "pid", proc.Pid, "command", path)
	return h, nil
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
// config, if any.
func (m *Manager) Explain(ctx context.Context, cfg sdk.ProcessConfig) (sdk.ProcessConfig, Report, error) {
	if m.isClosed() {
		return sdk.ProcessConfig{}, Report{}, ErrClosed
	}
	cfg, report, _, err := m.prepare(ctx, cfg)
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

func (m *Manager) spawn(path string, cfg sdk.ProcessConfig, s startSettings) (*platform.Process, error) {
	if m.spawnerErr != nil {
		return nil, m.spawnerErr
	}
	devNull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	defer devNull.Close()
	stdout, stderr := orDefault(s.stdout, devNull), orDefault(s.stderr, devNull)
	if cfg.LogFile != "" {
		log, err := os.OpenFile(cfg.LogFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return nil, err
		}
		defer log.Close()
		stdout, stderr = log, log
	}
	return m.spawner.Start(context.TODO(), platform.Spec{
		Path:   path,
		Args:   append([]string{cfg.Command}, cfg.Args...),
		Dir:    cfg.Dir,
		Env:    environ(cfg.Env),
		Stdin:  devNull,
		Stdout: stdout,
		Stderr: stderr,
	})
}

func orDefault(f, def *os.File) *os.File {
	if f == nil {
		return def
	}
	return f
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
	p, err := m.lookup(h)
	if err != nil {
		return sdk.ProcessConfig{}, err
	}
	return p.config.Clone(), nil
}

// Report returns what the plugins did to the config of h when it started.
func (m *Manager) Report(h Handle) (Report, error) {
	p, err := m.lookup(h)
	if err != nil {
		return Report{}, err
	}
	return p.report, nil
}

// Status returns a snapshot of the process's status.
func (m *Manager) Status(h Handle) (Status, error) {
	p, err := m.lookup(h)
	if err != nil {
		return Status{}, err
	}
	return p.snapshot(), nil
}

// List returns the handles of the processes that are starting or running,
// in no particular order.
func (m *Manager) List() []Handle {
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
// handle.
func (m *Manager) Wait(ctx context.Context, h Handle) (Status, error) {
	p, err := m.lookup(h)
	if err != nil {
		return Status{}, err
	}
	select {
	case <-p.gone:
		return p.snapshot(), nil
	case <-ctx.Done():
		return p.snapshot(), ctx.Err()
	}
}

// Signal sends sig to the process itself, not to the rest of its tree. It
// returns os.ErrProcessDone if the process has already ended.
func (m *Manager) Signal(h Handle, sig syscall.Signal) error {
	p, err := m.lookup(h)
	if err != nil {
		return err
	}
	select {
	case <-p.started:
	default:
		return fmt.Errorf("handle %s: process is still starting", h)
	}
	select {
	case <-p.exited:
		return os.ErrProcessDone
	default:
	}
	return p.signal(sig)
}

// Stop stops the process and everything it started: SIGTERM to the whole
// tree, then, if anything of it still lives after the stop grace period,
// the process is marked Unresponsive and the tree is killed with SIGKILL.
// Stop returns when the tree is gone, or with ctx's error when ctx is done
// first (the stop goes on regardless).
//
// Stopping a process that has ended, or that is already being stopped, is
// not an error: it waits for the same end. An unknown handle is ErrNotFound.
func (m *Manager) Stop(ctx context.Context, h Handle) error {
	return m.StopWithSignal(ctx, h, syscall.SIGTERM)
}

// StopWithSignal is Stop with sig, instead of SIGTERM, as the graceful
// signal. If a stop is already under way, sig is not sent again.
func (m *Manager) StopWithSignal(ctx context.Context, h Handle, sig syscall.Signal) error {
	p, err := m.lookup(h)
	if err != nil {
		return err
	}
	p.stop(sig, m.stopGracePeriod)
	return p.waitGone(ctx, "stop")
}

// Kill ends the process and everything it started with SIGKILL, at once:
// no grace period, and a stop under way skips what is left of its grace.
// Like Stop, it returns when the tree is gone, or with ctx's error.
func (m *Manager) Kill(ctx context.Context, h Handle) error {
	p, err := m.lookup(h)
	if err != nil {
		return err
	}
	p.kill()
	return p.waitGone(ctx, "kill")
}

// Forget removes the record of a process whose tree is gone, so that a
// long-lived Manager does not grow with every process it ever started.
// A process still active is ErrActive; an unknown handle is ErrNotFound.
func (m *Manager) Forget(h Handle) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.procs[h]
	if !ok {
		return notFound(h)
	}
	select {
	case <-p.gone:
		delete(m.procs, h)
		return nil
	default:
		return fmt.Errorf("handle %s: %w", h, ErrActive)
	}
}

// Close stops every process, all at once rather than one after another, and
// makes later calls of Start fail with ErrClosed. It returns when every tree
// is gone, or with ctx's error when ctx is done first (the stops go on
// regardless). Calling Close again waits for the same stops.
func (m *Manager) Close(ctx context.Context) error {
	m.mu.Lock()
	wasClosed := m.closed
	m.closed = true
	procs := slices.Collect(maps.Values(m.procs))
	m.mu.Unlock()
	if !wasClosed && m.handleSignals {
		relay.remove(m)
	}
	for _, p := range procs {
		p.stop(syscall.SIGTERM, m.stopGracePeriod)
	}
	m.chain.close()
	if m.spawner != nil {
		m.spawner.Close()
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
