package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/sdk"
)

const runUsage = `Usage: procman run [flags] [--] COMMAND [ARGS...]

Run COMMAND with ARGS in the foreground, exactly as given (no shell), and
make sure that nothing it started is left when it ends. Flags end at the
first argument that is not one, or at "--".

Flags:
` + runFlagsHelp + `
` + privilegesHelp + `
` + envHelp + `
Plugins:
` + pluginsHelp + `
` + signalsHelp + `
Exit status:
  COMMAND's exit status, or 128+N when signal N ended it; 127 when COMMAND
  was not found, 126 when it could not be executed; 2 for bad flags or a
  bad configuration (a --cwd that cannot be entered and a --log that
  cannot be opened are); 125 when procman itself failed (out of
  descriptors, processes or memory; containment unavailable, or weaker
  than --min-containment). Each of these failures is told in one line on
  stderr. A plugin's failure is only a warning: it never changes the exit
  status.
`

// runFlagsHelp describes the flags that run and explain share.
const runFlagsHelp = `  --env KEY=VALUE   set KEY to VALUE
  --env KEY         copy KEY from procman's environment; if procman has no
                    KEY, neither has COMMAND
  --env-file FILE   set the variables of FILE: KEY=VALUE lines, values taken
                    verbatim (no quotes, no expansion); blank lines and
                    lines starting with # are skipped
  --clean-env       start from an empty environment instead of the baseline
  --cwd DIR         run COMMAND in DIR (default: the current directory)
  --log FILE        append COMMAND's stdout and stderr to FILE instead of
                    writing them to procman's stdout and stderr; FILE must
                    be a regular file (made if missing), reached through
                    no symbolic link but procman's user's and root's
  --log-special     let --log be a FIFO, which is waited on until it has
                    a reader, or a character device (a terminal, /dev/null)
  --grace DURATION  how long a stopping COMMAND may take before it is killed
                    (default 10s, at most 24h)
  --exit-with-main  stop what COMMAND started as soon as COMMAND itself
                    exits, instead of waiting for it (daemons, background
                    jobs) to end
` + containmentHelp + `  --no-plugins      run no plugin: COMMAND starts exactly as configured
  --plugin NAME     run only the plugin NAME; repeat the flag to run several
  --plugin-timeout DURATION
                    how long each call of a plugin may take before its
                    change is dropped and the plugin is killed (default 2s)
  --log-level LEVEL procman's own logging on stderr: trace, debug, info,
                    warn, error or off (default warn)
`

// pluginsHelp says what plugins do to a command, for run and explain.
const pluginsHelp = `  Before COMMAND starts, every plugin may change its command, arguments
  and environment, lowest priority first. Plugins are the executables named
  procman-plugin-NAME in the directories of procman's PROCMAN_PLUGIN_PATH,
  then of procman's PATH ('procman plugins' lists them). A plugin that
  fails, hangs or makes an invalid change is skipped with a warning on
  stderr, and COMMAND gets the config from before that plugin.
`

// runOptions are the flags and arguments of the run subcommand, which
// explain takes too.
type runOptions struct {
	env             []envEdit
	cleanEnv        bool
	dir             string
	logFile         string
	logSpecial      bool // --log-special: the log file may be a FIFO or a character device
	grace           time.Duration
	noPlugins       bool
	plugins         []string // --plugin: only these run; nil: every plugin found
	pluginTimeout   time.Duration
	logLevel        hclog.Level
	noExecutables   bool // handOver found no plugin executable to run: discovery is done
	exitWithMain    bool
	forwardHup      bool // --forward-hup: SIGHUP goes to the main process, as SIGUSR1 does
	containment     host.Mechanism
	minimum         host.Mechanism // --min-containment
	user, group     string         // --user, --group
	noNewPrivileges bool
	limits          sdk.Limits // --memory, --cpus, --tasks, --rlimit, --nice
	command         []string   // program and arguments
}

