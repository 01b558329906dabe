package main

import (
	"flag"
	"os"
	"syscall"
)

// stopSignals stop the whole command: the signal goes to every process of
// its tree, and whatever is left after the grace period is killed. Go's
// runtime turns CTRL_C_EVENT and CTRL_BREAK_EVENT into SIGINT (os.Interrupt),
// and CTRL_CLOSE_EVENT, CTRL_LOGOFF_EVENT and CTRL_SHUTDOWN_EVENT into
// SIGTERM. For the last three, Windows ends procman once its handler has
// run for a few seconds (about 5 for a close), grace period or not: the
// job object then ends what is left of the tree.
var stopSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM}

// forwardSignals are passed on to the command's main process only. Windows
// has none to pass on.
var forwardSignals []os.Signal

// definePlatformFlags defines the flags of run that only Windows has: none.
func definePlatformFlags(*flag.FlagSet, *runOptions) {}

// jobSignals: Windows has no job control.
var jobSignals []os.Signal

const sigCont syscall.Signal = -1

func isJobSignal(syscall.Signal) bool { return false }

func stopSelf() {}

func raise(syscall.Signal) {}
