//go:build linux

// Command testchild is the program procman's tests start: one binary whose
// first argument picks a behaviour. Arguments after a mode's own are ignored,
// so tests append a marker that lets them find every process they caused.
//
//	sleep                 wait forever
//	ignore-term           ignore SIGTERM, then wait forever
//	term-exit CODE        print "ready" once SIGTERM is caught, exit with CODE on it
//	tree DEPTH            start a child "tree DEPTH-1" (same extra args), wait forever
//	tree-ignore-term D    like tree, every process ignoring SIGTERM
//	exit CODE             exit with CODE
//	kill SIGNAL           send itself SIGNAL (a number)
//	interleave N          write N numbered lines alternately to stdout and stderr, exit 0
//	env                   print the environment, one KEY=value per line
//	pwd                   print the working directory
//	args                  print each argument after "args", Go-quoted, one per line
//	daemons N CODE        start N daemons the way servers do (setsid, then fork
//	                      again; each daemon ignores SIGHUP and waits forever),
//	                      print "daemon PID" for each once it runs (the pid in
//	                      its own PID namespace, if it is in one), then exit
//	                      with CODE, or wait forever when CODE is "stay"
//	daemonize             (internal) setsid, start one "sleep" daemon, print its pid
//	daemon MODE ARGS...   start "MODE ARGS..." as a daemon the way servers do
//	                      (setsid, then fork again), wait for the first line
//	                      it writes to its stdout (a pipe to this process:
//	                      it must write no more), print that line and then
//	                      "daemon PID" (the pid in its own PID namespace, if
//	                      it is in one), then exit 0
//	daemon-middle MODE... (internal) the middle process of daemon
//	escape-cgroup FILE    try to move itself into the cgroup whose
//	                      cgroup.procs is FILE (by writing "0" to it), print
//	                      "escape moved" or "escape refused: ERRNO", then,
//	                      ignoring SIGHUP, wait forever
//	burn MS MB MODE       start a child that uses MS ms of CPU and touches MB MiB
//	                      of memory, then exits; MODE "wait" waits for it,
//	                      "orphan" exits at once, leaving it to be reaped by
//	                      whoever adopts it
//	trap                  catch SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2 and SIGTERM,
//	                      print "ready", and exit with 100+N on signal N
//	count-signals DIR [CLEANUP]
//	                      start a child that does the same in a session of its
//	                      own, then keep a log DIR/PID (the pid in /proc):
//	                      "ready", "signal N" for
//	                      each SIGTERM, SIGINT or SIGHUP, and "clean" once
//	                      CLEANUP (a Go duration, default 300ms) of cleanup
//	                      after the first is done; then exit 0
//	fds                   print each descriptor it inherited (open, not close-on-exec),
//	                      "N TARGET", one per line, in order, then exit 0
//	probe-host FILE       try what a hostile program would against the processes
//	                      that run it: ptrace and read the environment of each
//	                      ancestor up to the host (procman-inits, then the first
//	                      other process) and of the host's procman-reaper, and
//	                      write to FILE (once complete) "dumpable N" (its own
//	                      PR_GET_DUMPABLE), then "ROLE PID ptrace=R environ=R"
//	                      per target: ROLE init, host or reaper, PID as /proc
//	                      names it, R "ok", an errno name, or, for a ptrace of
//	                      a process outside its PID namespace, "invisible"
package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: testchild MODE [ARGS...]")
		os.Exit(2)
	}
	mode, args := os.Args[1], os.Args[2:]
	switch mode {
	case "sleep":
		pause()
	case "ignore-term":
		signal.Ignore(syscall.SIGTERM)
		pause()
	case "term-exit":
		code := intArg(args, 0)
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGTERM)
		fmt.Println("ready")
		<-ch
		os.Exit(code)
	case "tree", "tree-ignore-term":
		if mode == "tree-ignore-term" {
			signal.Ignore(syscall.SIGTERM)
		}
		depth := intArg(args, 0)
		if depth > 1 {
			childArgs := append([]string{mode, strconv.Itoa(depth - 1)}, args[1:]...)
			cmd := exec.Command(os.Args[0], childArgs...)
			cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
			if err := cmd.Start(); err != nil {
				fmt.Fprintln(os.Stderr, "testchild:", err)
				os.Exit(1)
			}
		}
		pause()
	case "daemons":
		daemons(args)
	case "daemonize":
		// The middle process of a double fork: a session of its own, a
		// child that stays, and exit.
		if _, err := syscall.Setsid(); err != nil {
			fmt.Fprintln(os.Stderr, "testchild:", err)
			os.Exit(1)
		}
		cmd := exec.Command(os.Args[0], append([]string{"daemon-sleep"}, args...)...)
		if err := cmd.Start(); err != nil {
			fmt.Fprintln(os.Stderr, "testchild:", err)
			os.Exit(1)
		}
		fmt.Println(cmd.Process.Pid)
	case "daemon":
		daemon(args)
	case "daemon-middle":
		daemonMiddle(args)
	case "escape-cgroup":
		if len(args) < 1 {
			fmt.Fprintln(os.Stderr, "testchild: escape-cgroup FILE")
			os.Exit(2)
		}
		escapeCgroup(args[0])
	case "daemon-sleep":
		signal.Ignore(syscall.SIGHUP)
		pause()
	case "exit":
		os.Exit(intArg(args, 0))
	case "burn":
		cmd := exec.Command(os.Args[0], append([]string{"burn-leaf"}, args...)...)
		if err := cmd.Start(); err != nil {
			fmt.Fprintln(os.Stderr, "testchild:", err)
			os.Exit(1)
		}
		if len(args) > 2 && args[2] == "wait" {
			cmd.Wait()
		}
	case "burn-leaf":
		burn(time.Duration(intArg(args, 0))*time.Millisecond, intArg(args, 1))
	case "kill":
		syscall.Kill(os.Getpid(), syscall.Signal(intArg(args, 0)))
		pause()
	case "interleave":
		for i := range intArg(args, 0) {
			fmt.Fprintf(os.Stdout, "stdout %d\n", 2*i)
			fmt.Fprintf(os.Stderr, "stderr %d\n", 2*i+1)
		}
	case "env":
		for _, kv := range os.Environ() {
			fmt.Println(kv)
		}
	case "pwd":
		dir, err := os.Getwd()
		if err != nil {
			fmt.Fprintln(os.Stderr, "testchild:", err)
			os.Exit(1)
		}
		fmt.Println(dir)
	case "args":
		for _, arg := range args {
			fmt.Printf("%q\n", arg)
		}
	case "count-signals", "count-signals-session":
		countSignals(mode, args)
	case "fds":
		fds, err := descriptors()
		if err != nil {
			fmt.Fprintln(os.Stderr, "testchild:", err)
			os.Exit(1)
		}
		for _, fd := range fds {
			fmt.Println(fd)
		}
	case "probe-host":
		if len(args) < 1 {
			fmt.Fprintln(os.Stderr, "testchild: probe-host FILE")
			os.Exit(2)
		}
		if err := probeHost(args[0]); err != nil {
			fmt.Fprintln(os.Stderr, "testchild:", err)
			os.Exit(1)
		}
	case "trap":
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT,
			syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGTERM)
		fmt.Println("ready")
		os.Exit(100 + int((<-ch).(syscall.Signal)))
	default:
		fmt.Fprintf(os.Stderr, "testchild: unknown mode %q\n", mode)
		os.Exit(2)
	}
}