// run is the run subcommand.
func run(args []string) int {
	opts, err := parseRunFlags(args)
	cfg, status, ok := commandConfig("run", runUsage, opts, err)
	if !ok {
		return status
	}
	opts.noExecutables = handOver(!opts.noPlugins, opts.plugins)
	logger := opts.logger()
	m := host.New(opts.hostOptions(logger)...)
	// Containment is detected and the reaper started while procman gets
	// ready to start the command: its Start waits for them no longer.
	go m.Warm()
	return supervise(m, cfg, opts, logger)
}

// commandConfig does what run and explain share once their flags are
// parsed (into opts, with parseErr): help, one-line usage errors, and the
// config the options describe. When ok is false, procman exits with status.
func commandConfig(name, usage string, opts runOptions, parseErr error) (cfg sdk.ProcessConfig, status int, ok bool) {
	if errors.Is(parseErr, flag.ErrHelp) {
		fmt.Fprint(os.Stdout, usage)
		return cfg, 0, false
	}
	if parseErr != nil {
		fmt.Fprintf(os.Stderr, "procman %s: %v\n", name, parseErr)
		return cfg, exitUsage, false
	}
	cfg, err := opts.config(os.LookupEnv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "procman:", err)
		return cfg, exitUsage, false
	}
	return cfg, 0, true
}

// parseRunFlags parses the arguments of the run subcommand. It returns
// flag.ErrHelp for -h.
func parseRunFlags(args []string) (runOptions, error) {
	opts := defaultRunOptions()
	fs := newFlagSet("procman run")
	opts.define(fs)
	err := opts.parse(fs, args)
	return opts, err
}

func defaultRunOptions() runOptions {
	return runOptions{
		grace:         host.DefaultStopGracePeriod,
		pluginTimeout: host.DefaultPluginCallTimeout,
		logLevel:      hclog.Warn,
	}
}

// newFlagSet returns an empty flag set for the subcommand name.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported in one line, by the caller
	return fs
}

// parseFlags parses args with fs, and reports a bad flag as the help
// spells flags, --name, where package flag writes -name.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	msg := err.Error()
	for _, r := range []struct{ prefix, replace string }{
		{"flag provided but not defined: -", "unknown flag --"},
		{"flag needs an argument: -", "a value is missing after --"},
	} {
		if name, ok := strings.CutPrefix(msg, r.prefix); ok {
			return errors.New(r.replace + name)
		}
	}
	// invalid value "V" for flag -NAME: ..., and for a boolean flag
	// invalid boolean value "V" for -NAME: ...
	if value, rest, ok := strings.Cut(msg, " for flag -"); ok && strings.HasPrefix(value, "invalid value ") {
		return errors.New(value + " for --" + rest)
	}
	if value, rest, ok := strings.Cut(msg, " for -"); ok && strings.HasPrefix(value, "invalid boolean value ") {
		name, _, _ := strings.Cut(rest, ":")
		return errors.New(strings.Replace(value, "boolean ", "", 1) + " for --" + name + ": want true or false")
	}
	return err
}

// durationFlag is the flag.Value of a duration flag, whose errors say
// what a duration looks like.
type durationFlag time.Duration

func (d *durationFlag) String() string { return time.Duration(*d).String() }

func (d *durationFlag) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		if _, numErr := strconv.ParseFloat(s, 64); numErr == nil {
			return fmt.Errorf("a duration needs a unit, as in %ss or %sms", s, s)
		}
		return errors.New("not a duration (want one such as 10s, 500ms or 1m30s)")
	}
	*d = durationFlag(v)
	return nil
}

// define defines the flags of run on fs, with o's values as defaults.
func (o *runOptions) define(fs *flag.FlagSet) {
	fs.Var(envFlag{edits: &o.env}, "env", "")
	fs.Var(envFlag{edits: &o.env, file: true}, "env-file", "")
	fs.BoolVar(&o.cleanEnv, "clean-env", o.cleanEnv, "")
	fs.StringVar(&o.dir, "cwd", o.dir, "")
	fs.StringVar(&o.logFile, "log", o.logFile, "")
	fs.BoolVar(&o.logSpecial, "log-special", o.logSpecial, "")
	fs.Var((*durationFlag)(&o.grace), "grace", "")
	fs.BoolVar(&o.noPlugins, "no-plugins", o.noPlugins, "")
	fs.Var((*pluginFlag)(&o.plugins), "plugin", "")
	fs.Var((*durationFlag)(&o.pluginTimeout), "plugin-timeout", "")
	fs.Var((*levelFlag)(&o.logLevel), "log-level", "")
	fs.BoolVar(&o.exitWithMain, "exit-with-main", o.exitWithMain, "")
	fs.Var((*mechanismFlag)(&o.containment), "containment", "")
	fs.Var((*mechanismFlag)(&o.minimum), "min-containment", "")
	definePlatformFlags(fs, o)
	definePrivilegeFlags(fs, o)
}

