//go:build !procman_lean || windows

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/procman-dev/procman/supervisor"
)

const psUsage = `Usage: procman ps [--json] [-f FILE]

Show the processes of the procman up running for the project file (found
as procman up finds it, or given with -f/--file): state, pid, readiness,
restarts, and how each last ended. --json prints them as a JSON array.
`

const ctlUsage = `Usage: procman start|stop|restart [-f FILE] NAME

Ask the procman up running for the project file (found as procman up
finds it, or given with -f/--file) to start, stop or restart the process
NAME (all its replicas, or one as NAME-N). A stopped process is not
restarted until procman start or restart; restarts asked for do not count
towards max_restarts.
`

const logsUsage = `Usage: procman logs [-f] [--file FILE] NAME

Print the last lines (up to 1000) of the process NAME of the procman up
running for the project file; with -f (--follow), go on printing the lines
that come until procman up ends or Ctrl-C. --file names the project file
(default: found as procman up finds it).
`

// ps is the ps subcommand.
func ps(args []string) int {
	fs := newFlagSet("procman ps")
	var file string
	var asJSON bool
	fs.StringVar(&file, "f", "", "")
	fs.StringVar(&file, "file", "", "")
	fs.BoolVar(&asJSON, "json", false, "")
	c, status, ok := ctlClient("ps", psUsage, fs, args, 0)
	if !ok {
		return status
	}
	list, _, err := c.Processes()
	if err != nil {
		fmt.Fprintf(os.Stderr, "procman ps: %v\n", err)
		return exitFailure
	}
	if asJSON {
		out, _ := json.MarshalIndent(list, "", "  ")
		fmt.Printf("%s\n", out)
		return 0
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tSTATE\tPID\tREADY\tRESTARTS\tSINCE\tLAST")
	for _, p := range list {
		state := string(p.State)
		if p.Detached {
			state += " (detached)"
		}
		pid, ready := "-", "-"
		if p.PID != 0 {
			pid = fmt.Sprint(p.PID)
		}
		if p.Ready != nil {
			ready = map[bool]string{true: "yes", false: "no"}[*p.Ready]
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", p.Name, state, pid, ready, p.Restarts,
			time.Since(p.Since).Round(time.Second), p.Reason)
	}
	w.Flush()
	return 0
}

// control is the start, stop and restart subcommands.
func control(op string, args []string) int {
	fs := newFlagSet("procman " + op)
	var file string
	fs.StringVar(&file, "f", "", "")
	fs.StringVar(&file, "file", "", "")
	c, status, ok := ctlClient(op, ctlUsage, fs, args, 1)
	if !ok {
		return status
	}
	name := fs.Arg(0)
	var err error
	switch op {
	case "start":
		err = c.Start(name)
	case "stop":
		err = c.Stop(name)
	case "restart":
		err = c.Restart(name)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "procman %s: %v\n", op, err)
		return exitFailure
	}
	return 0
}

// logs is the logs subcommand.
func logs(args []string) int {
	fs := newFlagSet("procman logs")
	var file string
	var follow bool
	fs.BoolVar(&follow, "f", false, "")
	fs.BoolVar(&follow, "follow", false, "")
	fs.StringVar(&file, "file", "", "")
	c, status, ok := ctlClient("logs", logsUsage, fs, args, 1)
	if !ok {
		return status
	}
	ctx, stop := signal.NotifyContext(context.Background(), stopSignals...)
	defer stop()
	if err := c.Logs(ctx, fs.Arg(0), follow, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "procman logs: %v\n", err)
		return exitFailure
	}
	return 0
}

// ctlClient parses args with fs, whose flags include file ("file"), and
// connects to the procman up of the project file. nargs is the number of
// arguments wanted after the flags.
func ctlClient(op, usage string, fs *flag.FlagSet, args []string, nargs int) (c *supervisor.Client, status int, ok bool) {
	err := parseFlags(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(os.Stdout, usage)
		return nil, 0, false
	}
	if err == nil && fs.NArg() != nargs {
		switch {
		case nargs == 0:
			err = fmt.Errorf("unexpected arguments %s", strings.Join(fs.Args(), " "))
		case fs.NArg() == 0:
			err = errors.New("no process named (see 'procman ps')")
		default:
			err = fmt.Errorf("one process at a time, not %s", strings.Join(fs.Args(), " "))
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "procman %s: %v\n", op, err)
		return nil, exitUsage, false
	}
	path, err := projectPath(fs.Lookup("file").Value.String())
	if err != nil {
		fmt.Fprintf(os.Stderr, "procman %s: %v\n", op, err)
		return nil, exitUsage, false
	}
	c, err = supervisor.Dial(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "procman %s: %v\n", op, err)
		return nil, exitFailure, false
	}
	return c, 0, true
}
