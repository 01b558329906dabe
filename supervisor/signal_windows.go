package supervisor

import "syscall"

// signalName names sig; Windows has no signal names of its own.
func signalName(sig syscall.Signal) string { return sig.String() }