// stops reports whether sig, caught by procman, stops the command's tree;
// any other signal procman catches goes to the main process alone.
func (o runOptions) stops(sig os.Signal) bool {
	return slices.Contains(stopSignals, sig) && !(o.forwardHup && sig == syscall.SIGHUP)
}

// mechanismFlag is the flag.Value of --containment.
type mechanismFlag host.Mechanism

func (m *mechanismFlag) String() string { return host.Mechanism(*m).String() }

func (m *mechanismFlag) Set(s string) error {
	mech, err := host.ParseMechanism(s)
	*m = mechanismFlag(mech)
	return err
}

// parse parses args with fs, on which define defined o's flags, and checks
// what the flags cannot check one by one.
func (o *runOptions) parse(fs *flag.FlagSet, args []string) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case o.grace < 0:
		return fmt.Errorf("invalid value %q for --grace: must not be negative", o.grace)
	case o.grace > host.MaxStopGracePeriod:
		return fmt.Errorf("invalid value %q for --grace: must be at most %v", o.grace, host.MaxStopGracePeriod)
	case o.pluginTimeout <= 0:
		return fmt.Errorf("invalid value %q for --plugin-timeout: must be positive", o.pluginTimeout)
	case o.noPlugins && o.plugins != nil:
		return errors.New("flags -no-plugins and -plugin exclude each other")
	case fs.NArg() == 0:
		return errors.New("no command given")
	}
	o.command = fs.Args()
	return nil
}

// logger returns procman's logger, writing to stderr at the level of
// --log-level.
func (o runOptions) logger() hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{
		Name:   "procman",
		Level:  o.logLevel,
		Output: os.Stderr,
	})
}

// hostOptions returns the options of the Manager that runs the command:
// the built-in plugins and plugin discovery on unless --no-plugins; signal
// handling off (the default), as procman handles signals itself, to pass
// them on.
func (o runOptions) hostOptions(logger hclog.Logger) []host.Option {
	opts := []host.Option{
		host.WithLogger(logger),
		host.WithStopGracePeriod(o.grace),
		host.WithBuiltinPlugins(!o.noPlugins),
		host.WithPluginDiscovery(!o.noPlugins && !o.noExecutables),
		host.WithPluginCallTimeout(o.pluginTimeout),
		host.WithContainment(o.containment),
		host.WithMinContainment(o.minimum),
	}
	if o.plugins != nil {
		opts = append(opts, host.WithOnlyPlugins(o.plugins...))
	}
	return opts
}

// pluginFlag is the flag.Value of --plugin: each use adds a name.
type pluginFlag []string

func (f *pluginFlag) String() string { return strings.Join(*f, ",") }

func (f *pluginFlag) Set(name string) error {
	if name == "" {
		return errors.New("must not be empty")
	}
	*f = append(*f, name)
	return nil
}

// levelFlag is the flag.Value of --log-level.
type levelFlag hclog.Level

func (l *levelFlag) String() string { return hclog.Level(*l).String() }

func (l *levelFlag) Set(s string) error {
	level := hclog.LevelFromString(s)
	if level == hclog.NoLevel {
		return errors.New("want trace, debug, info, warn, error or off")
	}
	*l = levelFlag(level)
	return nil
}

