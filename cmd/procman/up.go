//go:build !procman_lean || windows

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/procman-dev/procman/host"
	"github.com/procman-dev/procman/project"
	"github.com/procman-dev/procman/supervisor"
)

const upUsage = `Usage: procman up [flags] [NAME...]

Run the processes of a project file in the foreground: procman.yaml (its
field names are process-compose's) or a Procfile, found in the current
directory or the nearest parent that has one. With NAMEs, run only those
and what they depend on. Each process starts once its dependencies meet
their conditions, is restarted as its availability says, and its output is
shown a line at a time, prefixed with its name. Nothing any process starts
outlives procman up, however procman up ends.

Ctrl-C, SIGTERM or SIGHUP stop every process, each after those that
depend on it, with its shutdown signal and timeout; a second Ctrl-C kills
them at once. procman up also ends when every process has ended for good,
or when one marked exit_on_end ends (any process, for a Procfile).

From another terminal, in the same directory (or with the same --file):
procman ps, procman start|stop|restart NAME, procman logs [-f] NAME.

Flags:
  -f, --file FILE   the project file (default: procman.yaml, procman.yml or
                    Procfile in the current directory or a parent)
  --no-prefix       print each line as the process wrote it, without
                    "NAME | " before it
` + upSharedHelp + `
Environment:
  Each process gets the baseline of procman run (HOME, USER, LOGNAME, PATH,
  LANG and TERM from procman's environment), then the file's top-level
  environment, then its env_file, then its own environment.

Exit status:
  0 when every process ended well or stopped as asked; otherwise the status
  of the first process that failed for good (its exit status, or 128+N for
  signal N; 127, 126 or 2 when it could not start). 2 for a bad file or
  bad flags, with one line per problem, and then nothing is started.
`

// upSharedHelp describes the flags up shares with run.
const upSharedHelp = `  --no-plugins      run no plugin: every process starts exactly as configured
  --plugin NAME     run only the plugin NAME; repeat the flag to run several
  --plugin-timeout DURATION
                    how long each call of a plugin may take (default 2s)
  --log-level LEVEL procman's own logging on stderr: trace, debug, info,
                    warn, error or off (default warn)
` + containmentHelp

// upOptions are the flags and arguments of up.
type upOptions struct {
	file          string
	noPrefix      bool
	noPlugins     bool
	plugins       []string
	pluginTimeout time.Duration
	logLevel      hclog.Level
	containment   host.Mechanism
	minimum       host.Mechanism
	names         []string
}

func parseUpFlags(args []string) (upOptions, error) {
	o := upOptions{pluginTimeout: host.DefaultPluginCallTimeout, logLevel: hclog.Warn}
	fs := newFlagSet("procman up")
	fs.StringVar(&o.file, "f", "", "")
	fs.StringVar(&o.file, "file", "", "")
	fs.BoolVar(&o.noPrefix, "no-prefix", false, "")
	fs.BoolVar(&o.noPlugins, "no-plugins", false, "")
	fs.Var((*pluginFlag)(&o.plugins), "plugin", "")
	fs.Var((*durationFlag)(&o.pluginTimeout), "plugin-timeout", "")
	fs.Var((*levelFlag)(&o.logLevel), "log-level", "")
	fs.Var((*mechanismFlag)(&o.containment), "containment", "")
	fs.Var((*mechanismFlag)(&o.minimum), "min-containment", "")
	if err := parseFlags(fs, args); err != nil {
		return o, err
	}
	switch {
	case o.pluginTimeout <= 0:
		return o, fmt.Errorf("invalid value %q for --plugin-timeout: must be positive", o.pluginTimeout)
	case o.noPlugins && o.plugins != nil:
		return o, errors.New("flags --no-plugins and --plugin exclude each other")
	}
	o.names = fs.Args()
	return o, nil
}

