package main

import (
	"os"
	"syscall"
)

// stopSignals stop the whole command: the signal goes to every process of
// its tree, and whatever is left after the grace period is killed. Windows
// turns Ctrl-C into SIGINT and closing the console into SIGTERM.
var stopSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM}

// forwardSignals are passed on to the command's main process only. Windows
// has none to pass on.
var forwardSignals []os.Signal
