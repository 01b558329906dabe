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
  --env KEY=VALUE   set KEY to VALUE
  --env KEY         copy KEY from procman's environment; if procman has no
                    KEY, neither has COMMAND
  --env-file FILE   set the variables of FILE: KEY=VALUE lines, values taken
                    verbatim (no quotes, no expansion); blank lines and
                    lines starting with # are skipped
  --clean-env       start from an empty environment instead of the baseline
  --cwd DIR         run COMMAND in DIR (default: the current directory)
  --log FILE        append COMMAND's stdout and stderr to FILE instead of
                    writing them to procman's stdout and stderr
  --grace DURATION  how long a stopping COMMAND may take before it is killed
                    (default 10s)
  --log-level LEVEL procman's own logging on stderr: trace, debug, info,
                    warn, error or off (default warn)

Environment:
  COMMAND gets only HOME, USER, LOGNAME, PATH, LANG and TERM from procman's
  environment (those that are set), then every --env and --env-file in the
  order given, a later one winning. A bare COMMAND name is looked up in the
  resulting PATH. Its stdin is /dev/null.

Signals:
  SIGINT, SIGTERM and SIGHUP go to every process of COMMAND's tree; what is
  left after the grace period is killed. A second one of them kills the
  tree at once. SIGQUIT, SIGUSR1 and SIGUSR2 go to
  COMMAND alone. A signal ignored when procman starts (as under nohup) stays
  ignored.

Exit status:
  COMMAND's exit status, or 128+N when signal N ended it; 127 when COMMAND
  was not found, 126 when it could not be executed, 2 for bad flags or
  configuration, 125 when procman itself failed.
`

// runOptions are the flags and arguments of the run subcommand.
type runOptions struct {
	env      []envEdit
	cleanEnv bool
	dir      string
	logFile  string
	grace    time.Duration
	logLevel hclog.Level
	command  []string // program and arguments
}

// run is the run subcommand.
func run(args []string) int {
	opts, err := parseRunFlags(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(os.Stdout, runUsage)
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "procman run:", err)
		return exitUsage
	}
	cfg, err := opts.config(os.LookupEnv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "procman:", err)
		return exitUsage
	}
	logger := hclog.New(&hclog.LoggerOptions{
		Name:   "procman",
		Level:  opts.logLevel,
		Output: os.Stderr,
	})
	m := host.New(
		host.WithLogger(logger),
		host.WithStopGracePeriod(opts.grace),
		host.WithSignalHandling(false),
	)
	return supervise(m, cfg, logger)
}

// parseRunFlags parses the arguments of the run subcommand. It returns
// flag.ErrHelp for -h.
func parseRunFlags(args []string) (runOptions, error) {
	opts := runOptions{grace: host.DefaultStopGracePeriod, logLevel: hclog.Warn}
	fs := flag.NewFlagSet("procman run", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported in one line, by the caller
	fs.Var(envFlag{edits: &opts.env}, "env", "")
	fs.Var(envFlag{edits: &opts.env, file: true}, "env-file", "")
	fs.BoolVar(&opts.cleanEnv, "clean-env", false, "")
	fs.StringVar(&opts.dir, "cwd", "", "")
	fs.StringVar(&opts.logFile, "log", "", "")
	fs.DurationVar(&opts.grace, "grace", opts.grace, "")
	fs.Var((*levelFlag)(&opts.logLevel), "log-level", "")
	if err := fs.Parse(args); err != nil {
		return opts, err
	}
	if opts.grace < 0 {
		return opts, fmt.Errorf("invalid value %q for flag -grace: must not be negative", opts.grace)
	}
	if fs.NArg() == 0 {
		return opts, errors.New("no command given")
	}
	opts.command = fs.Args()
	return opts, nil
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
	env, err := buildEnv(o.env, o.cleanEnv, lookupEnv)
	if err != nil {
		return sdk.ProcessConfig{}, err
	}
	cfg := sdk.ProcessConfig{Command: o.command[0], Args: o.command[1:], Env: env}
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

// supervise starts cfg under m, passes signals on until the command ends,
// and makes sure nothing of it is left. It returns procman's exit status.
func supervise(m *host.Manager, cfg sdk.ProcessConfig, logger hclog.Logger) int {
	ctx := context.Background()

	// Signals are caught before the start, so that none is lost: one that
	// arrives while the command starts is handled once it runs.
	sigs := make(chan os.Signal, 8)
	for _, sig := range slices.Concat(stopSignals, forwardSignals) {
		if !signal.Ignored(sig) {
			signal.Notify(sigs, sig)
		}
	}
	defer signal.Stop(sigs)

	h, err := m.Start(ctx, cfg, host.WithOutput(os.Stdout, os.Stderr))
	if err != nil {
		msg, status := startFailure(err)
		fmt.Fprintln(os.Stderr, "procman:", msg)
		return status
	}
	ended := make(chan host.Status, 1)
	go func() {
		st, _ := m.Wait(ctx, h) // cannot fail: the handle is m's and ctx is never done
		ended <- st
	}()
	stopping := false
	for {
		select {
		case sig := <-sigs:
			stopping = handleSignal(ctx, m, h, sig.(syscall.Signal), stopping, logger)
		case st := <-ended:
			// The command's main process is gone; Close ends whatever it
			// left behind.
			if err := m.Close(ctx); err != nil {
				logger.Error("close", "error", err)
			}
			if st.State == host.Failed {
				fmt.Fprintln(os.Stderr, "procman:", st.Err)
			}
			return exitStatus(st)
		}
	}
}

// handleSignal acts on a signal procman caught and reports whether a stop
// is now under way. The first stop signal sends itself to the command's
// whole tree and starts the grace period; a second one kills the tree at
// once. Any other signal is passed on to the command's main process.
func handleSignal(ctx context.Context, m *host.Manager, h host.Handle, sig syscall.Signal, stopping bool, logger hclog.Logger) bool {
	logger.Debug("caught signal", "signal", sig)
	switch {
	case !slices.Contains(stopSignals, os.Signal(sig)):
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
