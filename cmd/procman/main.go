// Command procman runs a command in the foreground and makes sure that
// neither it nor anything it starts outlives it. Plugins may change the
// command's configuration before it starts.
//
// Usage:
//
//	procman run [flags] [--] COMMAND [ARGS...]
//	procman explain [flags] [--] COMMAND [ARGS...]
//	procman plugins [flags]
//	procman up [flags] [NAME...]
//	procman ps|start|stop|restart|logs ...
//	procman version [--verbose]
//	procman help [COMMAND]
//
// Run "procman run -h" for the flags of run, the environment the command
// gets, what plugins do, how signals are handled and what procman's exit
// status means; "procman explain -h" and "procman plugins -h" for the
// others.
package main

import (
	"fmt"
	"os"
)

const usage = `Usage:
  procman run [flags] [--] COMMAND [ARGS...]
  procman explain [flags] [--] COMMAND [ARGS...]
  procman plugins [flags]
  procman up [flags] [NAME...]
  procman ps [--json]
  procman start|stop|restart NAME
  procman logs [-f] NAME
  procman version [--verbose]
  procman help [COMMAND]

Commands:
  run      run COMMAND in the foreground; leave nothing of it behind
  explain  show what run would start for COMMAND, and what each plugin
           changed, without starting anything
  plugins  list the plugins found, in the order they run, and the
           candidates not used, with why
  up       run the processes of a project file (procman.yaml, Procfile)
           in the foreground, in dependency order, with restarts and
           probes; leave nothing of them behind
  ps       show the processes of the procman up running here
  start, stop, restart
           start, stop or restart one process of that procman up
  logs     print (-f: follow) the output of one of its processes
  version  print procman's version (also: procman --version); with
           --verbose, also how processes are contained on this system,
           and why no stronger way is used
  help     print this help; 'procman help COMMAND' prints COMMAND's

Run 'procman help COMMAND' or 'procman COMMAND -h' for the flags of a
command, e.g. 'procman help run'.
`

func main() {
	startPoller()
	os.Exit(dispatch(os.Args[1:]))
}

// startPoller has the Go runtime open its poller's descriptors now, while
// some are left: it opens them on first use, and dies (exit 2) when it
// cannot. A limit reached later is then procman's to report (125).
func startPoller() {
	if r, w, err := os.Pipe(); err == nil {
		r.Close()
		w.Close()
	}
}

// dispatch runs the subcommand named by args[0] and returns procman's exit
// status.
func dispatch(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return exitUsage
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "run":
		return run(rest)
	case "explain":
		return explain(rest)
	case "plugins":
		return plugins(rest)
	case "up":
		return up(rest)
	case "ps":
		return ps(rest)
	case "start", "stop", "restart":
		return control(cmd, rest)
	case "logs":
		return logs(rest)
	case "version":
		return printVersion(rest)
	case "--version", "-version":
		return printVersion(rest)
	case "help", "-h", "-help", "--help":
		switch {
		case len(rest) == 0:
			fmt.Fprint(os.Stdout, usage)
			return 0
		case len(rest) > 1:
			fmt.Fprintf(os.Stderr, "procman help: one command at most, not %q (see 'procman help')\n", rest)
			return exitUsage
		}
		switch rest[0] {
		case "run", "explain", "plugins", "up", "ps", "start", "stop", "restart", "logs":
			return dispatch([]string{rest[0], "-h"})
		case "version":
			fmt.Fprint(os.Stdout, versionUsage)
			return 0
		case "help":
			fmt.Fprint(os.Stdout, usage)
			return 0
		}
		fmt.Fprintf(os.Stderr, "procman help: unknown command %q (see 'procman help')\n", rest[0])
		return exitUsage
	default:
		fmt.Fprintf(os.Stderr, "procman: unknown command %q (see 'procman help')\n", cmd)
		return exitUsage
	}
}
