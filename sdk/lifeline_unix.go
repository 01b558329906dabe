//go:build unix

package sdk

import (
	"io"
	"os"
	"strconv"

	"github.com/procman-dev/procman/internal/pluginwire"
)

// watchLifeline makes the program exit once the host is gone. The host
// passes the read end of a pipe whose write end only it holds; the kernel
// closes that end when the host dies, by any means, and the read returns.
func watchLifeline() {
	fd, err := strconv.Atoi(os.Getenv(pluginwire.EnvLifeline))
	if err != nil || fd < 3 {
		return // not started by a procman host: nothing to watch
	}
	lifeline := os.NewFile(uintptr(fd), "lifeline")
	go func() {
		io.Copy(io.Discard, lifeline)
		os.Exit(0)
	}()
}
