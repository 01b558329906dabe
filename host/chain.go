package host

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/procman-dev/procman/discovery"
	"github.com/procman-dev/procman/host/internal/pluginhost"
	"github.com/procman-dev/procman/internal/pluginwire"
	"github.com/procman-dev/procman/platform"
	"github.com/procman-dev/procman/sdk"
)

// maxPluginFailures is how many failures in a row disable a plugin.
const maxPluginFailures = 3

// chain runs the plugins of a Manager over each config. The plugins are
// found and started on first use, in parallel, and kept for later calls.
type chain struct {
	settings pluginSettings
	logger   hclog.Logger
	spawner  func() *platform.Spawner // the Manager's once made, which contains plugin processes too; nil before

	loadOnce   sync.Once
	loaded     atomic.Bool // load has run: entries are set for good
	discovered discovery.Result
	socketDir  string     // host-owned; the plugin processes' sockets live here
	dirMu      sync.Mutex // guards unguardDir
	unguardDir func()     // ends the reaper's protection of socketDir; nil while it has none
	socketErr  error      // why there is no socketDir, when plugin executables were found
	entries    []*plugin  // every plugin that may run, before ordering
	shadowed   []*plugin  // built-in plugins replaced by an executable of the same name
}

// plugin is one plugin of the chain: an executable or an in-process value.
type plugin struct {
	name     string
	path     string               // empty for an in-process plugin
	builtin  bool                 // one of procman's built-in plugins, in-process
	external *pluginhost.External // nil for an in-process plugin, or without a socket directory

	// mu guards the fields below.
	mu       sync.Mutex
	impl     sdk.Plugin // an in-process plugin
	info     sdk.Info   // what the plugin said of itself, once it was asked
	known    bool       // info has been asked
	failures int        // failures in a row
	lastErr  error      // the last failure
	disabled bool
}

func newChain(s pluginSettings, logger hclog.Logger, spawner func() *platform.Spawner) *chain {
	return &chain{settings: s, logger: logger, spawner: spawner}
}

// load finds the plugins, once. They are started by startAll.
func (c *chain) load(ctx context.Context) {
	c.loadOnce.Do(func() {
		defer c.loaded.Store(true)
		for _, p := range c.settings.inProcess {
			c.addInProcess(p, false)
		}
		if c.settings.builtins {
			for _, p := range builtinPlugins() {
				c.addInProcess(p, true)
			}
		}
		if !c.settings.discovery {
			return
		}
		pluginPath, path := os.Getenv(discovery.EnvPluginPath), os.Getenv("PATH")
		if c.settings.searchPath != nil {
			pluginPath, path = c.settings.searchPath[0], c.settings.searchPath[1]
		}
		c.discovered = discovery.Find(pluginPath, path)
		for _, cand := range c.discovered.Plugins() {
			if !c.allowed(cand.Name) {
				continue
			}
			c.entries = slices.DeleteFunc(c.entries, func(p *plugin) bool {
				if p.builtin && p.name == cand.Name {
					c.shadowed = append(c.shadowed, &plugin{name: p.name, path: cand.Path, builtin: true, info: p.info, known: true})
					return true
				}
				return false
			})
			c.entries = append(c.entries, &plugin{name: cand.Name, path: cand.Path})
		}
		if !slices.ContainsFunc(c.entries, func(p *plugin) bool { return p.path != "" }) {
			return
		}
		dir, err := makeSocketDir()
		if err != nil {
			// No Start tries again: every plugin executable fails to
			// start with this error, in each Report and in Plugins.
			c.socketErr = fmt.Errorf("no directory for its socket: %w", err)
			c.logger.Warn("cannot make a directory for plugin sockets: no plugin executable can run", "error", err)
			for _, p := range c.entries {
				if p.path != "" {
					p.lastErr = c.socketErr
				}
			}
			return
		}
		c.socketDir = dir
		c.guardDir()
		for _, p := range c.entries {
			if p.path != "" {
				p.external = pluginhost.NewExternal(p.path, dir, c.launchSpawner, c.logger.Named(p.name))
			}
		}
	})
}

