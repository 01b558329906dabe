package host

import (
	"os"
	"syscall"
)

// exitBy ends the program with the status a shell reports for sig: Windows
// cannot re-raise a console control event on itself.
func exitBy(sig syscall.Signal) {
	os.Exit(128 + int(sig))
}
