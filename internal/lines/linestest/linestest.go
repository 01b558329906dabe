// Package linestest logs what a test's helpers write, a line at a time.
// It is apart from package lines, which procman links, so that procman
// does not link package testing.
package linestest

import (
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/procman-dev/procman/internal/lines"
)

// Log returns a lines.Writer that logs each line with t.Log, as text gives
// it, until stop is called, and to stderr after: a goroutine the test
// leaves behind may write after the test is over, when t.Log panics.
func Log(t testing.TB, text func(line []byte) string) (w *lines.Writer, stop func()) {
	var mu sync.Mutex
	done := false
	w = &lines.Writer{Line: func(line []byte) {
		mu.Lock()
		over := done
		mu.Unlock()
		if over {
			fmt.Fprintln(os.Stderr, text(line))
		} else {
			t.Log(text(line))
		}
	}}
	return w, func() {
		mu.Lock()
		done = true
		mu.Unlock()
	}
}