// addInProcess adds p, run in this process, unless WithOnlyPlugins leaves
// it out.
func (c *chain) addInProcess(p sdk.Plugin, builtin bool) {
	info := p.Info()
	if c.allowed(info.Name) {
		c.entries = append(c.entries, &plugin{name: info.Name, builtin: builtin, impl: p, info: info, known: true})
	}
}

// startAll makes sure every plugin executable that is not disabled runs,
// starting those that do not in parallel, each within the start timeout.
// It returns the running plugins, and why the others are not running.
func (c *chain) startAll(ctx context.Context) map[*plugin]started {
	results := make(map[*plugin]started, len(c.entries))
	var mu sync.Mutex // guards results
	var wg sync.WaitGroup
	for _, p := range c.entries {
		p.mu.Lock()
		disabled := p.disabled
		p.mu.Unlock()
		if disabled {
			continue
		}
		// Only a launch is worth a goroutine: the spawn path of a warm
		// chain stays on this one.
		if p.external == nil || !p.external.Exited() {
			impl, err := c.start(ctx, p)
			results[p] = started{impl, err}
			continue
		}
		wg.Go(func() {
			impl, err := c.start(ctx, p)
			mu.Lock()
			results[p] = started{impl, err}
			mu.Unlock()
		})
	}
	wg.Wait()
	return results
}

// started is the outcome of starting one plugin.
type started struct {
	impl sdk.Plugin
	err  error
}

func (c *chain) allowed(name string) bool {
	return c.settings.only == nil || slices.Contains(c.settings.only, name)
}

// start returns the running plugin, starting its process if needed.
func (c *chain) start(ctx context.Context, p *plugin) (sdk.Plugin, error) {
	switch {
	case p.external == nil && p.path != "":
		return nil, c.socketErr
	case p.external == nil:
		return p.impl, nil
	}
	ctx, cancel := context.WithTimeout(ctx, c.settings.startTimeout)
	defer cancel()
	impl, err := p.external.Plugin(ctx)
	if err != nil {
		c.failed(p, err)
		return nil, err
	}
	p.mu.Lock()
	p.info, p.known = impl.Info(), true
	p.mu.Unlock()
	return impl, nil
}

