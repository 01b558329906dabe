//go:build unix

package project

import "testing"

// TestLoadStopSignal: SIGSTOP, which Windows has not, only pauses a
// process, and cannot be its shutdown signal.
func TestLoadStopSignal(t *testing.T) {
	path := writeFile(t, t.TempDir(), "procman.yaml", "processes:\n  d:\n    command: x\n    shutdown: {signal: stop}\n")
	wantProblems(t, path, []string{`4: processes.d.shutdown.signal: SIGSTOP cannot stop a process: it only pauses it`})
}