// config returns the configuration the options describe. Relative paths
// are made absolute against procman's working directory, not against --cwd.
func (o runOptions) config(lookupEnv func(string) (string, bool)) (sdk.ProcessConfig, error) {
	env, err := editEnv(baseline(o.cleanEnv, o.accountEnv(lookupEnv)), o.env, lookupEnv)
	if err != nil {
		return sdk.ProcessConfig{}, err
	}
	cfg := sdk.ProcessConfig{Command: o.command[0], Args: o.command[1:], Env: env,
		User: o.user, Group: o.group, NoNewPrivileges: o.noNewPrivileges, Limits: o.limits}
	if cfg.Dir, err = absPath(o.dir); err != nil {
		return sdk.ProcessConfig{}, err
	}
	if cfg.LogFile, err = absPath(o.logFile); err != nil {
		return sdk.ProcessConfig{}, err
	}
	return cfg, nil
}

// absPath is filepath.Abs, except that "" stays "".
func absPath(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	return filepath.Abs(path)
}

// supervise starts cfg under m, passes signals on until the command and
// everything it started have ended, and makes sure nothing of it, and no
// plugin, is left. It returns procman's exit status.
func supervise(m *host.Manager, cfg sdk.ProcessConfig, opts runOptions, logger hclog.Logger) int {
	// Signals are caught before the start, so that none is lost.
	sigs := make(chan os.Signal, 8)
	for _, sig := range slices.Concat(stopSignals, forwardSignals, jobSignals) {
		if !signal.Ignored(sig) {
			signal.Notify(sigs, sig)
		}
	}
	// Nor is any lost after: procman exits once supervise returns, and a
	// signal between the command's end and that exit leaves its status as
	// it is, not the signal's (and signal.Stop would cost as much as the
	// command's start, a fifth of a millisecond).
	return superviseWith(m, cfg, opts, sigs, logger)
}

// superviseWith is supervise with the signals procman caught coming from
// sigs.
func superviseWith(m *host.Manager, cfg sdk.ProcessConfig, opts runOptions, sigs <-chan os.Signal, logger hclog.Logger) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	j := &job{m: m, opts: opts, logger: logger, term: openTerminal(), tty: isTerminal(os.Stderr)}
	defer j.term.restore() // on every way out, the terminal as procman found it
	events := m.Events(ctx)
	h, early, status, ok := startCommand(ctx, m, cfg, opts, j.startOptions(), sigs, logger)
	if !ok {
		return status
	}
	// Nothing else will be started: the plugin processes are not kept for
	// the command's life.
	go m.StopPlugins()
	j.h = h
	if j.foreground {
		if st, err := m.Status(h); err == nil {
			j.pgrp = st.PID // the command leads its process group
			j.term.gave(j.pgrp)
		}
	}
	if report, err := m.Report(h); err == nil {
		warnMissingPlugins(logger, opts.plugins, report)
	}
	var watch <-chan time.Time // polls for the command's being stopped (Ctrl-Z)
	if jobControl && j.term != nil {
		ticker := time.NewTicker(stoppedPoll)
		defer ticker.Stop()
		watch = ticker.C
	}
	stopping := false
	for _, sig := range early {
		stopping = j.signal(ctx, sig, stopping, sigs)
	}
	for {
		select {
		case sig := <-sigs:
			stopping = j.signal(ctx, sig.(syscall.Signal), stopping, sigs)
		case <-watch:
			if st, err := m.Status(h); err == nil && st.State == host.Running && processStopped(st.PID) {
				j.suspend(sigs)
			}
		case ev, ok := <-events:
			if !ok { // never before the end below; should it be, wait no more on it
				events = nil
				continue
			}
			if ev.Handle != h {
				continue
			}
			switch {
			case ev.Kind == host.EventDetached:
				watch = nil // the command itself is gone: no job to stop
				j.detached(cfg, ev.Status)
			case ev.Status.Done():
				// The command and everything it started are gone (or,
				// with --exit-with-main, being stopped); Close ends the
				// plugins.
				closeManager(ctx, m, logger)
				if ev.Status.State == host.Failed {
					fmt.Fprintln(os.Stderr, "procman:", oneLine(ev.Status.Err))
				}
				if line := oomLine(ev.Status, cfg.Limits.Memory); line != "" {
					fmt.Fprintln(os.Stderr, "procman:", line)
				}
				return exitStatus(ev.Status)
			}
		}
	}
}

