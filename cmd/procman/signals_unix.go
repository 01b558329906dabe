//go:build unix

package main

import (
	"flag"
	"os"
	"syscall"
)

// stopSignals stop the whole command: the signal goes to every process of
// its tree, and whatever is left after the grace period is killed.
var stopSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP}

// forwardSignals are passed on to the command's main process only.
var forwardSignals = []os.Signal{syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2}

// definePlatformFlags defines the flags of run that only Unix has.
func definePlatformFlags(fs *flag.FlagSet, o *runOptions) {
	fs.BoolVar(&o.forwardHup, "forward-hup", o.forwardHup, "")
}

// jobSignals stop and continue the whole job: SIGTSTP (Ctrl-Z while procman
// holds the terminal, or kill -TSTP) stops the tree and procman; SIGCONT
// tells procman it was continued.
var jobSignals = []os.Signal{syscall.SIGTSTP, syscall.SIGCONT}

const sigCont = syscall.SIGCONT

func isJobSignal(sig syscall.Signal) bool { return sig == syscall.SIGTSTP || sig == syscall.SIGCONT }

// stopSelf stops procman, as SIGTSTP would have by default.
func stopSelf() { syscall.Kill(os.Getpid(), syscall.SIGSTOP) }

// raise sends sig to procman.
func raise(sig syscall.Signal) { syscall.Kill(os.Getpid(), sig) }