// daemons is the daemons mode: args are N, CODE, then extra arguments that
// every daemon gets too.
func daemons(args []string) {
	n := intArg(args, 0)
	if len(args) < 2 {
		fmt.Fprintln(os.Stderr, "testchild: daemons N CODE")
		os.Exit(2)
	}
	for range n {
		out, err := exec.Command(os.Args[0], append([]string{"daemonize"}, args[2:]...)...).Output()
		if err != nil {
			fmt.Fprintln(os.Stderr, "testchild:", err)
			os.Exit(1)
		}
		fmt.Printf("daemon %s", out)
	}
	if args[1] == "stay" {
		pause()
	}
	os.Exit(intArg(args, 1))
}

// countSignals is the count-signals mode: a program that needs time to
// clean up after a stop signal, and logs every stop signal it gets, so that
// tests see whether it got exactly one and could finish.
func countSignals(mode string, args []string) {
	if len(args) < 1 {
		fmt.Fprintln(os.Stderr, "testchild: count-signals DIR [CLEANUP]")
		os.Exit(2)
	}
	cleanup := 300 * time.Millisecond
	if len(args) > 1 {
		var err error
		if cleanup, err = time.ParseDuration(args[1]); err != nil {
			fmt.Fprintln(os.Stderr, "testchild:", err)
			os.Exit(2)
		}
	}
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	// A name of its own: in PID namespaces of their own, the programs of
	// two trees can have the same pid.
	log, err := os.CreateTemp(args[0], "log-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "testchild:", err)
		os.Exit(1)
	}
	if mode == "count-signals" {
		cmd := exec.Command(os.Args[0], append([]string{"count-signals-session"}, args...)...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if err := cmd.Start(); err != nil {
			fmt.Fprintln(os.Stderr, "testchild:", err)
			os.Exit(1)
		}
	}
	log.WriteString("ready\n")
	var cleaned <-chan time.Time
	for {
		select {
		case sig := <-sigs:
			log.WriteString("signal " + strconv.Itoa(int(sig.(syscall.Signal))) + "\n")
			if cleaned == nil {
				cleaned = time.After(cleanup)
			}
		case <-cleaned:
			log.WriteString("clean\n")
			os.Exit(0)
		}
	}
}

// pause waits forever without touching any file descriptor, so that tests
// can inspect exactly what the child was given.
// burn uses cpu of CPU time, by its own account, and touches mb MiB.
func burn(cpu time.Duration, mb int) {
	mem := make([]byte, mb<<20)
	for i := 0; i < len(mem); i += 4096 {
		mem[i] = 1
	}
	for {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		if time.Duration(ru.Utime.Nano()+ru.Stime.Nano()) >= cpu {
			break
		}
		for i := 0; i < 1_000_000; i++ {
			mem[i%len(mem)]++
		}
	}
}

func pause() {
	for {
		syscall.Pause()
	}
}

func intArg(args []string, i int) int {
	if i >= len(args) {
		fmt.Fprintln(os.Stderr, "testchild: missing number argument")
		os.Exit(2)
	}
	n, err := strconv.Atoi(args[i])
	if err != nil {
		fmt.Fprintln(os.Stderr, "testchild:", err)
		os.Exit(2)
	}
	return n
}