// stoppedPoll is how often procman looks whether its command was stopped
// from its terminal (Ctrl-Z), to stop the rest of the tree and itself.
const stoppedPoll = 50 * time.Millisecond

// job is the command procman runs, as a shell sees a job: it holds the
// terminal while it runs in the foreground, and stops and continues as a
// whole.
type job struct {
	m      *host.Manager
	h      host.Handle
	opts   runOptions
	logger hclog.Logger
	term   *terminal // procman's controlling terminal on stdin; nil when none
	tty    bool      // stderr is a terminal: say what happens there

	foreground bool // the command was started in the foreground of term
	pgrp       int  // then, its process group
}

// startOptions are the options of the command's Start: procman's stdin and
// output passed on and, when procman runs in the foreground of its
// terminal and writes to it, the terminal handed over to the command.
func (j *job) startOptions() []host.StartOption {
	opts := []host.StartOption{host.WithOutput(os.Stdout, os.Stderr)}
	if stdin := commandStdin(); stdin != nil {
		opts = append(opts, host.WithStdin(stdin))
	}
	if jobControl && j.term != nil && j.term.inForeground() && isTerminal(os.Stdout) {
		j.foreground = true
		opts = append(opts, host.WithForeground())
	}
	if j.opts.exitWithMain {
		opts = append(opts, host.WithExitWithMain())
	}
	if j.opts.logSpecial {
		opts = append(opts, host.WithSpecialLogFile())
	}
	return opts
}

// signal acts on a signal procman caught and reports whether a stop is now
// under way (see handleSignal); SIGTSTP stops the whole job.
func (j *job) signal(ctx context.Context, sig syscall.Signal, stopping bool, sigs <-chan os.Signal) bool {
	if isJobSignal(sig) {
		if sig != sigCont {
			j.suspend(sigs)
		}
		return stopping
	}
	stop := j.opts.stops(sig)
	if stop && j.tty {
		if !stopping {
			fmt.Fprintf(os.Stderr, "procman: stopping (grace %v); press Ctrl-C again to kill\n", j.opts.grace)
		} else {
			fmt.Fprintln(os.Stderr, "procman: killing")
		}
	}
	return handleSignal(ctx, j.m, j.h, sig, stop, stopping, j.logger)
}

// suspend stops the whole tree, takes the terminal back in the modes
// procman found it, and stops procman itself, as a shell's job stops on
// Ctrl-Z. Once procman is continued (fg, bg), so is the tree: with the
// terminal, and its modes, given back to the command when procman is in
// the foreground again.
func (j *job) suspend(sigs <-chan os.Signal) {
	if err := j.m.Suspend(j.h); err != nil {
		j.logger.Debug("suspend", "error", err)
	}
	j.term.suspendJob()
	stopSelf()
	// Continued: SIGCONT is among the signals caught, and may come after
	// others; those are acted on once the job runs again.
	var later []os.Signal
	for sig := range sigs {
		if sig == sigCont {
			break
		}
		later = append(later, sig)
	}
	// In the foreground again (fg, not bg), the command gets the terminal
	// back, as long as it runs.
	if st, err := j.m.Status(j.h); err == nil && st.State == host.Running && j.pgrp > 0 && j.term.inForeground() {
		j.term.resumeJob(j.pgrp)
	}
	if err := j.m.Resume(j.h); err != nil {
		j.logger.Debug("resume", "error", err)
	}
	// The tree continues once the init has passed SIGCONT on: until then
	// the command still looks stopped, which must not read as a new stop.
	if st, err := j.m.Status(j.h); err == nil && st.State == host.Running {
		for deadline := time.Now().Add(time.Second); processStopped(st.PID) && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
	}
	for _, sig := range later {
		j.requeue(sig)
	}
}

// requeue sends sig to procman again, to be caught after a suspension.
func (j *job) requeue(sig os.Signal) {
	if s, ok := sig.(syscall.Signal); ok {
		raise(s)
	}
}