// priority is the plugin's priority: the host's override, else what the
// plugin asked for, else DefaultPriority while the plugin has not said.
func (c *chain) priority(p *plugin) int {
	if prio, ok := c.settings.priorities[p.name]; ok {
		return prio
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.known {
		return p.info.Priority
	}
	return sdk.DefaultPriority
}

// ordered returns the plugins, lowest priority first, ties by name.
func (c *chain) ordered() []*plugin {
	entries := slices.Clone(c.entries)
	slices.SortStableFunc(entries, func(a, b *plugin) int {
		return cmp.Or(cmp.Compare(c.priority(a), c.priority(b)), cmp.Compare(a.name, b.name))
	})
	return entries
}

// run passes cfg through every applicable plugin and returns the result
// with the report of what each plugin did. cfg must be normalized.
func (c *chain) run(ctx context.Context, cfg sdk.ProcessConfig) (sdk.ProcessConfig, Report) {
	c.load(ctx)
	running := c.startAll(ctx)
	// A plugin is blamed only for problems it brings in: the config may be
	// invalid before any plugin runs (say, a command that only a plugin's
	// PATH provides), and a result with the same problem is no worse.
	// Validated only once a plugin's result is invalid: Start validates
	// what comes out of the chain anyway.
	problem := &validation{cfg: cfg}
	var report Report
	for _, p := range c.ordered() {
		step, next := c.step(ctx, p, running[p], cfg, problem)
		if step.Warning != "" {
			c.logger.Warn("plugin change dropped", "plugin", p.name, "reason", step.Warning)
		}
		report.Steps = append(report.Steps, step)
		cfg = next
	}
	return cfg, report
}

// A validation is a config's validation error (nil when it is valid),
// found at the first need.
type validation struct {
	cfg     sdk.ProcessConfig
	checked bool
	problem error
}

func (v *validation) err() error {
	if !v.checked {
		v.problem, v.checked = v.cfg.Validate(), true
	}
	return v.problem
}

// step runs one plugin over cfg and returns its step and the config to go
// on with: the plugin's result if it was kept, else cfg.
//
// problem is cfg's validation; it is updated when the step's result is
// kept.
func (c *chain) step(ctx context.Context, p *plugin, run started, cfg sdk.ProcessConfig, problem *validation) (step PluginStep, next sdk.ProcessConfig) {
	step = PluginStep{Plugin: p.name, Path: p.path, BuiltIn: p.builtin, Priority: c.priority(p)}
	begin := time.Now()
	defer func() { step.Duration = time.Since(begin) }()

	impl := run.impl
	switch {
	case run.err != nil:
		step.Warning = run.err.Error()
		return step, cfg
	case impl == nil:
		step.Warning = fmt.Sprintf("disabled after %d failures in a row", maxPluginFailures)
		return step, cfg
	}
	step.Version = impl.Info().Version

	if p.external == nil {
		ctx = wire().WithLogger(ctx, c.logger.Named(p.name))
	}
	out, err := call(ctx, c.settings.callTimeout, func(ctx context.Context) (pluginwire.Outcome[sdk.ProcessConfig], error) {
		return wire().Apply(ctx, impl, cfg.Clone())
	})
	if err != nil {
		step.Applicable, step.Notes = out.Applicable, out.Notes
		step.Warning = c.callFailed(p, err)
		return step, cfg
	}
	c.succeeded(p)
	step.Applicable, step.Notes = out.Applicable, out.Notes
	if !out.Applicable {
		return step, cfg
	}
	result := out.Config
	if result.Command == "" && result.Args == nil && result.Dir == "" && result.Env == nil && result.LogFile == "" {
		// Most likely an error path that returned ProcessConfig{}: say
		// so, rather than which fields that changes.
		step.Warning = "result is an empty config (ProcessConfig{}), not the config the plugin was given"
		return step, cfg
	}
	changed := changedFields(cfg, result)
	if forbidden := changed & hostOnlyFields; forbidden != 0 {
		step.Warning = fmt.Sprintf("result changes %v, which only the host's configuration may set", forbidden)
		return step, cfg
	}
	if forbidden := changed &^ c.settings.fields; forbidden != 0 {
		step.Warning = fmt.Sprintf("result changes %v, which the host does not let plugins change", forbidden)
		return step, cfg
	}
	err = result.Validate()
	if err != nil {
		if before := problem.err(); before == nil || err.Error() != before.Error() {
			step.Warning = "result is invalid: " + err.Error()
			return step, cfg
		}
	}
	*problem = validation{checked: true, problem: err}
	step.Changes = diff(cfg, result)
	return step, result
}

// wire is package sdk's own side of the plugin protocol: how a host
// applies a plugin, in-process or over the wire.
func wire() pluginwire.SDK[sdk.Plugin, sdk.ProcessConfig] {
	return pluginwire.Get[sdk.Plugin, sdk.ProcessConfig]()
}

// call runs f under the call deadline. A panic of an in-process plugin is
// an error, and a call that overruns the deadline is abandoned.
func call[T any](ctx context.Context, timeout time.Duration, f func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type result struct {
		value T
		err   error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- result{err: fmt.Errorf("panic: %v", r)}
			}
		}()
		v, err := f(ctx)
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		// The plugin's side may give up at the deadline a moment before
		// this side sees it: say plainly that the deadline passed.
		if r.err == nil || (ctx.Err() == nil && !errors.Is(r.err, context.DeadlineExceeded) && !errors.Is(r.err, context.Canceled)) {
			return r.value, r.err
		}
	case <-ctx.Done():
	}
	var zero T
	return zero, fmt.Errorf("no answer within %v: %w", timeout, context.DeadlineExceeded)
}

