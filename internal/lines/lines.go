// Package lines splits what is written to an io.Writer into lines, for
// writers that log or keep output a line at a time.
package lines

import (
	"bytes"
	"fmt"
	"os"
	"sync"
	"testing"
)

// A Writer calls Line with each line written to it, as the line completes,
// without its newline (nor a carriage return before it). A line longer
// than Max bytes (when Max is not 0) is passed in pieces of Max bytes. A
// Writer is safe for concurrent use; Line is called with its lock held,
// one line at a time, and must not keep the slice.
type Writer struct {
	Line func(line []byte)
	Max  int

	mu      sync.Mutex
	partial []byte
}

func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, p...)
	for {
		line, rest, found := bytes.Cut(w.partial, []byte{'\n'})
		if !found {
			break
		}
		w.emit(bytes.TrimSuffix(line, []byte{'\r'}))
		w.partial = rest
	}
	for w.Max > 0 && len(w.partial) >= w.Max {
		w.Line(w.partial[:w.Max])
		w.partial = w.partial[w.Max:]
	}
	w.partial = append([]byte(nil), w.partial...) // let go of what was passed on
	return len(p), nil
}

// emit passes line on, in pieces of Max bytes when it is longer.
func (w *Writer) emit(line []byte) {
	for w.Max > 0 && len(line) > w.Max {
		w.Line(line[:w.Max])
		line = line[w.Max:]
	}
	w.Line(line)
}

// Partial returns a copy of the line written so far and not yet ended.
func (w *Writer) Partial() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return bytes.Clone(w.partial)
}

// TestLog returns a Writer that logs each line with t.Log, as text gives
// it, until stop is called, and to stderr after: a goroutine the test
// leaves behind may write after the test is over, when t.Log panics.
func TestLog(t testing.TB, text func(line []byte) string) (w *Writer, stop func()) {
	var mu sync.Mutex
	done := false
	w = &Writer{Line: func(line []byte) {
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