// detached tells, on a terminal, that the command exited while processes
// it started live on, and takes the terminal back, so that Ctrl-C reaches
// procman.
func (j *job) detached(cfg sdk.ProcessConfig, st host.Status) {
	j.term.restore()
	if !j.tty || j.opts.exitWithMain {
		return
	}
	how := fmt.Sprintf("exited with code %d", st.ExitCode)
	if st.Signal != 0 {
		how = fmt.Sprintf("was ended by %v", st.Signal)
	}
	fmt.Fprintf(os.Stderr, "procman: %s %s; %d processes it started still run (pids %s): waiting for them (Ctrl-C stops them)\n",
		filepath.Base(cfg.Command), how, len(st.Descendants), joinInts(st.Descendants))
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, " ")
}

// startCommand starts cfg under m while it watches sigs. A stop signal
// cancels the start: procman then ends with 128+N for signal N once the
// start has given up, or at once on a second stop signal (what the start
// may have left is stopped as when procman is killed). When the command
// starts, early holds the signals that came during the start, to be
// handled first. When ok is false, the command did not start and procman
// exits with status.
func startCommand(ctx context.Context, m *host.Manager, cfg sdk.ProcessConfig, opts runOptions, startOpts []host.StartOption, sigs <-chan os.Signal, logger hclog.Logger) (h host.Handle, early []syscall.Signal, status int, ok bool) {
	startCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		h   host.Handle
		err error
	}
	started := make(chan result, 1)
	go func() {
		h, err := m.Start(startCtx, cfg, startOpts...)
		started <- result{h, err}
	}()
	var stopSig syscall.Signal
	for {
		select {
		case s := <-sigs:
			sig := s.(syscall.Signal)
			switch {
			case !opts.stops(s):
			case stopSig != 0:
				logger.Info("second stop signal while the command starts: exiting now", "signal", sig)
				return host.Handle{}, nil, 128 + int(sig), false
			default:
				logger.Info("stop signal while the command starts: cancelling the start", "signal", sig)
				stopSig = sig
				cancel()
			}
			early = append(early, sig)
		case r := <-started:
			if r.err == nil {
				return r.h, early, 0, true
			}
			closeManager(ctx, m, logger)
			if stopSig != 0 {
				return r.h, nil, 128 + int(stopSig), false
			}
			msg, status := startFailure(r.err)
			if errors.Is(r.err, host.ErrNotRegularFile) && !opts.logSpecial {
				msg += " (--log-special allows a FIFO or a character device)"
			}
			fmt.Fprintln(os.Stderr, "procman:", msg)
			return r.h, nil, status, false
		}
	}
}

// handleSignal acts on a signal procman caught and reports whether a stop
// is now under way. The first stop signal (stop) sends itself to the
// command's whole tree and starts the grace period; a second one kills the
// tree at once. Any other signal is passed on to the command's main
// process.
func handleSignal(ctx context.Context, m *host.Manager, h host.Handle, sig syscall.Signal, stop, stopping bool, logger hclog.Logger) bool {
	logger.Debug("caught signal", "signal", sig)
	switch {
	case !stop:
		if err := m.Signal(h, sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
			logger.Error("forward signal", "signal", sig, "error", err)
		}
		return stopping
	case stopping:
		logger.Info("second stop signal: killing the command's tree now", "signal", sig)
		go func() {
			if err := m.Kill(ctx, h); err != nil {
				logger.Error("kill", "error", err)
			}
		}()
	default:
		logger.Info("stopping the command's tree; send the signal again to kill it now", "signal", sig)
		go func() {
			if err := m.StopWithSignal(ctx, h, sig); err != nil {
				logger.Error("stop", "signal", sig, "error", err)
			}
		}()
	}
	return true
}

// closeManager closes m: it stops what m started and kills its plugins.
func closeManager(ctx context.Context, m *host.Manager, logger hclog.Logger) {
	if err := m.Close(ctx); err != nil {
		logger.Error("close", "error", err)
	}
}

// warnMissingPlugins warns of every name of --plugin that named no plugin
// that ran, so that a misspelt name does not go unnoticed.
func warnMissingPlugins(logger hclog.Logger, only []string, report host.Report) {
	for _, name := range only {
		if !slices.ContainsFunc(report.Steps, func(s host.PluginStep) bool { return s.Plugin == name }) {
			logger.Warn("no usable plugin of this name was found; see 'procman plugins'", "plugin", name)
		}
	}
}
