//go:build unix

package project

import (
	"reflect"
	"strings"
	"testing"
)

// TestLoadStopSignal: SIGSTOP, which Windows has not, only pauses a
// process, and cannot be its shutdown signal.
func TestLoadStopSignal(t *testing.T) {
	path := writeFile(t, t.TempDir(), "procman.yaml", "processes:\n  d:\n    command: x\n    shutdown: {signal: stop}\n")
	_, err := Load(path)
	got, want := problemLines(t, err, path), inFile(path, []string{`4: processes.d.shutdown.signal: SIGSTOP cannot stop a process: it only pauses it`})
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