// callFailed accounts for a failed call and says why it failed. An error
// the plugin returned is its answer; anything else is a failure of the
// plugin, and one that missed its deadline is killed.
func (c *chain) callFailed(p *plugin, err error) string {
	var pluginErr *sdk.PluginError
	if errors.As(err, &pluginErr) {
		c.succeeded(p)
		return pluginErr.Message
	}
	reason := err.Error()
	if p.external != nil {
		switch {
		case errors.Is(err, pluginwire.ErrUnavailable) && !exits(p.external):
			// Alive and connected: the plugin answered so itself.
			c.succeeded(p)
			return "gRPC status Unavailable: " + strings.TrimPrefix(reason, pluginwire.ErrUnavailable.Error()+": ")
		case errors.Is(err, pluginwire.ErrUnavailable) || p.external.Exited():
			reason = "the plugin process died during the call: " + reason
			p.external.Kill() // reap it; the next use starts a new one
		case errors.Is(err, context.DeadlineExceeded):
			p.external.Kill() // it may be stuck; the next use starts a new one
		}
	}
	c.failed(p, err)
	return reason
}

// exitWait bounds how long a call that failed as Unavailable waits for
// the plugin process to be seen gone, before it takes the status for the
// plugin's answer.
const exitWait = 250 * time.Millisecond