// up is the up subcommand.
func up(args []string) int {
	opts, err := parseUpFlags(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(os.Stdout, upUsage)
		return 0
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "procman up: %v\n", err)
		return exitUsage
	}
	proj, status, ok := loadProject(opts.file)
	if !ok {
		return status
	}
	procs, err := proj.Select(opts.names...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "procman up: %v\n", err)
		return exitUsage
	}

	none := handOver(!opts.noPlugins, opts.plugins)
	logger := hclog.New(&hclog.LoggerOptions{Name: "procman", Level: opts.logLevel, Output: os.Stderr})
	hostOpts := []host.Option{
		host.WithLogger(logger),
		host.WithBuiltinPlugins(!opts.noPlugins),
		host.WithPluginDiscovery(!opts.noPlugins && !none),
		host.WithPluginCallTimeout(opts.pluginTimeout),
		host.WithContainment(opts.containment),
		host.WithMinContainment(opts.minimum),
	}
	if opts.plugins != nil {
		hostOpts = append(hostOpts, host.WithOnlyPlugins(opts.plugins...))
	}
	m := host.New(hostOpts...)
	defer closeManager(context.Background(), m, logger)

	// Signals are caught before anything starts, so that none is lost.
	sigs := make(chan os.Signal, 4)
	for _, sig := range slices.Concat(stopSignals, jobSignals) {
		if !signal.Ignored(sig) {
			signal.Notify(sigs, sig)
		}
	}
	defer signal.Stop(sigs)

	tty := isTerminal(os.Stdout)
	sup, err := supervisor.New(context.Background(), m, supervisor.Config{
		Project:   proj,
		Processes: procs,
		Env:       baseline(false, os.LookupEnv),
		Output:    os.Stdout,
		NoPrefix:  opts.noPrefix,
		Color:     tty && os.Getenv("NO_COLOR") == "",
		Logger:    logger,
	})
	if err != nil {
		return reportStartErrors(err)
	}
	l, err := supervisor.Listen(proj.Path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "procman up: %v\n", err)
		return exitFailure
	}
	defer l.Close()
	go sup.Serve(l)

	go handleUpSignals(sup, sigs)
	failure := sup.Run(context.Background())
	if failure == nil {
		return 0
	}
	if failure.Err != nil {
		_, status := startFailure(failure.Err)
		return status
	}
	return exitStatus(failure.Status)
}

// handleUpSignals acts on the signals procman up caught: the first stop
// signal stops every process, the second kills them; Ctrl-Z (SIGTSTP)
// suspends every process and procman up with them, as a shell's job, until
// fg or bg continues procman up, and them.
func handleUpSignals(sup *supervisor.Supervisor, sigs <-chan os.Signal) {
	stops := 0
	for sig := range sigs {
		s, _ := sig.(syscall.Signal)
		switch {
		case s == sigCont:
			// Continued without a suspension of procman up's own.
		case isJobSignal(s):
			sup.Suspend()
			stopSelf()
			// Continued: SIGCONT is among the signals caught; others
			// that came meanwhile are acted on once everything runs.
			var later []os.Signal
			for sig := range sigs {
				if sig == sigCont {
					break
				}
				later = append(later, sig)
			}
			sup.Resume()
			for _, sig := range later {
				if s, ok := sig.(syscall.Signal); ok {
					raise(s)
				}
			}
		case stops == 0:
			stops++
			if isTerminal(os.Stderr) {
				fmt.Fprintln(os.Stderr, "procman: stopping; press Ctrl-C again to kill")
			}
			sup.Shutdown()
		default:
			sup.Kill()
		}
	}
}

// loadProject finds (when file is empty) and loads the project file,
// reporting every problem of a bad one, one per line.
func loadProject(file string) (proj *project.Project, status int, ok bool) {
	path, err := projectPath(file)
	if err != nil {
		fmt.Fprintf(os.Stderr, "procman: %v\n", err)
		return nil, exitUsage, false
	}
	proj, err = project.Load(path)
	if err != nil {
		var fileErr *project.FileError
		if errors.As(err, &fileErr) {
			for _, p := range fileErr.Problems {
				fmt.Fprintln(os.Stderr, p.Error())
			}
		} else {
			fmt.Fprintf(os.Stderr, "procman: %v\n", err)
		}
		return nil, exitUsage, false
	}
	return proj, 0, true
}

// projectPath is the absolute path of file, or the project file found
// from the current directory.
func projectPath(file string) (string, error) {
	if file != "" {
		return filepath.Abs(file)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	return project.Find(wd)
}

// reportStartErrors tells, one line each, why processes cannot start, and
// returns the status for the first.
func reportStartErrors(err error) int {
	errs := []error{err}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		errs = joined.Unwrap()
	}
	status := 0
	for _, err := range errs {
		msg, s := startFailure(err)
		fmt.Fprintf(os.Stderr, "procman up: %s\n", msg)
		if status == 0 {
			status = s
		}
	}
	return status
}
