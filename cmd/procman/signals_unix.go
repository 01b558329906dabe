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