// exits reports whether the plugin process has exited, or does within
// exitWait: a process that died is seen gone a moment after its
// connection broke.
func exits(e *pluginhost.External) bool {
	deadline := time.Now().Add(exitWait)
	for !e.Exited() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

func (c *chain) succeeded(p *plugin) {
	p.mu.Lock()
	p.failures = 0
	p.mu.Unlock()
}

func (c *chain) failed(p *plugin, err error) {
	p.mu.Lock()
	p.failures++
	p.lastErr = err
	disable := p.failures >= maxPluginFailures && !p.disabled
	if disable {
		p.disabled = true
	}
	p.mu.Unlock()
	if disable {
		c.logger.Warn("plugin disabled", "plugin", p.name, "failures", maxPluginFailures, "last_error", err)
		if p.external != nil {
			p.external.Kill()
		}
	}
}

// stop ends every plugin process; each starts again when next needed.
// Before load, there is none.
func (c *chain) stop() {
	if !c.loaded.Load() {
		return
	}
	for _, p := range c.entries {
		if p.external != nil {
			p.external.Stop()
		}
	}
}

// close kills every plugin process and removes the socket directory. A
// load under way is waited for; none starts after.
func (c *chain) close() {
	c.loadOnce.Do(func() {})
	var wg sync.WaitGroup
	for _, p := range c.entries {
		if p.external != nil {
			wg.Go(p.external.Close)
		}
	}
	wg.Wait()
	if c.socketDir != "" {
		os.RemoveAll(c.socketDir)
		c.dirMu.Lock()
		if c.unguardDir != nil {
			c.unguardDir()
		}
		c.dirMu.Unlock()
	}
}

// guardDir has the reaper remove socketDir should the program die, once a
// reaper runs: from discovery on, or, when it starts later (the Manager's
// Spawner is made while the first Start's plugins run), from the first
// plugin launched under that Spawner on, before it runs.
func (c *chain) guardDir() {
	c.dirMu.Lock()
	defer c.dirMu.Unlock()
	if c.socketDir != "" && c.unguardDir == nil {
		c.unguardDir = guardSocketDir(c.socketDir)
	}
}

// launchSpawner is the Spawner plugin processes are launched under (see
// spawner), with the socket directory guarded first.
func (c *chain) launchSpawner() *platform.Spawner {
	s := c.spawner()
	if s != nil {
		c.guardDir()
	}
	return s
}

// PluginInfo describes one plugin, or one candidate for a plugin, as the
// Manager sees it.
type PluginInfo struct {
	Name        string
	Path        string // the executable; empty for a plugin run in-process
	BuiltIn     bool   // one of procman's built-in plugins, run in-process (WithBuiltinPlugins)
	Version     string // empty when the plugin could not be asked
	Priority    int    // the priority it runs at
	Description string
	Status      PluginStatus
	Reason      string // why, when Status is not PluginOK
	// Warning says what is wrong with a plugin that runs all the same: it
	// calls itself (its Info's Name) otherwise than its file does.
	Warning string
}

// PluginStatus says whether a plugin runs, and if not, what kind of reason
// keeps it from running.
type PluginStatus string

// The statuses of a plugin. Priority is meaningful for PluginOK,
// PluginFailed and PluginDisabled only.
const (
	PluginOK          PluginStatus = "ok"           // runs
	PluginFailed      PluginStatus = "failed"       // would not start; tried again on next use
	PluginDisabled    PluginStatus = "disabled"     // failed too often in a row
	PluginShadowed    PluginStatus = "shadowed"     // an earlier one of the same name wins
	PluginRefused     PluginStatus = "refused"      // not safe, or not executable
	PluginNotSelected PluginStatus = "not selected" // left out by WithOnlyPlugins
)

// Plugins finds and starts the plugins, if that has not happened yet, and
// describes every one of them, and every candidate that discovery found
// but does not run, in the order they run (the others last).
func (m *Manager) Plugins(ctx context.Context) []PluginInfo {
	m.ready()
	c := m.chain
	c.load(ctx)
	c.startAll(ctx)
	var infos []PluginInfo
	for _, p := range c.ordered() {
		info := PluginInfo{Name: p.name, Path: p.path, BuiltIn: p.builtin, Priority: c.priority(p), Status: PluginOK}
		p.mu.Lock()
		info.Version, info.Description = p.info.Version, p.info.Description
		if p.known && p.info.Name != p.name {
			info.Warning = fmt.Sprintf("it calls itself %q (its Info's Name), but procman knows it by its file name, %q: --plugin and the priority settings use the file's", p.info.Name, p.name)
		}
		switch {
		case p.disabled:
			info.Status, info.Reason = PluginDisabled, fmt.Sprintf("failed %d times in a row: %v", maxPluginFailures, p.lastErr)
		case !p.known:
			info.Status, info.Reason = PluginFailed, fmt.Sprint(p.lastErr)
		}
		p.mu.Unlock()
		infos = append(infos, info)
	}
	for _, p := range c.shadowed {
		infos = append(infos, PluginInfo{Name: p.name, BuiltIn: true, Version: p.info.Version, Description: p.info.Description, Status: PluginShadowed, Reason: "replaced by " + p.path})
	}
	for _, cand := range c.discovered.Candidates {
		switch {
		case cand.Status != discovery.OK:
			infos = append(infos, PluginInfo{Name: cand.Name, Path: cand.Path, Status: PluginStatus(cand.Status.String()), Reason: cand.Reason})
		case !c.allowed(cand.Name):
			infos = append(infos, PluginInfo{Name: cand.Name, Path: cand.Path, Status: PluginNotSelected, Reason: "not among the plugins asked for"})
		}
	}
	return infos
}

// PluginDirs finds the plugins, if that has not happened yet, and returns
// every entry of the plugin search path (PROCMAN_PLUGIN_PATH, then PATH)
// as discovery saw it, in order: those with a Skipped reason (empty or
// relative entries, duplicates, missing directories, ...) were never
// searched. It starts no plugin, and returns nil when discovery is off.
func (m *Manager) PluginDirs(ctx context.Context) []discovery.Dir {
	m.ready()
	m.chain.load(ctx)
	return m.chain.discovered.Dirs
}
